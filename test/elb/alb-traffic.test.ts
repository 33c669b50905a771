import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeImagesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenerAttributesCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { waitState } from '../ec2/instances-helpers.js';
import { defaultNetwork, idOf, launchWebInstance, request, states, untilHealth } from './helpers.js';

describe('elbv2 data plane: an ALB in front of two real instances', () => {
  let c: Cumulus;
  let elb: ElasticLoadBalancingV2Client;
  let ec2: EC2Client;
  let lb: LoadBalancer;
  let tgArn: string;
  let listenerArn: string;
  let a: { id: string; port: number };
  let b: { id: string; port: number };

  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    c = await startTestCumulus();
    elb = new ElasticLoadBalancingV2Client(clientConfig(c));
    ec2 = new EC2Client(clientConfig(c));
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
    const net = await defaultNetwork(ec2);
    [a, b] = await Promise.all([launchWebInstance(ec2, images.Images![0]!.ImageId!), launchWebInstance(ec2, images.Images![0]!.ImageId!)]);
    lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: net.subnets.slice(0, 2) }))).LoadBalancers![0]!;
    const tg = await elb.send(
      new CreateTargetGroupCommand({
        Name: 'web',
        Protocol: 'HTTP',
        Port: 80,
        VpcId: net.vpcId,
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        HealthCheckPath: '/health',
      }),
    );
    tgArn = tg.TargetGroups![0]!.TargetGroupArn!;
    const l = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }] }));
    listenerArn = l.Listeners![0]!.ListenerArn!;
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: a.id, Port: a.port }, { Id: b.id, Port: b.port }] }));
  });
  after(() => c.stop());

  test('targets turn healthy on the clock; traffic round-robins by Host header, path form and the listener socket', async () => {
    const all = await untilHealth(c, elb, tgArn, (t) => t.every((x) => x.TargetHealth!.State === 'healthy'));
    assert.equal(all.length, 2);
    assert.equal(all.find((t) => t.Target!.Id === a.id)!.HealthCheckPort, String(a.port));

    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await request(c.port, '/hello?x=1', { host: lb.DNSName! });
      assert.equal(r.status, 200);
      const body = JSON.parse(r.text);
      assert.equal(body.path, '/hello?x=1');
      assert.equal(body.headers['x-forwarded-proto'], 'http');
      assert.equal(body.headers['x-forwarded-port'], '80');
      assert.equal(body.headers['x-forwarded-for'], '127.0.0.1');
      assert.match(body.headers['x-amzn-trace-id'], /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      assert.equal(body.headers.host, lb.DNSName);
      seen.add(body.id);
    }
    assert.deepEqual([...seen].sort(), [a.id, b.id].sort());

    // under localhost.localstack.cloud too, and by path
    const ls = await request(c.port, '/', { host: `${lb.DNSName!.replace(/\.localhost$/, '.localhost.localstack.cloud')}:${c.port}` });
    assert.equal(ls.status, 200);
    const byPath = await request(c.port, '/_aws/elb/web/80/deep/path');
    assert.equal(JSON.parse(byPath.text).path, '/deep/path');
    const byPath2 = await request(c.port, '/_aws/elb/web/other');
    assert.equal(JSON.parse(byPath2.text).path, '/other');

    const attrs = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: listenerArn }));
    const port = Number(attrs.Attributes!.find((x) => x.Key === 'cumulus.local_port')!.Value);
    const direct = new Set<string>();
    for (let i = 0; i < 4; i++) direct.add(idOf(await request(port, '/')));
    assert.equal(direct.size, 2);
  });

  test('rules: path routing, fixed response, redirect with placeholders', async () => {
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', Values: ['/static/*'] }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain', MessageBody: 'teapot' } }],
      }),
    );
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 20,
        Conditions: [{ Field: 'path-pattern', Values: ['/old/*'] }, { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET'] } }],
        Actions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', Path: '/new/#{path}', StatusCode: 'HTTP_301' } }],
      }),
    );
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 30,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Only-A', Values: ['yes'] } }],
        Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'application/json', MessageBody: '{"from":"rule"}' } }],
      }),
    );
    const f = await request(c.port, '/static/x.css', { host: lb.DNSName! });
    assert.equal(f.status, 418);
    assert.equal(f.text, 'teapot');
    assert.equal(f.headers.server, 'awselb/2.0');
    const r = await request(c.port, '/old/page?q=1', { host: lb.DNSName! });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `https://${lb.DNSName}/new/old/page?q=1`);
    const post = await request(c.port, '/old/page', { host: lb.DNSName!, method: 'POST' });
    assert.equal(post.status, 200, 'a POST does not match the GET-only rule');
    const h = await request(c.port, '/', { host: lb.DNSName!, headers: { 'x-only-a': 'YES' } });
    assert.equal(h.text, '{"from":"rule"}');
  });

  test('lb_cookie stickiness keeps a client on one target', async () => {
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'stickiness.enabled', Value: 'true' }] }));
    const first = await request(c.port, '/', { host: lb.DNSName! });
    const setCookie = first.headers['set-cookie']!;
    assert.ok(setCookie.some((x) => x.startsWith('AWSALB=')));
    assert.ok(setCookie.some((x) => x.startsWith('AWSALBCORS=') && x.includes('SameSite=None; Secure')));
    const cookie = setCookie.find((x) => x.startsWith('AWSALB='))!.split(';')[0]!;
    for (let i = 0; i < 4; i++) assert.equal(idOf(await request(c.port, '/', { host: lb.DNSName!, headers: { cookie } })), idOf(first));
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: 'stickiness.enabled', Value: 'false' }] }));
  });

  test('a stopped instance leaves rotation; all failing checks fail open; then recover', async () => {
    await ec2.send(new StopInstancesCommand({ InstanceIds: [b.id] }));
    await waitState(ec2, b.id, 'stopped');
    const after1 = await untilHealth(c, elb, tgArn, (t) => states(t)[b.id] === 'unused');
    const bh = after1.find((t) => t.Target!.Id === b.id)!.TargetHealth!;
    assert.equal(bh.Reason, 'Target.InvalidState');
    assert.equal(bh.Description, 'Target is in the stopped state');
    for (let i = 0; i < 4; i++) {
      const r = await request(c.port, "/", { host: lb.DNSName! });
      assert.equal(r.status, 200, JSON.stringify({ r, after1 }));
      assert.equal(idOf(r), a.id);
    }

    // checks on a path the server answers 404: unhealthy with the code, and the ALB fails open
    await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tgArn, HealthCheckPath: '/missing' }));
    const bad = await untilHealth(c, elb, tgArn, (t) => states(t)[a.id] === 'unhealthy');
    const ah = bad.find((t) => t.Target!.Id === a.id)!.TargetHealth!;
    assert.equal(ah.Reason, 'Target.ResponseCodeMismatch');
    assert.equal(ah.Description, 'Health checks failed with these codes: [404]');
    assert.equal((await request(c.port, '/', { host: lb.DNSName! })).status, 200);

    await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tgArn, HealthCheckPath: '/health' }));
    await ec2.send(new StartInstancesCommand({ InstanceIds: [b.id] }));
    await waitState(ec2, b.id, 'running');
    await untilHealth(c, elb, tgArn, (t) => t.every((x) => x.TargetHealth!.State === 'healthy'), 5, 30_000);
  });

  test('a target group without registered targets answers 503', async () => {
    const net = await defaultNetwork(ec2);
    const empty = await elb.send(new CreateTargetGroupCommand({ Name: 'empty', Protocol: 'HTTP', Port: 80, VpcId: net.vpcId }));
    await elb.send(
      new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 40, Conditions: [{ Field: 'host-header', Values: ['empty.example.com'] }], Actions: [{ Type: 'forward', TargetGroupArn: empty.TargetGroups![0]!.TargetGroupArn }] }),
    );
    const r = await request(c.port, '/_aws/elb/web/', { host: 'empty.example.com' });
    assert.equal(r.status, 503);
    assert.match(r.text, /<title>503 Service Temporarily Unavailable<\/title>/);
    assert.equal(r.headers.server, 'awselb/2.0');
    const many = Array.from({ length: 31 }, (_, i) => `10.0.0.${i}`).join(', ');
    assert.equal((await request(c.port, '/', { host: lb.DNSName!, headers: { 'x-forwarded-for': many } })).status, 463);
    // a client's X-Forwarded-For is kept and the client's address appended
    const xff = JSON.parse((await request(c.port, '/', { host: lb.DNSName!, headers: { 'x-forwarded-for': '203.0.113.7' } })).text);
    assert.equal(xff.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  });
});
