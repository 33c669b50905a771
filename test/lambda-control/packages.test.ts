import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { resolveFunction } from '../../src/services/lambda/resolve.js';
import { extractZip, readEntries, ZipError } from '../../src/services/lambda/zip.js';
import { advance, createRole, HANDLER_ZIP, makeZip, pythonZip, rejects } from './helpers.js';

describe('deployment packages: the zip reader and the size limits', () => {
  let c: Cumulus;
  let lambda: LambdaClient;
  let role: string;

  before(async () => {
    // room for a request over Lambda's 50 MB, so that Lambda's own limit answers
    c = await startTestCumulus({ maxBodyBytes: 100 * 1024 * 1024 });
    lambda = new LambdaClient(clientConfig(c, { requestHandler: { requestTimeout: 60_000 } }));
    role = await createRole(c, 'r');
  });
  after(() => c.stop());

  test('stored and deflated entries, modes kept, directories made', () => {
    const zip = makeZip({
      'bootstrap': { content: '#!/bin/sh\necho hi\n', mode: 0o755, deflate: false },
      'lib/deep/mod.py': { content: 'x = 1\n'.repeat(1000) },
      'data.txt': { content: 'plain', mode: 0o600 },
    });
    const dir = tempDir();
    extractZip(zip, dir);
    assert.equal(fs.statSync(path.join(dir, 'bootstrap')).mode & 0o777, 0o755);
    assert.equal(fs.statSync(path.join(dir, 'data.txt')).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(path.join(dir, 'lib/deep/mod.py'), 'utf8'), 'x = 1\n'.repeat(1000));
    assert.equal(readEntries(zip).length, 3);
  });

  test('the zip CLI\'s archives (directory entries, symlinks) unpack too', () => {
    const src = tempDir();
    fs.mkdirSync(path.join(src, 'pkg/sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'pkg/sub/run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.symlinkSync('sub/run.sh', path.join(src, 'pkg/link'));
    const out = path.join(tempDir(), 'a.zip');
    execFileSync('zip', ['-qry', out, 'pkg'], { cwd: src });
    const dir = tempDir();
    extractZip(fs.readFileSync(out), dir);
    assert.equal(fs.statSync(path.join(dir, 'pkg/sub/run.sh')).mode & 0o777, 0o755);
    assert.equal(fs.readlinkSync(path.join(dir, 'pkg/link')), 'sub/run.sh');
  });

  test('path traversal, absolute names, escaping symlinks and garbage are refused', () => {
    for (const name of ['../x', 'a/../../x', '/etc/x']) {
      assert.throws(() => extractZip(makeZip({ [name]: 'x' }), tempDir()), ZipError, name);
    }
    const evilLink = pythonZip(`
with zipfile.ZipFile(buf, 'w') as z:
    i = zipfile.ZipInfo('link'); i.create_system = 3; i.external_attr = (0o120777 << 16); z.writestr(i, '../../etc/passwd')
`);
    assert.throws(() => extractZip(evilLink, tempDir()), ZipError);
    assert.throws(() => readEntries(Buffer.from('PK not really a zip at all, no directory')), ZipError);
    const truncated = makeZip({ 'a.txt': 'hello world '.repeat(100) }).subarray(0, 40);
    assert.throws(() => readEntries(truncated), ZipError);
  });

  test('a zip over 50 MB is RequestEntityTooLargeException; over 250 MB unzipped is refused', async () => {
    const big = pythonZip(`
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
    z.writestr('blob', os.urandom(52428800 + 1024))
`);
    let e = await rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'big', Runtime: 'nodejs20.x', Handler: 'i.h', Role: role, Code: { ZipFile: big } })));
    assert.equal(e.name, 'RequestEntityTooLargeException');
    assert.equal(e.$metadata!.httpStatusCode, 413);
    const bomb = pythonZip(`
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('zeros', bytes(262144000 + 1))
`);
    assert.ok(bomb.length < 1024 * 1024);
    e = await rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'bomb', Runtime: 'nodejs20.x', Handler: 'i.h', Role: role, Code: { ZipFile: bomb } })));
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.equal(e.message, 'Unzipped size must be smaller than 262144000 bytes');
  });

  test('with a data dir, packages survive a restart; a deleted function\'s package goes after 15 minutes; temp dirs go on stop', async () => {
    const dataDir = tempDir();
    const scope = { account: '000000000000', region: 'us-east-1' };
    let d = await startTestCumulus({ dataDir });
    let l = new LambdaClient(clientConfig(d));
    const r = await createRole(d, 'r');
    const zip = HANDLER_ZIP();
    await l.send(new CreateFunctionCommand({ FunctionName: 'kept', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: r, Code: { ZipFile: zip } }));
    const codeDir = resolveFunction({ store: d.runtime.store, ...scope }, 'kept').codeDir;
    assert.ok(codeDir.startsWith(path.join(dataDir, 'lambda')));
    await d.stop();
    d = await startTestCumulus({ dataDir });
    l = new LambdaClient(clientConfig(d));
    await advance(d, 1);
    const got = await l.send(new GetFunctionCommand({ FunctionName: 'kept' }));
    assert.equal(got.Configuration!.State, 'Active', 'a create pending at shutdown completes after the restart');
    assert.deepEqual(Buffer.from(await (await fetch(got.Code!.Location!)).arrayBuffer()), zip);
    assert.ok(fs.existsSync(path.join(codeDir, 'index.js')));
    await l.send(new DeleteFunctionCommand({ FunctionName: 'kept' }));
    // kept while invocations already running may still use it (up to the 15-minute timeout), then removed
    await advance(d, 14 * 60);
    assert.ok(fs.existsSync(codeDir));
    await advance(d, 60);
    assert.equal(fs.existsSync(codeDir), false);
    await d.stop();

    const e = await startTestCumulus();
    const el = new LambdaClient(clientConfig(e));
    await el.send(new CreateFunctionCommand({ FunctionName: 'tmp', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: await createRole(e, 'r'), Code: { ZipFile: zip } }));
    const tmpDir = resolveFunction({ store: e.runtime.store, ...scope }, 'tmp').codeDir;
    assert.ok(fs.existsSync(tmpDir));
    await e.stop();
    assert.equal(fs.existsSync(tmpDir), false);
  });
});
