import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { advance, defaultNetwork, request, until, untilHealth } from './helpers.js';
import { webTarget, type WebTarget } from './local-targets.js';

describe('elbv2: draining, weighted forwarding, least outstanding requests, upgrades (local IP targets)', () => {
  let c: Cumulus;
  let elb: ElasticLoadBalancingV2Client;
  let lb: LoadBalancer;
  let listenerArn: string;
  let one: WebTarget;
  let two: WebTarget;
  let tg1: string;
  let tg2: string;
  const host = () => lb.DNSName!;

  before(async () => {
    c = await startTestCumulus();
    elb = new ElasticLoadBalancingV2Client(clientConfig(c));
    const net = await defaultNetwork(new EC2Client(clientConfig(c)));
    [one, two] = await Promise.all([webTarget('one'), webTarget('two')]);
    lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'local', Subnets: net.subnets.slice(0, 2) }))).LoadBalancers![0]!;
    const mk = async (Name: string) =>
      (
        await elb.send(
          new CreateTargetGroupCommand({ Name, TargetType: 'ip', Protocol: 'HTTP', Port: 80, VpcId: net.vpcId, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2 }),
        )
      ).TargetGroups![0]!.TargetGroupArn!;
    tg1 = await mk('one');
    tg2 = await mk('two');
    listenerArn = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg1 }] }))).Listeners![0]!
      .ListenerArn!;
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: one.port }] }));
    await untilHealth(c, elb, tg1, (t) => t.every((x) => x.TargetHealth!.State === 'healthy'));
  });
  after(async () => {
    await c.stop();
    await Promise.all([one.close(), two.close()]);
  });

  test('deregistration drains: an in-flight request completes, the target shows draining, new requests get 503', async () => {
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg1, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }] }));
    const slow = request(c.port, '/slow', { host: host() });
    // the request has reached the target when the target holds it
    await until('request in flight', async () => ((one.server as unknown as { _connections?: number })._connections ?? 1) > 0 || undefined);
    await new Promise((r) => setTimeout(r, 100));
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: one.port }] }));
    const d = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg1 }));
    assert.deepEqual(d.TargetHealthDescriptions![0]!.TargetHealth, { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' });
    const fresh = await request(c.port, '/', { host: host() });
    assert.equal(fresh.status, 503);
    one.release();
    const done = await slow;
    assert.equal(done.status, 200);
    assert.equal(JSON.parse(done.text).name, 'one');
    // nothing in flight: the deregistration completes without waiting for the delay
    const gone = await until('drained', async () => {
      const x = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg1 }));
      return x.TargetHealthDescriptions!.length === 0 ? true : undefined;
    });
    assert.equal(gone, true);
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: one.port }] }));
    await untilHealth(c, elb, tg1, (t) => t.every((x) => x.TargetHealth!.State === 'healthy'));
  });

  test('weighted forwarding between target groups, with group stickiness', async () => {
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg2, Targets: [{ Id: '127.0.0.1', Port: two.port }] }));
    const forward = (w1: number, w2: number, stick = false) =>
      elb.send(
        new ModifyListenerCommand({
          ListenerArn: listenerArn,
          DefaultActions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: [{ TargetGroupArn: tg1, Weight: w1 }, { TargetGroupArn: tg2, Weight: w2 }],
                TargetGroupStickinessConfig: stick ? { Enabled: true, DurationSeconds: 60 } : { Enabled: false },
              },
            },
          ],
        }),
      );
    await forward(0, 1);
    await untilHealth(c, elb, tg2, (t) => t.every((x) => x.TargetHealth!.State === 'healthy'));
    for (let i = 0; i < 3; i++) assert.equal(JSON.parse((await request(c.port, '/', { host: host() })).text).name, 'two');
    await forward(1, 0);
    for (let i = 0; i < 3; i++) assert.equal(JSON.parse((await request(c.port, '/', { host: host() })).text).name, 'one');
    await forward(1, 1, true);
    const first = await request(c.port, '/', { host: host() });
    const cookie = first.headers['set-cookie']!.find((x) => x.startsWith('AWSALBTG='))!.split(';')[0]!;
    const name = JSON.parse(first.text).name;
    for (let i = 0; i < 5; i++) assert.equal(JSON.parse((await request(c.port, '/', { host: host(), headers: { cookie } })).text).name, name);
    await forward(1, 0);
  });

  test('least outstanding requests avoids the busy target', async () => {
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: two.port }] }));
    await untilHealth(c, elb, tg1, (t) => t.length === 2 && t.every((x) => x.TargetHealth!.State === 'healthy'));
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg1, Attributes: [{ Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' }] }));
    const held = [request(c.port, '/slow', { host: host() }), request(c.port, '/slow', { host: host() })];
    await new Promise((r) => setTimeout(r, 200));
    // both targets hold one request each now; release one of them and the next requests go to it
    one.release();
    await Promise.race(held);
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 3; i++) assert.equal(JSON.parse((await request(c.port, '/', { host: host() })).text).name, 'one');
    two.release();
    await Promise.all(held);
  });

  test('app_cookie stickiness follows the application cookie with AWSALBAPP-0', async () => {
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg1,
        Attributes: [
          { Key: 'load_balancing.algorithm.type', Value: 'round_robin' },
          { Key: 'stickiness.enabled', Value: 'true' },
          { Key: 'stickiness.type', Value: 'app_cookie' },
          { Key: 'stickiness.app_cookie.cookie_name', Value: 'SESSION' },
        ],
      }),
    );
    const login = await request(c.port, '/login', { host: host() });
    const app = login.headers['set-cookie']!.find((x) => x.startsWith('AWSALBAPP-0='))!.split(';')[0]!;
    assert.ok(login.headers['set-cookie']!.some((x) => x.startsWith('SESSION=')));
    const name = JSON.parse(login.text).name;
    for (let i = 0; i < 4; i++) assert.equal(JSON.parse((await request(c.port, '/', { host: host(), headers: { cookie: `SESSION=s1; ${app}` } })).text).name, name);
    const plain = new Set<string>();
    for (let i = 0; i < 4; i++) plain.add(JSON.parse((await request(c.port, '/', { host: host() })).text).name);
    assert.equal(plain.size, 2, 'without the cookie, round robin');
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg1, Attributes: [{ Key: 'stickiness.enabled', Value: 'false' }] }));
  });

  test('the idle timeout answers 504; a target refusing connections gets 502 (all unhealthy: fail open)', async () => {
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '1' }] }));
    const slow = await request(c.port, '/slow', { host: host() });
    assert.equal(slow.status, 504);
    assert.match(slow.text, /504 Gateway Time-out/);
    one.release();
    two.release();
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '60' }] }));

    const dead = await webTarget('dead');
    const deadPort = dead.port;
    await dead.close();
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: one.port }, { Id: '127.0.0.1', Port: two.port }] }));
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: deadPort }] }));
    const h = await untilHealth(c, elb, tg1, (t) => t.some((x) => x.Target!.Port === deadPort && x.TargetHealth!.State === 'unhealthy'));
    assert.equal(h.find((x) => x.Target!.Port === deadPort)!.TargetHealth!.Reason, 'Target.FailedHealthChecks');
    const r = await request(c.port, '/', { host: host() });
    assert.equal(r.status, 502);
    assert.match(r.text, /502 Bad Gateway/);
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: deadPort }] }));
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: one.port }] }));
    await untilHealth(c, elb, tg1, (t) => t.length === 1 && t.every((x) => x.TargetHealth!.State === 'healthy'));
  });

  test('slow start: a newly healthy target gets a growing share', async () => {
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg1, Attributes: [{ Key: 'slow_start.duration_seconds', Value: '60' }] }));
    await advance(c, 61);
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: two.port }] }));
    await untilHealth(c, elb, tg1, (t) => t.length === 2 && t.every((x) => x.TargetHealth!.State === 'healthy'));
    const count = async () => {
      let n = 0;
      for (let i = 0; i < 40; i++) if (JSON.parse((await request(c.port, '/', { host: host() })).text).name === 'two') n++;
      return n;
    };
    assert.ok((await count()) < 20, 'the new target is still ramping up');
    await advance(c, 61);
    assert.equal(await count(), 20, 'after the slow start, round robin');
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg1, Attributes: [{ Key: 'slow_start.duration_seconds', Value: '0' }] }));
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg1, Targets: [{ Id: '127.0.0.1', Port: two.port }] }));
  });

  test('a WebSocket upgrade passes through the main port by Host', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: c.port }, () => {
        s.write(`GET /ws HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      });
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString();
        if (buf.includes('\r\n\r\n') && !buf.includes(':ping')) s.write('ping');
        if (buf.includes(':ping')) {
          resolve(buf);
          s.destroy();
        }
      });
      s.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 101 /);
    assert.match(answer, /(one|two):ping/);
  });

  test('metrics reach CloudWatch under AWS/ApplicationELB every minute', async () => {
    const cw = new CloudWatchClient(clientConfig(c));
    const start = new Date(((await (await fetch(`${c.url}/_cumulus/clock`)).json()) as { epochMillis: number }).epochMillis);
    for (let i = 0; i < 3; i++) await request(c.port, '/', { host: host() });
    await request(c.port, '/_aws/elb/local/', { host: 'x' });
    await advance(c, 61);
    const dim = lb.LoadBalancerArn!.split(':loadbalancer/')[1]!;
    const stats = await until('RequestCount', async () => {
      const r = await cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'RequestCount',
          Dimensions: [{ Name: 'LoadBalancer', Value: dim }],
          StartTime: new Date(start.getTime() - 3600_000),
          EndTime: new Date(start.getTime() + 3600_000),
          Period: 60,
          Statistics: ['Sum'],
        }),
      );
      const sum = (r.Datapoints ?? []).reduce((n, d) => n + (d.Sum ?? 0), 0);
      return sum >= 4 ? sum : undefined;
    });
    assert.ok(stats >= 4);
    const healthy = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HealthyHostCount',
        Dimensions: [{ Name: 'TargetGroup', Value: tg1.split(':').pop()! }, { Name: 'LoadBalancer', Value: dim }],
        StartTime: new Date(start.getTime() - 3600_000),
        EndTime: new Date(start.getTime() + 3600_000),
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    assert.ok((healthy.Datapoints ?? []).some((d) => (d.Maximum ?? 0) >= 1));
  });

  test('malformed HTTP on a listener socket gets the load balancer\'s 400, and the listener keeps serving', async () => {
    const { DescribeListenerAttributesCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const attrs = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: listenerArn }));
    const port = Number(attrs.Attributes!.find((x) => x.Key === 'cumulus.local_port')!.Value);
    const answer = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => s.write('GARBAGE \x00\x01 HTTP/9\r\n\r\n'));
      let buf = '';
      s.on('data', (d) => (buf += d.toString()));
      s.on('close', () => resolve(buf));
      s.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request/);
    assert.match(answer, /Server: awselb\/2\.0/);
    assert.equal((await request(port, '/')).status, 200);
  });
});
