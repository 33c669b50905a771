// An ALB with a Lambda target: registration needs the function's resource policy to allow
// elasticloadbalancing.amazonaws.com; the function gets ALB's event and its answer is the response.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { defaultNetwork, request, until } from './helpers.js';

const HANDLER = `exports.handler = async (event) => {
  if (event.path === '/broken') return { nope: true };
  return {
    statusCode: 201,
    statusDescription: '201 Created',
    headers: { 'content-type': 'application/json', 'x-from': 'lambda' },
    multiValueHeaders: { 'content-type': ['application/json'], 'x-from': ['lambda', 'twice'] },
    isBase64Encoded: false,
    body: JSON.stringify(event),
  };
};`;

function zipOf(source: string): Buffer {
  const dir = tempDir('elb-zip-');
  fs.writeFileSync(path.join(dir, 'index.js'), source);
  execFileSync('zip', ['-q', '-X', 'code.zip', 'index.js'], { cwd: dir });
  const zip = fs.readFileSync(path.join(dir, 'code.zip'));
  fs.rmSync(dir, { recursive: true, force: true });
  return zip;
}

describe('elbv2: a Lambda function behind an ALB', () => {
  let c: Cumulus;
  before(async () => {
    c = await startTestCumulus();
  });
  after(() => c.stop());

  test('permission checked at registration; ALB event in, response mapped back; multi-value headers', async () => {
    const elb = new ElasticLoadBalancingV2Client(clientConfig(c));
    const lambda = new LambdaClient(clientConfig(c));
    const iam = new IAMClient(clientConfig(c));
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: 'fn',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const fn = await lambda.send(new CreateFunctionCommand({ FunctionName: 'web', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role.Role!.Arn!, Code: { ZipFile: zipOf(HANDLER) } }));
    await until('function active', async () => ((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'web' }))).State === 'Active' ? true : undefined));

    const net = await defaultNetwork(new EC2Client(clientConfig(c)));
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'fn', Subnets: net.subnets.slice(0, 2) }))).LoadBalancers![0]!;
    const tg = (await elb.send(new CreateTargetGroupCommand({ Name: 'fn', TargetType: 'lambda' }))).TargetGroups![0]!;
    await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }));
    await assert.rejects(elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: fn.FunctionArn! }] })), { name: 'AccessDenied' });
    await lambda.send(
      new AddPermissionCommand({ FunctionName: 'web', StatementId: 'elb', Action: 'lambda:InvokeFunction', Principal: 'elasticloadbalancing.amazonaws.com', SourceArn: tg.TargetGroupArn }),
    );
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: fn.FunctionArn! }] }));
    const h = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    assert.deepEqual(h.TargetHealthDescriptions![0]!.TargetHealth, { State: 'unavailable', Reason: 'Target.HealthCheckDisabled', Description: 'Health checks are disabled' });

    const r = await request(c.port, '/hello?a=1&b=x%20y', { host: lb.DNSName!, headers: { 'x-custom': 'v' } });
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-from'], 'lambda');
    const event = JSON.parse(r.text);
    assert.deepEqual(event.requestContext, { elb: { targetGroupArn: tg.TargetGroupArn } });
    assert.equal(event.httpMethod, 'GET');
    assert.equal(event.path, '/hello');
    assert.deepEqual(event.queryStringParameters, { a: '1', b: 'x%20y' });
    assert.equal(event.headers['x-custom'], 'v');
    assert.equal(event.headers['x-forwarded-proto'], 'http');
    assert.equal(event.isBase64Encoded, false);
    assert.equal((await request(c.port, '/broken', { host: lb.DNSName! })).status, 502);

    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn, Attributes: [{ Key: 'lambda.multi_value_headers.enabled', Value: 'true' }] }));
    const m = await request(c.port, '/m?k=1&k=2', { host: lb.DNSName! });
    const ev = JSON.parse(m.text);
    assert.deepEqual(ev.multiValueQueryStringParameters, { k: ['1', '2'] });
    assert.ok(Array.isArray(ev.multiValueHeaders.host));
    assert.equal(m.headers['x-from'], 'lambda, twice');
  });
});
