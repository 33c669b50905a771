import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeAccountLimitsCommand,
  DescribeListenerAttributesCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeSSLPoliciesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { advance, defaultNetwork } from './helpers.js';

describe('elbv2 control plane: load balancers, listeners, rules, target groups', () => {
  let c: Cumulus;
  let elb: ElasticLoadBalancingV2Client;
  let net: { vpcId: string; subnets: string[] };
  before(async () => {
    c = await startTestCumulus();
    elb = new ElasticLoadBalancingV2Client(clientConfig(c));
    net = await defaultNetwork(new EC2Client(clientConfig(c)));
  });
  after(() => c.stop());

  test('an ALB needs two zones; DNS name, hosted zone, provisioning then active; attributes; deletion protection', async () => {
    await assert.rejects(elb.send(new CreateLoadBalancerCommand({ Name: 'one-zone', Subnets: [net.subnets[0]!] })), {
      name: 'ValidationError',
      message: 'At least two subnets in two different Availability Zones must be specified',
    });
    await assert.rejects(elb.send(new CreateLoadBalancerCommand({ Name: 'bad', Subnets: ['subnet-0123456789abcdef0', net.subnets[0]!] })), { name: 'SubnetNotFoundException' });
    await assert.rejects(elb.send(new CreateLoadBalancerCommand({ Name: '-bad', Subnets: net.subnets.slice(0, 2) })), { name: 'ValidationError' });
    const created = await elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: net.subnets.slice(0, 2), Tags: [{ Key: 'team', Value: 'a' }] }));
    const lb = created.LoadBalancers![0]!;
    assert.match(lb.LoadBalancerArn!, /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/web\/[0-9a-f]{16}$/);
    assert.match(lb.DNSName!, /^web-\d+\.us-east-1\.elb\.localhost$/);
    assert.equal(lb.CanonicalHostedZoneId, 'Z35SXDOTRQ7X7K');
    assert.equal(lb.State!.Code, 'provisioning');
    assert.equal(lb.Scheme, 'internet-facing');
    assert.equal(lb.VpcId, net.vpcId);
    assert.equal(lb.AvailabilityZones!.length, 2);
    assert.equal(lb.SecurityGroups!.length, 1);
    // same settings: idempotent
    const again = await elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: net.subnets.slice(0, 2) }));
    assert.equal(again.LoadBalancers![0]!.LoadBalancerArn, lb.LoadBalancerArn);
    await assert.rejects(elb.send(new CreateLoadBalancerCommand({ Name: 'web', Scheme: 'internal', Subnets: net.subnets.slice(0, 2) })), { name: 'DuplicateLoadBalancerNameException' });
    await advance(c, 5);
    const d = await elb.send(new DescribeLoadBalancersCommand({ Names: ['web'] }));
    assert.equal(d.LoadBalancers![0]!.State!.Code, 'active');
    await assert.rejects(elb.send(new DescribeLoadBalancersCommand({ Names: ['nope'] })), { name: 'LoadBalancerNotFoundException' });

    const attrs = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    const a = Object.fromEntries(attrs.Attributes!.map((x) => [x.Key, x.Value]));
    assert.equal(a['idle_timeout.timeout_seconds'], '60');
    assert.equal(a['deletion_protection.enabled'], 'false');
    await assert.rejects(
      elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '0' }] })),
      { name: 'ValidationError' },
    );
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }] }));
    await assert.rejects(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn })), { name: 'OperationNotPermittedException' });
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] }));

    const tags = await elb.send(new DescribeTagsCommand({ ResourceArns: [lb.LoadBalancerArn!] }));
    assert.deepEqual(tags.TagDescriptions![0]!.Tags, [{ Key: 'team', Value: 'a' }]);
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    assert.equal((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.length, 0);
  });

  test('target groups: defaults per protocol, attributes, validation, in use', async () => {
    const http = (await elb.send(new CreateTargetGroupCommand({ Name: 'tg-http', Protocol: 'HTTP', Port: 80, VpcId: net.vpcId }))).TargetGroups![0]!;
    assert.equal(http.HealthCheckProtocol, 'HTTP');
    assert.equal(http.HealthCheckPath, '/');
    assert.equal(http.HealthCheckPort, 'traffic-port');
    assert.equal(http.HealthCheckIntervalSeconds, 30);
    assert.equal(http.HealthCheckTimeoutSeconds, 5);
    assert.equal(http.HealthyThresholdCount, 5);
    assert.equal(http.UnhealthyThresholdCount, 2);
    assert.deepEqual(http.Matcher, { HttpCode: '200' });
    assert.equal(http.TargetType, 'instance');
    const tcp = (await elb.send(new CreateTargetGroupCommand({ Name: 'tg-tcp', Protocol: 'TCP', Port: 80, VpcId: net.vpcId }))).TargetGroups![0]!;
    assert.equal(tcp.HealthCheckProtocol, 'TCP');
    assert.equal(tcp.HealthCheckTimeoutSeconds, 10);
    assert.equal(tcp.HealthCheckPath, undefined);
    const lambda = (await elb.send(new CreateTargetGroupCommand({ Name: 'tg-fn', TargetType: 'lambda' }))).TargetGroups![0]!;
    assert.equal(lambda.HealthCheckEnabled, false);
    assert.equal(lambda.HealthCheckIntervalSeconds, 35);
    await assert.rejects(elb.send(new CreateTargetGroupCommand({ Name: 'x', Protocol: 'HTTP', Port: 80 })), { name: 'ValidationError' });
    await assert.rejects(
      elb.send(new CreateTargetGroupCommand({ Name: 'x', Protocol: 'HTTP', Port: 80, VpcId: net.vpcId, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 6 })),
      { name: 'ValidationError' },
    );
    await assert.rejects(elb.send(new CreateTargetGroupCommand({ Name: 'tg-http', Protocol: 'HTTP', Port: 8080, VpcId: net.vpcId })), { name: 'DuplicateTargetGroupNameException' });

    const attrs = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: http.TargetGroupArn }));
    const a = Object.fromEntries(attrs.Attributes!.map((x) => [x.Key, x.Value]));
    assert.equal(a['deregistration_delay.timeout_seconds'], '300');
    assert.equal(a['stickiness.type'], 'lb_cookie');
    assert.equal(a['load_balancing.algorithm.type'], 'round_robin');
    await assert.rejects(
      elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: http.TargetGroupArn, Attributes: [{ Key: 'stickiness.type', Value: 'sideways' }] })),
      { name: 'ValidationError' },
    );
    const mod = await elb.send(
      new ModifyTargetGroupAttributesCommand({ TargetGroupArn: http.TargetGroupArn, Attributes: [{ Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' }] }),
    );
    assert.ok(mod.Attributes!.some((x) => x.Key === 'load_balancing.algorithm.type' && x.Value === 'least_outstanding_requests'));

    // a registered target of a group no load balancer uses is unused / Target.NotInUse
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: http.TargetGroupArn, Targets: [{ Id: '127.0.0.1' }] })).catch((e: Error) => assert.equal(e.name, 'InvalidTargetException'));

    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'rules', Subnets: net.subnets.slice(0, 2) }))).LoadBalancers![0]!;
    await assert.rejects(
      elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'TCP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tcp.TargetGroupArn }] })),
      { name: 'ValidationError' },
    );
    await assert.rejects(
      elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tcp.TargetGroupArn }] })),
      { name: 'IncompatibleProtocolsException' },
    );
    const listener = (
      await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: http.TargetGroupArn }] }))
    ).Listeners![0]!;
    assert.deepEqual(listener.DefaultActions![0]!.ForwardConfig!.TargetGroups, [{ TargetGroupArn: http.TargetGroupArn, Weight: 1 }]);
    await assert.rejects(
      elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: http.TargetGroupArn }] })),
      { name: 'DuplicateListenerException' },
    );
    const la = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: listener.ListenerArn }));
    assert.ok(la.Attributes!.some((x) => x.Key === 'cumulus.local_port' && Number(x.Value) > 0));

    const fixed = { Type: 'fixed-response' as const, FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'hi' } };
    const r1 = (await elb.send(new CreateRuleCommand({ ListenerArn: listener.ListenerArn, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/a/*'] }], Actions: [fixed] }))).Rules![0]!;
    assert.deepEqual(r1.Conditions, [{ Field: 'path-pattern', Values: ['/a/*'], PathPatternConfig: { Values: ['/a/*'] } }]);
    await assert.rejects(
      elb.send(new CreateRuleCommand({ ListenerArn: listener.ListenerArn, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/b'] }], Actions: [fixed] })),
      { name: 'PriorityInUseException', message: "Priority '10' is currently in use" },
    );
    await assert.rejects(
      elb.send(new CreateRuleCommand({ ListenerArn: listener.ListenerArn, Priority: 11, Conditions: [{ Field: 'path-pattern', Values: ['/1', '/2', '/3', '/4', '/5', '/6'] }], Actions: [fixed] })),
      { name: 'ValidationError' },
    );
    const r2 = (await elb.send(new CreateRuleCommand({ ListenerArn: listener.ListenerArn, Priority: 20, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['*.example.com'] } }], Actions: [fixed] }))).Rules![0]!;
    await assert.rejects(
      elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: r2.RuleArn, Priority: 10 }] })),
      { name: 'PriorityInUseException' },
    );
    await elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: r2.RuleArn, Priority: 5 }, { RuleArn: r1.RuleArn, Priority: 6 }] }));
    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
    assert.deepEqual(rules.Rules!.map((r) => r.Priority), ['5', '6', 'default']);
    assert.equal(rules.Rules![2]!.IsDefault, true);

    await assert.rejects(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: http.TargetGroupArn })), { name: 'ResourceInUseException' });
    const tgs = await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    assert.deepEqual(tgs.TargetGroups!.map((t) => t.TargetGroupName), ['tg-http']);
    assert.deepEqual(tgs.TargetGroups![0]!.LoadBalancerArns, [lb.LoadBalancerArn]);
    await elb.send(new AddTagsCommand({ ResourceArns: [http.TargetGroupArn!, listener.ListenerArn!], Tags: [{ Key: 'k', Value: 'v' }] }));
    const th = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: http.TargetGroupArn, Targets: [{ Id: 'i-0123456789abcdef0', Port: 80 }] }));
    assert.deepEqual(th.TargetHealthDescriptions![0]!.TargetHealth, { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' });
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: http.TargetGroupArn }));
  });

  test('SSL policies and account limits', async () => {
    const p = await elb.send(new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-TLS13-1-2-2021-06'] }));
    assert.deepEqual(p.SslPolicies![0]!.SslProtocols, ['TLSv1.2', 'TLSv1.3']);
    await assert.rejects(elb.send(new DescribeSSLPoliciesCommand({ Names: ['nope'] })), { name: 'SSLPolicyNotFoundException' });
    const l = await elb.send(new DescribeAccountLimitsCommand({}));
    assert.ok(l.Limits!.some((x) => x.Name === 'application-load-balancers' && x.Max === '50'));
  });
});
