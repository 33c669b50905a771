// The 'http-backend' fault: a target answering errors turns unhealthy and traffic moves to the healthy one;
// a target slower than the idle timeout gets AWS's 504; a refused connection 502; clearing the fault heals it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
  RegisterTargetsCommand,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { defaultNetwork, request, untilHealth } from './helpers.js';
import { webTarget, type WebTarget } from './local-targets.js';

let c: Cumulus;
let elb: ElasticLoadBalancingV2Client;
let lb: LoadBalancer;
let tg: string;
let one: WebTarget;
let two: WebTarget;

const fault = async (body: Record<string, unknown>) => {
  const res = await fetch(`${c.url}/_cumulus/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'http-backend', ...body }) });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return (JSON.parse(text) as { fault: { id: string } }).fault.id;
};
const clear = (id: string) => fetch(`${c.url}/_cumulus/faults/${id}`, { method: 'DELETE' });
const names = async (n: number) => {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await request(c.port, '/', { host: lb.DNSName! });
    seen.add(r.status === 200 ? (JSON.parse(r.text) as { name: string }).name : String(r.status));
  }
  return [...seen].sort();
};

before(async () => {
  c = await startTestCumulus();
  elb = new ElasticLoadBalancingV2Client(clientConfig(c));
  const net = await defaultNetwork(new EC2Client(clientConfig(c)));
  [one, two] = await Promise.all([webTarget('one'), webTarget('two')]);
  lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'faulty', Subnets: net.subnets.slice(0, 2) }))).LoadBalancers![0]!;
  tg = (
    await elb.send(
      new CreateTargetGroupCommand({ Name: 'faulty', TargetType: 'ip', Protocol: 'HTTP', Port: 80, VpcId: net.vpcId, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2 }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] }));
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: '127.0.0.1', Port: one.port }, { Id: '127.0.0.1', Port: two.port }] }));
  await untilHealth(c, elb, tg, (t) => t.length === 2 && t.every((x) => x.TargetHealth!.State === 'healthy'));
});
after(async () => {
  await c.stop();
  await Promise.all([one.close(), two.close()]);
});

test('a target answering 500 fails its health checks and leaves rotation; clearing the fault brings it back', async () => {
  assert.deepEqual(await names(6), ['one', 'two']);
  const id = await fault({ port: one.port, status: 500 });
  const unhealthy = await untilHealth(c, elb, tg, (t) => t.some((x) => x.TargetHealth!.State === 'unhealthy'));
  const bad = unhealthy.find((x) => x.Target!.Port === one.port)!;
  assert.deepEqual(bad.TargetHealth, { State: 'unhealthy', Reason: 'Target.ResponseCodeMismatch', Description: 'Health checks failed with these codes: [500]' });
  assert.deepEqual(await names(6), ['two']);
  await clear(id);
  const healed = await untilHealth(c, elb, tg, (t) => t.every((x) => x.TargetHealth!.State === 'healthy'));
  assert.deepEqual(healed.map((x) => x.TargetHealth!.State), ['healthy', 'healthy']);
  assert.deepEqual(await names(6), ['one', 'two']);
});

test('slower than the idle timeout: 504; a refused connection: 502; both as the load balancer answers', async () => {
  await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '1' }] }));
  const slowAll = await fault({ host: '127.0.0.1', port: one.port, delayMs: 5000 });
  const slowTwo = await fault({ port: two.port, delayMs: 5000 });
  const r = await request(c.port, '/', { host: lb.DNSName! });
  assert.equal(r.status, 504);
  assert.equal(r.headers.server, 'awselb/2.0');
  await clear(slowAll);
  await clear(slowTwo);
  const resetOne = await fault({ port: one.port, reset: true });
  const resetTwo = await fault({ port: two.port, reset: true });
  assert.equal((await request(c.port, '/', { host: lb.DNSName! })).status, 502);
  await clear(resetOne);
  await clear(resetTwo);
  // a short delay just slows the answer
  const brief = await fault({ port: one.port, delayMs: 50 });
  const t0 = Date.now();
  const answers = await Promise.all([request(c.port, '/', { host: lb.DNSName! }), request(c.port, '/', { host: lb.DNSName! })]);
  assert.ok(answers.every((a) => a.status === 200));
  assert.ok(Date.now() - t0 >= 40);
  await clear(brief);
  const badSpec = await fetch(`${c.url}/_cumulus/faults`, { method: 'POST', body: JSON.stringify({ kind: 'http-backend', port: 0 }) });
  assert.equal(badSpec.status, 400);
});
