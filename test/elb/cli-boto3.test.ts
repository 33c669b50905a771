// ELBv2 through the AWS CLI and boto3, as users drive it, and the fixed response through the data plane.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EC2Client } from '@aws-sdk/client-ec2';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { defaultNetwork, request } from './helpers.js';

describe('elbv2 and elb through the AWS CLI and boto3', () => {
  let c: Cumulus;
  before(async () => {
    c = await startTestCumulus();
  });
  after(() => c.stop());

  test('CLI: load balancer, target group, listener with a fixed response, rules, errors', async () => {
    const net = await defaultNetwork(new EC2Client(clientConfig(c)));
    const lb = await awsCli(c, ['elbv2', 'create-load-balancer', '--name', 'cli', '--subnets', ...net.subnets.slice(0, 2)]);
    assert.equal(lb.code, 0, lb.stderr);
    const lbArn = JSON.parse(lb.stdout).LoadBalancers[0].LoadBalancerArn;
    const l = await awsCli(c, [
      'elbv2', 'create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTP', '--port', '80',
      '--default-actions', 'Type=fixed-response,FixedResponseConfig={StatusCode=200,ContentType=text/plain,MessageBody=from-cli}',
    ]);
    assert.equal(l.code, 0, l.stderr);
    const listenerArn = JSON.parse(l.stdout).Listeners[0].ListenerArn;
    const rule = await awsCli(c, [
      'elbv2', 'create-rule', '--listener-arn', listenerArn, '--priority', '5',
      '--conditions', 'Field=query-string,QueryStringConfig={Values=[{Key=v,Value=2}]}',
      '--actions', 'Type=fixed-response,FixedResponseConfig={StatusCode=503,ContentType=text/plain,MessageBody=v2}',
    ]);
    assert.equal(rule.code, 0, rule.stderr);
    const dup = await awsCli(c, [
      'elbv2', 'create-rule', '--listener-arn', listenerArn, '--priority', '5',
      '--conditions', 'Field=path-pattern,Values=/x', '--actions', 'Type=fixed-response,FixedResponseConfig={StatusCode=200}',
    ]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /PriorityInUse/);
    assert.equal((await request(c.port, '/_aws/elb/cli/')).text, 'from-cli');
    const v2 = await request(c.port, '/_aws/elb/cli/?v=2');
    assert.equal(v2.status, 503);
    assert.equal(v2.text, 'v2');
    const tg = await awsCli(c, ['elbv2', 'create-target-group', '--name', 'cli', '--protocol', 'HTTP', '--port', '80', '--vpc-id', net.vpcId, '--health-check-path', '/ok']);
    assert.equal(tg.code, 0, tg.stderr);
    assert.equal(JSON.parse(tg.stdout).TargetGroups[0].HealthCheckPath, '/ok');
    const attrs = await awsCli(c, ['elbv2', 'describe-listener-attributes', '--listener-arn', listenerArn]);
    assert.ok(JSON.parse(attrs.stdout).Attributes.some((a: { Key: string }) => a.Key === 'cumulus.local_port'));
  });

  test('boto3: target groups, registration errors, target health, classic load balancers', async () => {
    const net = await defaultNetwork(new EC2Client(clientConfig(c)));
    const r = await boto3(
      c,
      `
elb = boto3.client('elbv2', endpoint_url=endpoint)
tg = elb.create_target_group(Name='py', Protocol='HTTP', Port=8080, VpcId='${net.vpcId}', TargetType='instance')['TargetGroups'][0]
out = {'tg': tg['TargetGroupName'], 'interval': tg['HealthCheckIntervalSeconds']}
try:
    elb.register_targets(TargetGroupArn=tg['TargetGroupArn'], Targets=[{'Id': 'i-0123456789abcdef0'}])
except elb.exceptions.InvalidTargetException as e:
    out['invalid'] = e.response['Error']['Code']
try:
    elb.describe_load_balancers(LoadBalancerArns=['arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/none/0123456789abcdef'])
except elb.exceptions.LoadBalancerNotFoundException as e:
    out['notfound'] = e.response['Error']['Message']
classic = boto3.client('elb', endpoint_url=endpoint)
dns = classic.create_load_balancer(LoadBalancerName='py-classic', Listeners=[{'Protocol': 'HTTP', 'LoadBalancerPort': 80, 'InstancePort': 8080}], AvailabilityZones=['us-east-1a'])['DNSName']
out['classic'] = dns
out['classicHealth'] = classic.describe_load_balancers(LoadBalancerNames=['py-classic'])['LoadBalancerDescriptions'][0]['HealthCheck']['Target']
print(json.dumps(out))
`,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.tg, 'py');
    assert.equal(out.interval, 30);
    assert.equal(out.invalid, 'InvalidTarget');
    assert.equal(out.notfound, 'One or more load balancers not found');
    assert.match(out.classic, /^py-classic-\d+\.us-east-1\.elb\.localhost$/);
    assert.equal(out.classicHealth, 'TCP:8080');
  });
});
