// The plumbing services share: fault injection (/_cumulus/faults and `cumulus fault`), target dispatch by ARN,
// data planes and upgrades on the main port.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Cumulus } from '../../src/server/server.js';
import { FaultError } from '../../src/server/faults.js';
import { HANDLED } from '../../src/server/http-planes.js';
import { buildRoot, startTestCumulus } from '../helpers/cumulus.js';

let c: Cumulus;
const cleared: string[] = [];

before(async () => {
  c = await startTestCumulus();
  c.runtime.faults.register('disk-full', {
    description: 'a test fault: a named disk reports no space',
    apply(spec) {
      if (typeof spec.disk !== 'string') throw new FaultError('disk-full needs a "disk"');
      return { target: spec.disk, clear: () => cleared.push(spec.disk as string) };
    },
  });
  c.runtime.faults.register('blip', { description: 'a one-shot test fault', apply: () => ({ oneShot: true }) });
});
after(() => c.stop());

const api = (p: string, init?: RequestInit) => fetch(`${c.url}${p}`, init);
const post = (body: unknown) => api('/_cumulus/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('faults: inject, list, find, clear one and all; bad specs get 400', async () => {
  const kinds = (await (await api('/_cumulus/faults/kinds')).json()) as { kinds: { kind: string }[] };
  assert.ok(kinds.kinds.some((k) => k.kind === 'disk-full'));

  const created = await post({ kind: 'disk-full', disk: 'vol-1' });
  assert.equal(created.status, 201);
  const { fault } = (await created.json()) as { fault: { id: string; target: string } };
  assert.equal(fault.target, 'vol-1');
  assert.equal(c.runtime.faults.find('disk-full', 'vol-1').length, 1);
  assert.equal((await post({ kind: 'blip' })).status, 201);
  await post({ kind: 'disk-full', disk: 'vol-2' });
  const listed = (await (await api('/_cumulus/faults')).json()) as { faults: { id: string }[] };
  assert.equal(listed.faults.length, 2, 'one-shot faults are not kept active');

  const bad = await post({ kind: 'disk-full' });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /needs a "disk"/);
  assert.equal((await post({ kind: 'no-such-kind' })).status, 400);
  assert.equal((await api('/_cumulus/faults', { method: 'POST', body: 'not json' })).status, 400);

  assert.equal((await api(`/_cumulus/faults/${fault.id}`, { method: 'DELETE' })).status, 200);
  assert.deepEqual(cleared, ['vol-1']);
  assert.equal((await api(`/_cumulus/faults/${fault.id}`, { method: 'DELETE' })).status, 404);
  assert.deepEqual(await (await api('/_cumulus/faults', { method: 'DELETE' })).json(), { cleared: 1 });
  assert.deepEqual(cleared, ['vol-1', 'vol-2']);
});

test('cumulus fault: the CLI injects, lists and clears', async () => {
  const cli = path.join(buildRoot, 'src/cli/main.js');
  const run = (...args: string[]) => promisify(execFile)(process.execPath, [cli, 'fault', ...args, '--endpoint', c.url]);
  const injected = JSON.parse((await run('inject', 'disk-full', 'disk=vol-9', 'sizeGb=3')).stdout) as { fault: { spec: Record<string, unknown> } };
  assert.deepEqual(injected.fault.spec, { kind: 'disk-full', disk: 'vol-9', sizeGb: 3 });
  assert.equal((JSON.parse((await run('list')).stdout) as { faults: unknown[] }).faults.length, 1);
  await run('clear');
  assert.equal((JSON.parse((await run('list')).stdout) as { faults: unknown[] }).faults.length, 0);
  await assert.rejects(run('inject', 'disk-full'), (err: { code: number; stdout: string }) => err.code === 1 && /needs a \\"disk\\"/.test(err.stdout));
});

test('targets: dispatched by ARN to the registered owner; unknown ARNs and throwing handlers report failure', async () => {
  const seen: string[] = [];
  c.runtime.targets.register('queue', (arn) => arn.startsWith('arn:aws:sqs:'), (inv) => {
    seen.push(inv.payload);
    return { ok: true, message: `delivered to ${inv.arn}` };
  });
  c.runtime.targets.register('broken', (arn) => arn.startsWith('arn:aws:sns:'), () => {
    throw new Error('topic is gone');
  });
  const source = { principal: 'events.amazonaws.com', account: '000000000000', region: 'us-east-1' };
  assert.deepEqual(await c.runtime.targets.invoke({ arn: 'arn:aws:sqs:us-east-1:000000000000:q', payload: '{"a":1}', source }), {
    ok: true,
    message: 'delivered to arn:aws:sqs:us-east-1:000000000000:q',
  });
  assert.deepEqual(seen, ['{"a":1}']);
  assert.deepEqual(await c.runtime.targets.invoke({ arn: 'arn:aws:sns:us-east-1:000000000000:t', payload: '{}', source }), { ok: false, message: 'topic is gone' });
  const none = await c.runtime.targets.invoke({ arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', payload: '{}', source });
  assert.equal(none.ok, false);
});

test('data planes answer or stream their own responses; upgrades reach their plane; others fall through to AWS', async () => {
  c.runtime.http.addDataPlane((req) => (req.path === '/_test/plane' ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'from plane' } : undefined));
  c.runtime.http.addDataPlane((req, info) => {
    if (req.path !== '/_test/stream') return undefined;
    info.res.writeHead(207, { 'content-type': 'text/plain' });
    info.res.write('part1 ');
    info.res.end(`part2 from ${info.sourceIp}`);
    return HANDLED;
  });
  c.runtime.http.addUpgradePlane((raw, socket) => {
    if (raw.url !== '/_test/ws') return false;
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nhello');
    return true;
  });
  assert.equal(await (await api('/_test/plane')).text(), 'from plane');
  const streamed = await api('/_test/stream');
  assert.equal(streamed.status, 207);
  assert.equal(await streamed.text(), 'part1 part2 from 127.0.0.1');

  const upgrade = (p: string) =>
    new Promise<string>((resolve, reject) => {
      const s = net.connect(c.port, '127.0.0.1', () => s.write(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n`));
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
  assert.match(await upgrade('/_test/ws'), /^HTTP\/1\.1 101[\s\S]*hello$/);
  assert.match(await upgrade('/elsewhere'), /^HTTP\/1\.1 404/);
  // anything else is still an AWS API call
  const res = await api('/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
  assert.equal(res.status, 200);
});
