// Private APIs reached only through execute-api interface VPC endpoints (EC2's VPC endpoints), and the
// execution logs a stage writes to API-Gateway-Execution-Logs_{api}/{stage}.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient, CreateDeploymentCommand, CreateStageCommand, UpdateAccountCommand, UpdateRestApiCommand, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateVpcEndpointCommand, DeleteVpcEndpointsCommand, DescribeSubnetsCommand, DescribeVpcEndpointsCommand, DescribeVpcsCommand, EC2Client, ModifyVpcEndpointCommand } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder, stageUrl } from '../apigateway/helpers.js';

let c: Cumulus;
let gw: APIGatewayClient;
let ec2: EC2Client;
let logs: CloudWatchLogsClient;

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
  ec2 = new EC2Client(clientConfig(c));
  logs = new CloudWatchLogsClient(clientConfig(c));
});
after(async () => {
  gw.destroy();
  ec2.destroy();
  logs.destroy();
  await c.stop();
});

function get(host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: c.port, path, headers: { host, ...headers } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

const MOCK = { type: 'MOCK' as const, requestTemplates: { 'application/json': '{"statusCode": 200}' } };

describe('VPC endpoints (EC2)', () => {
  test('Create / Describe / Modify / Delete an execute-api interface endpoint', async () => {
    const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs![0]!;
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }))).Subnets!;
    const e = (
      await ec2.send(new CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: vpc.VpcId!, ServiceName: 'com.amazonaws.us-east-1.execute-api', SubnetIds: [subnets[0]!.SubnetId!], PrivateDnsEnabled: true }))
    ).VpcEndpoint!;
    assert.match(e.VpcEndpointId!, /^vpce-[0-9a-f]{17}$/);
    assert.equal(e.State, 'available');
    assert.equal(e.VpcEndpointType, 'Interface');
    assert.equal(e.Groups!.length, 1);
    assert.match(e.DnsEntries![0]!.DnsName!, new RegExp(`^${e.VpcEndpointId}-[0-9a-z]+\\.execute-api\\.us-east-1\\.vpce\\.amazonaws\\.com$`));
    assert.ok(e.DnsEntries!.some((d) => d.DnsName === '*.execute-api.us-east-1.amazonaws.com'));

    // a second private DNS endpoint for the same service in the VPC conflicts
    await assert.rejects(
      ec2.send(new CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: vpc.VpcId!, ServiceName: 'com.amazonaws.us-east-1.execute-api', PrivateDnsEnabled: true })),
      (err: Error) => err.name === 'InvalidParameter' && /conflicting DNS domain/.test(err.message),
    );
    await assert.rejects(ec2.send(new CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: vpc.VpcId!, ServiceName: 'com.amazonaws.us-east-1.nothing' })), (err: Error) => err.name === 'InvalidServiceName');
    await assert.rejects(
      ec2.send(new CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: vpc.VpcId!, ServiceName: 'com.amazonaws.us-east-1.sts', SubnetIds: [subnets[0]!.SubnetId!, subnets[0]!.SubnetId!] })),
      (err: Error) => err.name === 'DuplicateSubnetsInSameZone',
    );

    await ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: e.VpcEndpointId!, AddSubnetIds: [subnets[1]!.SubnetId!], PrivateDnsEnabled: false }));
    const d = (await ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'service-name', Values: ['com.amazonaws.us-east-1.execute-api'] }] }))).VpcEndpoints!;
    assert.equal(d.length, 1);
    assert.deepEqual(d[0]!.SubnetIds, [subnets[0]!.SubnetId, subnets[1]!.SubnetId]);
    assert.equal(d[0]!.PrivateDnsEnabled, false);

    const del = await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [e.VpcEndpointId!, 'vpce-0123456789abcdef0'] }));
    assert.deepEqual(del.Unsuccessful!.map((u) => [u.ResourceId, u.Error?.Code]), [['vpce-0123456789abcdef0', 'InvalidVpcEndpoint.NotFound']]);
    await assert.rejects(ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [e.VpcEndpointId!] })), (err: Error) => err.name === 'InvalidVpcEndpointId.NotFound');
  });
});

