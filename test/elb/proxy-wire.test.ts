// The ALB's own HTTP client towards its targets, seen from both ends: a target written on raw sockets
// answers with chunked bodies split across writes, interim 100s, close-delimited bodies, 204s, HEADs,
// a megabyte and garbage; request bodies arrive with Content-Length or chunked; connections to the target
// are reused, and one the target dropped while idle is replaced without the client noticing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenerAttributesCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { defaultNetwork, untilHealth } from './helpers.js';

let c: Cumulus;
let port: number;
let target: net.Server;
const sockets = new Set<net.Socket>();
/** connections the target accepted for paths under /ka */
let kaConnections = new Set<net.Socket>();
let dropped: (() => void) | undefined;
const BIG = Buffer.alloc(1024 * 1024, 'abcdefghij');

/** Reads one request (head and body, Content-Length or chunked) off a raw socket. */
function onRequest(s: net.Socket, handle: (method: string, path: string, head: string, body: Buffer) => void): void {
  let buf = Buffer.alloc(0);
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const at = buf.indexOf('\r\n\r\n');
      if (at < 0) return;
      const head = buf.toString('latin1', 0, at);
      const [method, path] = head.split(' ');
      const len = /content-length: *(\d+)/i.exec(head);
      let rest = buf.subarray(at + 4);
      let body: Buffer;
      if (len) {
        if (rest.length < Number(len[1])) return;
        body = rest.subarray(0, Number(len[1]));
        rest = rest.subarray(Number(len[1]));
      } else if (/transfer-encoding: *chunked/i.test(head)) {
        const parts: Buffer[] = [];
        let p = rest;
        for (;;) {
          const nl = p.indexOf('\r\n');
          if (nl < 0) return;
          const n = parseInt(p.toString('latin1', 0, nl), 16);
          if (p.length < nl + 2 + n + 2) return;
          if (n === 0) {
            rest = p.subarray(nl + 4);
            break;
          }
          parts.push(p.subarray(nl + 2, nl + 2 + n));
          p = p.subarray(nl + 2 + n + 2);
        }
        body = Buffer.concat(parts);
      } else body = Buffer.alloc(0);
      buf = rest;
      handle(method!, path!, head, body);
    }
  });
}

function serve(s: net.Socket, method: string, path: string, head: string, body: Buffer): void {
  const ok = (text: string, extra = '') => s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`);
  if (path.startsWith('/ka')) kaConnections.add(s);
  switch (path) {
    case '/split-chunked':
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Part: 1\r\n\r\n5\r\nhel');
      setTimeout(() => s.write('lo\r\n6;ext=1\r\n wor'), 20);
      setTimeout(() => s.write('ld\r\n0\r\nX-Trailer: t\r\n\r\n'), 40);
      return;
    case '/continue':
      return void s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone');
    case '/close':
      s.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil ');
      return void setTimeout(() => s.end('the end'), 20);
    case '/nocontent':
      return void s.write('HTTP/1.1 204 No Content\r\nX-Empty: yes\r\n\r\n');
    case '/big':
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n`);
      for (let i = 0; i < BIG.length; i += 100_000) s.write(BIG.subarray(i, i + 100_000));
      return;
    case '/bad':
      return void s.write('this is not http\r\n\r\n');
    case '/echo':
      return void ok(JSON.stringify({ method, length: body.length, text: body.toString(), chunked: /transfer-encoding: *chunked/i.test(head) }));
    case '/ka-drop':
      // answer keep-alive, then drop the connection while it sits idle in the load balancer's pool
      ok('dropped soon');
      return void setTimeout(() => {
        s.destroy();
        dropped?.();
      }, 30);
    default:
      // a HEAD's answer names the length of the body it does not send
      if (method === 'HEAD') return void s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n');
      return void ok('ok');
  }
}

function call(path: string, opts: { method?: string; body?: string | Buffer; chunked?: boolean; agent?: http.Agent } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = opts.chunked ? { 'transfer-encoding': 'chunked' } : {};
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, agent: opts.agent ?? false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.chunked && opts.body !== undefined) {
      const b = Buffer.from(opts.body);
      req.write(b.subarray(0, 3));
      setTimeout(() => req.end(b.subarray(3)), 20);
    } else req.end(opts.body);
  });
}

before(async () => {
  c = await startTestCumulus();
  target = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    onRequest(s, (m, p, h, b) => serve(s, m, p, h, b));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const targetPort = (target.address() as net.AddressInfo).port;
  const elb = new ElasticLoadBalancingV2Client(clientConfig(c));
  const network = await defaultNetwork(new EC2Client(clientConfig(c)));
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'wire', Subnets: network.subnets.slice(0, 2) }))).LoadBalancers![0]!;
  const tg = (await elb.send(new CreateTargetGroupCommand({ Name: 'wire', TargetType: 'ip', Protocol: 'HTTP', Port: 80, VpcId: network.vpcId, HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2 })))
    .TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: '127.0.0.1', Port: targetPort }] }));
  const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] }))).Listeners![0]!;
  await untilHealth(c, elb, tg, (t) => t.length === 1 && t[0]!.TargetHealth!.State === 'healthy');
  const attrs = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: listener.ListenerArn }));
  port = Number(attrs.Attributes!.find((a) => a.Key === 'cumulus.local_port')!.Value);
});

after(async () => {
  await c.stop();
  for (const s of sockets) s.destroy();
  await new Promise((r) => target.close(r));
});

test('response framings reach the client intact', async () => {
  const split = await call('/split-chunked');
  assert.equal(split.status, 200);
  assert.equal(split.body.toString(), 'hello world');
  assert.equal(split.headers['x-part'], '1');

  const cont = await call('/continue');
  assert.equal(cont.status, 201);
  assert.equal(cont.body.toString(), 'done');

  const closing = await call('/close');
  assert.equal(closing.status, 200);
  assert.equal(closing.body.toString(), 'until the end');

  const none = await call('/nocontent');
  assert.equal(none.status, 204);
  assert.equal(none.headers['x-empty'], 'yes');
  assert.equal(none.body.length, 0);

  const head = await call('/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);

  const big = await call('/big');
  assert.equal(big.status, 200);
  assert.equal(big.body.length, BIG.length);
  assert.ok(big.body.equals(BIG));

  const bad = await call('/bad');
  assert.equal(bad.status, 502);
  assert.equal(bad.headers.server, 'awselb/2.0');
});

test('request bodies go through with Content-Length or chunked', async () => {
  const fixed = JSON.parse((await call('/echo', { method: 'POST', body: 'fixed body' })).body.toString());
  assert.deepEqual(fixed, { method: 'POST', length: 10, text: 'fixed body', chunked: false });
  const chunked = JSON.parse((await call('/echo', { method: 'PUT', body: 'streamed body', chunked: true })).body.toString());
  assert.deepEqual(chunked, { method: 'PUT', length: 13, text: 'streamed body', chunked: true });
});

test('connections to the target are reused; one dropped while idle is replaced', async () => {
  kaConnections = new Set();
  for (let i = 0; i < 6; i++) assert.equal((await call('/ka')).status, 200);
  assert.equal(kaConnections.size, 1, 'sequential requests share one connection to the target');

  const gone = new Promise<void>((r) => (dropped = r));
  assert.equal((await call('/ka-drop')).body.toString(), 'dropped soon');
  await gone;
  const again = await call('/ka');
  assert.equal(again.status, 200);
  assert.equal(again.body.toString(), 'ok');
});
