// The process driver with real processes: lifecycle, environment, output, stop and kill, process trees.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createDriver, DriverError } from '../../src/compute/index.js';
import { isDead, newDriver, waitFor, waitForLine } from './helpers.js';

const { driver, clock, baseDir } = newDriver();
after(async () => {
  await driver.shutdown();
  fs.rmSync(baseDir, { recursive: true, force: true });
});

describe('process driver', () => {
  it('runs a workload in its own root with the given environment and reports its exit code', async () => {
    const h = await driver.start({
      id: 'basic',
      name: 'basic workload',
      command: ['sh', '-c', 'echo "out $GREETING"; echo "err line" >&2; echo written > file.txt; echo "$HOME|$TMPDIR|$PWD"; exit 7'],
      env: { GREETING: 'hello' },
    });
    assert.equal(h.id, 'basic');
    assert.ok(h.pid! > 0);
    assert.ok(['running', 'exited'].includes(h.state));
    const exited = new Promise((resolve) => h.onExit(resolve));
    const exit = await h.wait();
    assert.deepEqual(await exited, exit);
    assert.equal(exit.code, 7);
    assert.equal(exit.signal, null);
    assert.equal(exit.requested, false);
    assert.equal(h.state, 'exited');
    assert.equal(h.exitCode, 7);

    assert.equal(h.rootDir, path.join(baseDir, 'workloads', 'basic', 'root'));
    assert.equal(fs.readFileSync(path.join(h.rootDir, 'file.txt'), 'utf8'), 'written\n');
    const lines = h.logs.lines();
    assert.ok(lines.some((l) => l.stream === 'stdout' && l.text === 'out hello'));
    assert.ok(lines.some((l) => l.stream === 'stderr' && l.text === 'err line'));
    assert.ok(lines.some((l) => l.text === `${h.rootDir}|${h.rootDir}/tmp|${h.rootDir}`));
    for (const l of lines) assert.ok(l.time >= h.startedAt && l.time <= clock.now());
    // everything since start, from the log file
    const all = await h.logs.readAll();
    assert.match(all, /out hello\n/);
    assert.match(all, /err line\n/);
    assert.equal(driver.get('basic'), undefined, 'exited workloads leave the live list');
    // the environment is exactly what was given, plus PATH, HOME, TMPDIR, PWD
    assert.deepEqual(Object.keys(h.env).sort(), ['GREETING', 'HOME', 'PATH', 'PWD', 'TMPDIR']);
  });

  it('passes stdin, runs scripts (with and without #!) and honours the working directory', async () => {
    const cat = await driver.start({ id: 'stdin', command: ['cat'], stdin: 'from stdin\n' });
    assert.equal((await cat.wait()).code, 0);
    assert.equal(cat.logs.text(), 'from stdin\n');

    const shebang = await driver.start({ id: 'script1', script: '#!/bin/sh\necho "script at $(pwd)"\n', workingDir: 'sub/dir' });
    assert.equal((await shebang.wait()).code, 0);
    assert.equal(shebang.logs.text(), `script at ${shebang.rootDir}/sub/dir\n`);

    const plain = await driver.start({ id: 'script2', script: 'echo plain; exit 3' });
    assert.equal((await plain.wait()).code, 3);
    assert.equal(plain.logs.text(), 'plain\n');
  });

  it('shows mounted directories inside the root and in the environment', async () => {
    const volume = fs.mkdtempSync(path.join(baseDir, 'vol-'));
    fs.writeFileSync(path.join(volume, 'hello.txt'), 'from the volume\n');
    const h = await driver.start({
      id: 'mounts',
      command: ['sh', '-c', 'cat mnt/data/hello.txt; echo new > "$CUMULUS_MOUNT_MNT_DATA/new.txt"'],
      mounts: [{ source: volume, target: '/mnt/data' }],
    });
    assert.equal((await h.wait()).code, 0);
    assert.equal(h.env.CUMULUS_MOUNT_MNT_DATA, path.join(h.rootDir, 'mnt/data'));
    assert.equal(h.logs.text(), 'from the volume\n');
    assert.equal(fs.readFileSync(path.join(volume, 'new.txt'), 'utf8'), 'new\n');
  });

  it('reports a command that does not exist as an exit, without throwing', async () => {
    const h = await driver.start({ id: 'missing', command: ['no-such-command-here', 'x'] });
    const exit = await h.wait();
    assert.equal(exit.code, 127);
    assert.match(exit.error!, /command not found: no-such-command-here/);
    assert.match(h.logs.text(), /cumulus: command not found/);
    h.kill(); // harmless
    assert.deepEqual(await h.stop(), exit);

    // a script whose interpreter is missing fails in exec: also an exit, not an exception
    const bad = await driver.start({ id: 'bad-interp', script: '#!/nonexistent/interpreter\necho hi\n' });
    const badExit = await bad.wait();
    assert.notEqual(badExit.code, 0);
    assert.ok(badExit.error || badExit.code === 127, JSON.stringify(badExit));
  });

  it('runs as another user when asked (as root)', async (t) => {
    if (!driver.capabilities().users) return t.skip('needs root');
    fs.chmodSync(baseDir, 0o755);
    const h = await driver.start({ id: 'as-nobody', command: ['sh', '-c', 'id -u; echo hi > mine.txt'], user: 'nobody', limits: { memoryMiB: 64 } });
    const exit = await h.wait();
    assert.equal(exit.code, 0, h.logs.text());
    assert.equal(h.logs.text(), `${fs.statSync(h.rootDir).uid}\n`);
    assert.notEqual(fs.statSync(path.join(h.rootDir, 'mine.txt')).uid, 0);
    await assert.rejects(driver.start({ id: 'ghost', command: ['true'], user: 'no-such-user-x' }), (e: unknown) => e instanceof DriverError && e.code === 'UserNotFound');
  });

  it('refuses bad specs and duplicate ids', async () => {
    await assert.rejects(driver.start({ id: '../x', command: ['true'] }), (e: unknown) => e instanceof DriverError && e.code === 'InvalidSpec');
    await assert.rejects(driver.start({ id: 'none' }), (e: unknown) => e instanceof DriverError && e.code === 'InvalidSpec');
    await assert.rejects(driver.start({ id: 'neg', command: ['true'], limits: { memoryMiB: -1 } }), /invalid limit/);
    const h = await driver.start({ id: 'dup', command: ['sleep', '300'] });
    await assert.rejects(driver.start({ id: 'dup', command: ['true'] }), (e: unknown) => e instanceof DriverError && e.code === 'WorkloadExists');
    await h.stop({ graceMs: 0 });
    // the id is free again once exited
    const again = await driver.start({ id: 'dup', command: ['true'] });
    assert.equal((await again.wait()).code, 0);
  });

  it("stops gracefully: SIGTERM to the group, the workload's trap runs", async () => {
    const h = await driver.start({ id: 'graceful', command: ['sh', '-c', 'trap "echo got TERM; exit 0" TERM; echo ready; while :; do sleep 0.05; done'] });
    await waitForLine(h, 'ready');
    const exit = await h.stop({ graceMs: 60_000 });
    assert.equal(exit.code, 0);
    assert.equal(exit.requested, true);
    assert.match(h.logs.text(), /got TERM/);
  });

  it('kills with SIGKILL once the grace has passed on the clock', async () => {
    const h = await driver.start({ id: 'stubborn', command: ['sh', '-c', 'trap "" TERM; echo ready; while :; do echo tick; sleep 0.05; done'] });
    await waitForLine(h, 'ready');
    const stopping = h.stop({ graceMs: 60_000 });
    // still alive after the SIGTERM: it keeps ticking
    await waitForLine(h, 'tick', h.logs.cursor());
    assert.equal(h.state, 'running');
    clock.advance(60);
    const exit = await stopping;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.requested, true);
  });

  it('kills the whole tree: children and backgrounded grandchildren', async () => {
    const h = await driver.start({
      id: 'tree',
      command: ['sh', '-c', '(sleep 300 & echo $! > grandchild.pid; wait) & echo $! > child.pid; echo started; wait'],
    });
    await waitForLine(h, 'started');
    const pidFile = (name: string) => waitFor(() => {
      const p = path.join(h.rootDir, name);
      return fs.existsSync(p) && Number(fs.readFileSync(p, 'utf8')) ? Number(fs.readFileSync(p, 'utf8')) : 0;
    }, name);
    const child = await pidFile('child.pid');
    const grandchild = await pidFile('grandchild.pid');
    assert.ok(!isDead(grandchild));
    const usage = await waitFor(() => (h.usage().processes >= 3 ? h.usage() : undefined), 'the tree in usage');
    assert.ok(usage.processes >= 3);
    await h.stop({ graceMs: 5_000 });
    await waitFor(() => isDead(child) && isDead(grandchild), 'the tree to die');
  });

  it('kills what is left of the tree when the leader exits', async () => {
    const h = await driver.start({ id: 'orphans', command: ['sh', '-c', 'sleep 300 & echo $! > bg.pid; exit 0'] });
    assert.equal((await h.wait()).code, 0);
    const bg = Number(fs.readFileSync(path.join(h.rootDir, 'bg.pid'), 'utf8'));
    await waitFor(() => isDead(bg), 'the background process to die');
  });

  it('kill() signals the tree and is harmless after exit', async () => {
    const h = await driver.start({ id: 'killme', command: ['sleep', '300'] });
    h.kill('SIGINT');
    const exit = await h.wait();
    assert.equal(exit.signal, 'SIGINT');
    h.kill();
    h.kill('SIGTERM');
    assert.equal(h.state, 'exited');
  });

  it('starts and stops 50 workloads quickly', async () => {
    const t0 = performance.now();
    const handles = await Promise.all(Array.from({ length: 50 }, (_, i) => driver.start({ id: `many-${i}`, command: ['sleep', '300'] })));
    assert.ok(handles.every((h) => h.state === 'running'));
    assert.equal(new Set(handles.map((h) => h.pid)).size, 50);
    const usage = driver.usageAll();
    for (const h of handles) assert.ok(usage.get(h.id)!.processes >= 1, h.id); // memory may read 0 mid-exec
    const exits = await Promise.all(handles.map((h) => h.stop({ graceMs: 5_000 })));
    assert.ok(exits.every((e) => e.signal === 'SIGTERM'));
    assert.ok(handles.every((h) => isDead(h.pid!)));
    assert.equal(driver.list().filter((h) => h.id.startsWith('many-')).length, 0);
    assert.ok(performance.now() - t0 < 15_000);
  });

  it('a restarted workload appends to its console log but reads back only this start', async () => {
    const first = await driver.start({ id: 'again', command: ['echo', 'first run'] });
    await first.wait();
    const second = await driver.start({ id: 'again', command: ['echo', 'second run'] });
    await second.wait();
    assert.equal(await second.logs.readAll(), 'second run\n');
    assert.equal(fs.readFileSync(second.logPath!, 'utf8'), 'first run\nsecond run\n');
  });

  it('kills a tree a previous Cumulus left running for the same workload', async () => {
    const other = createDriver('process', { baseDir, clock });
    const old = await other.start({ id: 'left-behind', command: ['sleep', '300'] });
    const pid = old.pid!;
    // a new driver on the same directory (as after a crash and restart) starts the workload again
    const h = await driver.start({ id: 'left-behind', command: ['sleep', '300'] });
    await waitFor(() => isDead(pid), 'the old copy to die');
    assert.ok(!isDead(h.pid!));
    await h.stop({ graceMs: 0 });
    await other.shutdown();
  });

  it('shutdown stops everything and refuses new workloads', async () => {
    const d = newDriver();
    const hs = await Promise.all([1, 2, 3].map((i) => d.driver.start({ id: `s${i}`, command: ['sh', '-c', 'sleep 300 & sleep 300'] })));
    await d.driver.shutdown();
    assert.ok(hs.every((h) => h.state === 'exited' && isDead(h.pid!)));
    await assert.rejects(d.driver.start({ id: 'late', command: ['true'] }), (e: unknown) => e instanceof DriverError && e.code === 'ShutDown');
    fs.rmSync(d.baseDir, { recursive: true, force: true });
  });
});