describe('private APIs', () => {
  test('reachable only through an execute-api endpoint, as the resource policy allows', async () => {
    const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs![0]!;
    const mk = async () =>
      (await ec2.send(new CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: vpc.VpcId!, ServiceName: 'com.amazonaws.us-east-1.execute-api', PrivateDnsEnabled: false }))).VpcEndpoint!;
    const allowed = await mk();
    const other = await mk();
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
        { Effect: 'Deny', Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: { StringNotEquals: { 'aws:SourceVpce': allowed.VpcEndpointId } } },
      ],
    };
    const api = await ApiBuilder.create(gw, 'private', {
      endpointConfiguration: { types: ['PRIVATE'], vpcEndpointIds: [allowed.VpcEndpointId!] },
      policy: JSON.stringify(policy),
    });
    await api.method('/hello', 'GET', MOCK);
    await api.response('/hello', 'GET', '200', { responseTemplates: { 'application/json': '{"vpce": "$context.identity.vpceId"}' } });
    await api.deploy('prod');

    // not through an endpoint: Forbidden
    const pub = await fetch(`${stageUrl(c, api.id, 'prod')}/hello`);
    assert.equal(pub.status, 403);
    assert.deepEqual(await pub.json(), { message: 'Forbidden' });

    // the associated endpoint's alias name, and its own DNS name with x-apigw-api-id
    const alias = await get(`${api.id}-${allowed.VpcEndpointId}.execute-api.localhost:${c.port}`, '/prod/hello');
    assert.equal(alias.status, 200, alias.body);
    assert.deepEqual(JSON.parse(alias.body), { vpce: allowed.VpcEndpointId });
    const dnsName = allowed.DnsEntries![0]!.DnsName!;
    const byDns = await get(dnsName, '/prod/hello', { 'x-apigw-api-id': api.id });
    assert.equal(byDns.status, 200, byDns.body);

    // another endpoint: not associated (alias refused), and denied by the policy's aws:SourceVpce condition
    assert.equal((await get(`${api.id}-${other.VpcEndpointId}.execute-api.localhost`, '/prod/hello')).status, 403);
    const denied = await get(other.DnsEntries![0]!.DnsName!, '/prod/hello', { 'x-apigw-api-id': api.id });
    assert.equal(denied.status, 403);
    assert.match(JSON.parse(denied.body).Message ?? JSON.parse(denied.body).message, /User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:\*+\d{4}:[a-z0-9]+\/prod\/GET\/hello with an explicit deny/);

    // associating it applies at once (no deployment): the alias then reaches the policy, which denies
    await gw.send(new UpdateRestApiCommand({ restApiId: api.id, patchOperations: [{ op: 'add', path: '/endpointConfiguration/vpcEndpointIds', value: other.VpcEndpointId }] }));
    const aliased = await get(`${api.id}-${other.VpcEndpointId}.execute-api.localhost`, '/prod/hello');
    assert.equal(aliased.status, 403);
    assert.match(aliased.body, /with an explicit deny/);

    // an endpoint that no longer exists
    await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [allowed.VpcEndpointId!] }));
    assert.equal((await get(dnsName, '/prod/hello', { 'x-apigw-api-id': api.id })).status, 403);
    await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [other.VpcEndpointId!] }));
  });

  test('a private API needs a resource policy to deploy; logging needs the account CloudWatch role', async () => {
    const api = await ApiBuilder.create(gw, 'private-no-policy', { endpointConfiguration: { types: ['PRIVATE'] } });
    await api.method('/hello', 'GET', MOCK);
    await assert.rejects(
      gw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'prod' })),
      (err: Error) => err.name === 'BadRequestException' && err.message === "Private REST API doesn't have a resource policy attached to it",
    );
    const open = await ApiBuilder.create(gw, 'regional-unlogged');
    await open.method('/hello', 'GET', MOCK);
    const dep = await gw.send(new CreateDeploymentCommand({ restApiId: open.id }));
    await gw.send(new CreateStageCommand({ restApiId: open.id, stageName: 'prod', deploymentId: dep.id! }));
    await assert.rejects(
      gw.send(new UpdateStageCommand({ restApiId: open.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/*/*/logging/loglevel', value: 'INFO' }] })),
      (err: Error) => err.name === 'BadRequestException' && /CloudWatch Logs role ARN must be set in account settings to enable logging/.test(err.message),
    );
  });

  test('a regional API is not served through an execute-api endpoint', async () => {
    const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs![0]!;
    const e = (await ec2.send(new CreateVpcEndpointCommand({ VpcEndpointType: 'Interface', VpcId: vpc.VpcId!, ServiceName: 'com.amazonaws.us-east-1.execute-api', PrivateDnsEnabled: false }))).VpcEndpoint!;
    const api = await ApiBuilder.create(gw, 'regional', { endpointConfiguration: { types: ['REGIONAL'] } });
    await api.method('/hello', 'GET', MOCK);
    await api.response('/hello', 'GET', '200');
    await api.deploy('prod');
    assert.equal((await fetch(`${stageUrl(c, api.id, 'prod')}/hello`)).status, 200);
    assert.equal((await get(e.DnsEntries![0]!.DnsName!, '/prod/hello', { 'x-apigw-api-id': api.id })).status, 403);
  });
});

