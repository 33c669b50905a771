import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenerAttributesCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { defaultNetwork, states, untilHealth } from './helpers.js';
import { echoTarget, tcpExchange, udpEchoTarget, udpExchange } from './local-targets.js';

describe('elbv2: a Network Load Balancer proxies TCP to healthy targets', () => {
  let c: Cumulus;
  let elb: ElasticLoadBalancingV2Client;
  let t1: Awaited<ReturnType<typeof echoTarget>>;
  let t2: Awaited<ReturnType<typeof echoTarget>>;
  before(async () => {
    c = await startTestCumulus();
    elb = new ElasticLoadBalancingV2Client(clientConfig(c));
    [t1, t2] = await Promise.all([echoTarget('t1'), echoTarget('t2')]);
  });
  after(async () => {
    await c.stop();
    await Promise.all([t1.close(), t2.close()]);
  });

  test('TCP listener, TCP health checks, connections spread over targets, a dead target leaves', async () => {
    const net = await defaultNetwork(new EC2Client(clientConfig(c)));
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'tcp', Type: 'network', Subnets: [net.subnets[0]!] }))).LoadBalancers![0]!;
    assert.equal(lb.Type, 'network');
    assert.equal(lb.CanonicalHostedZoneId, 'Z26RNL4JYFTOTI');
    assert.equal(lb.SecurityGroups, undefined);
    const tg = (
      await elb.send(
        new CreateTargetGroupCommand({ Name: 'tcp', TargetType: 'ip', Protocol: 'TCP', Port: 9000, VpcId: net.vpcId, HealthCheckIntervalSeconds: 20, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2 }),
      )
    ).TargetGroups![0]!;
    await assert.rejects(
      elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] })),
      { name: 'ValidationError' },
    );
    const l = (
      await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'TCP', Port: 7000, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }))
    ).Listeners![0]!;
    await assert.rejects(
      elb.send(new CreateRuleCommand({ ListenerArn: l.ListenerArn, Priority: 1, Conditions: [{ Field: 'path-pattern', Values: ['/'] }], Actions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] })),
      { name: 'ValidationError' },
    );
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '127.0.0.1', Port: t1.port }, { Id: '127.0.0.1', Port: t2.port }] }));
    await untilHealth(c, elb, tg.TargetGroupArn!, (t) => t.length === 2 && t.every((x) => x.TargetHealth!.State === 'healthy'), 20);
    const attrs = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: l.ListenerArn }));
    const port = Number(attrs.Attributes!.find((x) => x.Key === 'cumulus.local_port')!.Value);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) seen.add((await tcpExchange(port, 'hi')).split(':')[0]!);
    assert.deepEqual([...seen].sort(), ['t1', 't2']);

    await t2.close();
    const after1 = await untilHealth(c, elb, tg.TargetGroupArn!, (t) => t.some((x) => x.TargetHealth!.State === 'unhealthy'), 20);
    const bad = after1.find((x) => x.TargetHealth!.State === 'unhealthy')!;
    assert.equal(bad.Target!.Port, t2.port);
    assert.equal(bad.TargetHealth!.Reason, 'Target.FailedHealthChecks');
    assert.ok(Object.keys(states(after1)).length === 1);
    for (let i = 0; i < 6; i++) assert.equal(await tcpExchange(port, 'x'), 't1:x');
  });

  test('UDP listener: datagrams relayed to a target (health checked over TCP) and answered back', async () => {
    const u = await udpEchoTarget('u1');
    try {
      const net = await defaultNetwork(new EC2Client(clientConfig(c)));
      const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'udp', Type: 'network', Subnets: [net.subnets[0]!] }))).LoadBalancers![0]!;
      const tg = (
        await elb.send(new CreateTargetGroupCommand({ Name: 'udp', TargetType: 'ip', Protocol: 'UDP', Port: 53, VpcId: net.vpcId, HealthCheckIntervalSeconds: 20, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2 }))
      ).TargetGroups![0]!;
      assert.equal(tg.HealthCheckProtocol, 'TCP');
      const l = (
        await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'UDP', Port: 5300, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }))
      ).Listeners![0]!;
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '127.0.0.1', Port: u.port }] }));
      await untilHealth(c, elb, tg.TargetGroupArn!, (t) => t.every((x) => x.TargetHealth!.State === 'healthy'), 20);
      const attrs = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: l.ListenerArn }));
      const port = Number(attrs.Attributes!.find((x) => x.Key === 'cumulus.local_port')!.Value);
      assert.equal(await udpExchange(port, 'ping'), 'u1:ping');
      assert.equal(await udpExchange(port, 'again'), 'u1:again');
    } finally {
      await u.close();
    }
  });
});
