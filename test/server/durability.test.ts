// Durability: with --data-dir, every acknowledged change survives a SIGKILL at any moment; a data dir
// written by a newer Cumulus is refused with a clear message, and left unchanged.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CreateRoleCommand, CreateUserCommand, GetRoleCommand, IAMClient, ListUsersCommand, TagUserCommand, type User } from '@aws-sdk/client-iam';
import { buildRoot, clientConfig, freePort, spawnCumulus, tempDir, type SpawnedCumulus } from '../helpers/cumulus.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Waits for a child to be gone (exited, or killed by a signal: then exitCode stays null). */
function gone(s: SpawnedCumulus): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
    s.child.once('exit', () => resolve());
  });
}

async function stop(s: SpawnedCumulus, signal: NodeJS.Signals): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill(signal);
  await gone(s);
}

async function allUsers(iam: IAMClient): Promise<User[]> {
  const users: User[] = [];
  let Marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await iam.send(new ListUsersCommand({ Marker, MaxItems: 100 }));
    users.push(...(out.Users ?? []));
    if (!out.IsTruncated) break;
    Marker = out.Marker;
  }
  return users;
}

describe('durability', () => {
  const dirs: string[] = [];
  const running: SpawnedCumulus[] = [];
  after(async () => {
    for (const s of running) await stop(s, 'SIGKILL');
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('every acknowledged change survives a SIGKILL and a restart on the same data dir', async () => {
    const dir = tempDir('cumulus-durability-');
    dirs.push(dir);
    const first = await spawnCumulus(['--data-dir', dir]);
    running.push(first);
    const iam = new IAMClient(clientConfig(first));

    // a role and a tagged user, acknowledged before the storm
    await iam.send(new CreateRoleCommand({ RoleName: 'durable-role', AssumeRolePolicyDocument: TRUST, Description: 'kept across a crash' }));
    await iam.send(new CreateUserCommand({ UserName: 'durable-user', Path: '/team/' }));
    await iam.send(new TagUserCommand({ UserName: 'durable-user', Tags: [{ Key: 'k', Value: 'v' }] }));

    // then writes in flight, with SIGKILL the moment the 40th is acknowledged: whatever was acknowledged must be there
    const acknowledged: string[] = [];
    let killed = false;
    const killAt = 40;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 1_000 && !killed; i++) {
        const name = `user-${w}-${i}`;
        try {
          await iam.send(new CreateUserCommand({ UserName: name }));
        } catch {
          return; // the process is gone
        }
        acknowledged.push(name);
        if (acknowledged.length === killAt && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    });
    await Promise.all(writers);
    await gone(first);
    assert.equal(first.child.signalCode, 'SIGKILL');
    assert.ok(acknowledged.length >= killAt);

    const second = await spawnCumulus(['--data-dir', dir]);
    running.push(second);
    const iam2 = new IAMClient(clientConfig(second));
    const names = new Set((await allUsers(iam2)).map((u) => u.UserName));
    const lost = acknowledged.filter((n) => !names.has(n));
    assert.deepEqual(lost, [], `acknowledged users lost after SIGKILL: ${lost.join(', ')}`);
    assert.ok(names.has('durable-user'));
    const user = (await allUsers(iam2)).find((u) => u.UserName === 'durable-user');
    assert.equal(user?.Path, '/team/');
    const role = await iam2.send(new GetRoleCommand({ RoleName: 'durable-role' }));
    assert.equal(role.Role?.Description, 'kept across a crash');
    assert.equal(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? ''), TRUST);
    await stop(second, 'SIGTERM');
    assert.equal(second.child.exitCode, 0);
  });

  test('a data dir from a newer Cumulus is refused with a clear message and left unchanged', async () => {
    const dir = tempDir('cumulus-newer-');
    dirs.push(dir);
    const file = path.join(dir, 'cumulus.sqlite');
    const db = new BetterSqlite3(file);
    db.exec('CREATE TABLE future (x)');
    db.pragma('user_version = 999');
    db.close();
    const before = fs.readFileSync(file);

    const port = await freePort();
    const child = spawn(process.execPath, [path.join(buildRoot, 'src/cli/main.js'), 'start', '--port', String(port), '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.notEqual(code, null, `cumulus kept running on a newer data dir: ${output}`);
    assert.notEqual(code, 0);
    assert.match(output, /schema version 999/);
    assert.match(output, /Upgrade Cumulus/);
    assert.doesNotMatch(output, /\n\s+at /, 'a message, not a stack trace');
    const after = new BetterSqlite3(file, { readonly: true });
    assert.equal(after.pragma('user_version', { simple: true }), 999);
    after.close();
    assert.ok(before.equals(fs.readFileSync(file)), 'the data file is unchanged');
  });
});