async function logLines(group: string, until: (lines: string[]) => boolean): Promise<string[]> {
  let lines: string[] = [];
  for (let i = 0; i < 100; i++) {
    try {
      lines = ((await logs.send(new FilterLogEventsCommand({ logGroupName: group }))).events ?? []).map((e) => e.message!);
    } catch (e) {
      if ((e as Error).name !== 'ResourceNotFoundException') throw e;
    }
    if (until(lines)) return lines;
    await new Promise((r) => setImmediate(r));
  }
  return lines;
}

describe('execution logs', () => {
  before(async () => {
    // AWS writes execution logs as the account's CloudWatch role
    const iam = new IAMClient(clientConfig(c));
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'apigw-logs', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
    iam.destroy();
    await gw.send(new UpdateAccountCommand({ patchOperations: [{ op: 'replace', path: '/cloudwatchRoleArn', value: role }] }));
  });

  test('INFO with data trace: the request step by step, prefixed by its request id', async () => {
    const api = await ApiBuilder.create(gw, 'logged');
    await api.method('/pets/{id}', 'POST', MOCK);
    await api.response('/pets/{id}', 'POST', '200', { responseTemplates: { 'application/json': '{"id": "$input.params(\'id\')"}' } });
    await api.deploy('prod');
    await gw.send(
      new UpdateStageCommand({
        restApiId: api.id,
        stageName: 'prod',
        patchOperations: [
          { op: 'replace', path: '/*/*/logging/loglevel', value: 'INFO' },
          { op: 'replace', path: '/*/*/logging/dataTrace', value: 'true' },
        ],
      }),
    );
    const r = await fetch(`${stageUrl(c, api.id, 'prod')}/pets/7?color=red`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"rex"}' });
    assert.equal(r.status, 200);
    const id = r.headers.get('x-amzn-requestid')!;
    const lines = await logLines(`API-Gateway-Execution-Logs_${api.id}/prod`, (l) => l.some((x) => x.includes('Method completed')));
    const expect = [
      `(${id}) Extended Request Id: ${r.headers.get('x-amz-apigw-id')}`,
      `(${id}) Verifying Usage Plan for request: ${id}. API Key:  API Stage: ${api.id}/prod`,
      `(${id}) Usage Plan check succeeded for API Key  and API Stage ${api.id}/prod`,
      `(${id}) Starting execution for request: ${id}`,
      `(${id}) HTTP Method: POST, Resource Path: /pets/7`,
      `(${id}) Method request path: {id=7}`,
      `(${id}) Method request query string: {color=red}`,
      `(${id}) Method request body before transformations: {"name":"rex"}`,
      `(${id}) Method response body after transformations: {"id": "7"}`,
      `(${id}) Successfully completed execution`,
      `(${id}) Method completed with status: 200`,
    ];
    for (const e of expect) assert.ok(lines.includes(e), `missing ${e} in\n${lines.join('\n')}`);
    assert.ok(lines.indexOf(expect[0]!) < lines.indexOf(expect[10]!));
  });

  test('ERROR: only failures; OFF: nothing', async () => {
    const api = await ApiBuilder.create(gw, 'errors-only');
    await api.method('/ok', 'GET', MOCK);
    await api.response('/ok', 'GET', '200');
    await api.method('/broken', 'GET', { type: 'HTTP', integrationHttpMethod: 'GET', uri: 'http://127.0.0.1:1/x' });
    await api.response('/broken', 'GET', '200');
    await api.deploy('prod');
    await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/*/*/logging/loglevel', value: 'ERROR' }] }));
    assert.equal((await fetch(`${stageUrl(c, api.id, 'prod')}/ok`)).status, 200);
    const bad = await fetch(`${stageUrl(c, api.id, 'prod')}/broken`);
    assert.equal(bad.status, 500);
    const id = bad.headers.get('x-amzn-requestid')!;
    const lines = await logLines(`API-Gateway-Execution-Logs_${api.id}/prod`, (l) => l.some((x) => x.includes('Method completed')));
    assert.ok(lines.includes(`(${id}) Method completed with status: 500`), lines.join('\n'));
    assert.ok(lines.includes(`(${id}) Execution failed due to configuration error: Invalid endpoint address`), lines.join('\n'));
    assert.ok(lines.every((l) => l.startsWith(`(${id}) `)), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes('Extended Request Id')));
  });
});
