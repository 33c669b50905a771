// VPC links: REST API links to a Network Load Balancer (PENDING, then AVAILABLE on the clock; FAILED for a
// load balancer that is not one) with private integrations sent through the NLB's listener; HTTP API links
// (subnets and security groups) with private integrations to an ALB listener.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APIGatewayClient, CreateVpcLinkCommand, DeleteVpcLinkCommand, GetVpcLinkCommand, GetVpcLinksCommand, UpdateVpcLinkCommand, GetTagsCommand } from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  CreateVpcLinkCommand as CreateV2VpcLinkCommand,
  DeleteVpcLinkCommand as DeleteV2VpcLinkCommand,
  GetVpcLinkCommand as GetV2VpcLinkCommand,
} from '@aws-sdk/client-apigatewayv2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder } from '../apigateway/helpers.js';
import { defaultNetwork, untilHealth } from '../elb/helpers.js';
import { advance, echoBackend, stageUrl, type Backend } from './helpers.js';

let c: Cumulus;
let gw: APIGatewayClient;
let v2: ApiGatewayV2Client;
let elb: ElasticLoadBalancingV2Client;
let net: { vpcId: string; subnets: string[] };
let nlbTarget: Backend;
let albTarget: Backend;

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
  v2 = new ApiGatewayV2Client(clientConfig(c));
  elb = new ElasticLoadBalancingV2Client(clientConfig(c));
  net = await defaultNetwork(new EC2Client(clientConfig(c)));
  [nlbTarget, albTarget] = await Promise.all([echoBackend('nlb-target'), echoBackend('alb-target')]);
});
after(async () => {
  gw.destroy();
  v2.destroy();
  elb.destroy();
  await c.stop();
  await Promise.all([nlbTarget.close(), albTarget.close()]);
});

/** A load balancer with one listener on port 80 forwarding to a local server; waits until it is healthy. */
async function loadBalancer(type: 'network' | 'application', target: Backend) {
  const name = `${type.slice(0, 3)}-${Math.random().toString(36).slice(2, 8)}`;
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: name, Type: type, Subnets: type === 'network' ? [net.subnets[0]!] : net.subnets.slice(0, 2) }))).LoadBalancers![0]!;
  const protocol = type === 'network' ? 'TCP' : 'HTTP';
  const tg = (
    await elb.send(new CreateTargetGroupCommand({ Name: name, TargetType: 'ip', Protocol: protocol, Port: 80, VpcId: net.vpcId, HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2 }))
  ).TargetGroups![0]!;
  const l = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: protocol, Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }))).Listeners![0]!;
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '127.0.0.1', Port: target.port }] }));
  await untilHealth(c, elb, tg.TargetGroupArn!, (t) => t.length === 1 && t[0]!.TargetHealth!.State === 'healthy', 10);
  return { lbArn: lb.LoadBalancerArn!, dnsName: lb.DNSName!, listenerArn: l.ListenerArn! };
}

describe('REST API VPC links', () => {
  test('a link to an NLB becomes AVAILABLE; a private integration reaches the NLB target through it', async () => {
    const nlb = await loadBalancer('network', nlbTarget);
    const link = await gw.send(new CreateVpcLinkCommand({ name: 'to-nlb', description: 'first', targetArns: [nlb.lbArn], tags: { k: 'v' } }));
    assert.equal(link.status, 'PENDING');
    assert.deepEqual(link.targetArns, [nlb.lbArn]);

    const api = await ApiBuilder.create(gw, 'private');
    await api.method('/svc/{proxy+}', 'ANY', {
      type: 'HTTP_PROXY',
      integrationHttpMethod: 'ANY',
      uri: `http://${nlb.dnsName}/backend/{proxy}`,
      connectionType: 'VPC_LINK',
      connectionId: '${stageVariables.linkId}',
      requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' },
    }, { requestParameters: { 'method.request.path.proxy': true } });
    await api.deploy('prod', { linkId: link.id! });

    // still provisioning: the integration cannot be reached
    const early = await fetch(`${stageUrl(c, api.id, 'prod')}/svc/a/b`);
    assert.equal(early.status, 500);
    await early.text();

    await advance(c, 121);
    const ready = await gw.send(new GetVpcLinkCommand({ vpcLinkId: link.id }));
    assert.equal(ready.status, 'AVAILABLE');

    const r = await fetch(`${stageUrl(c, api.id, 'prod')}/svc/a/b?q=1`, { method: 'POST', body: 'hello' });
    assert.equal(r.status, 200);
    const seen = (await r.json()) as { name: string; url: string; host: string; method: string; body: string };
    assert.equal(seen.name, 'nlb-target');
    assert.equal(seen.url, '/backend/a/b?q=1');
    assert.equal(seen.host, nlb.dnsName);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.body, 'hello');
  });

  test('FAILED for a load balancer that is not an NLB; update, list, tags, delete; malformed target', async () => {
    const alb = await elb.send(new CreateLoadBalancerCommand({ Name: 'not-nlb', Type: 'application', Subnets: net.subnets.slice(0, 2) }));
    const link = await gw.send(new CreateVpcLinkCommand({ name: 'to-alb', targetArns: [alb.LoadBalancers![0]!.LoadBalancerArn!], tags: { team: 'x' } }));
    await advance(c, 121);
    const failed = await gw.send(new GetVpcLinkCommand({ vpcLinkId: link.id }));
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.statusMessage!, /not a Network Load Balancer/);

    const upd = await gw.send(new UpdateVpcLinkCommand({ vpcLinkId: link.id, patchOperations: [{ op: 'replace', path: '/name', value: 'renamed' }, { op: 'replace', path: '/description', value: 'd' }] }));
    assert.equal(upd.name, 'renamed');
    assert.equal(upd.description, 'd');
    assert.deepEqual((await gw.send(new GetTagsCommand({ resourceArn: `arn:aws:apigateway:us-east-1::/vpclinks/${link.id}` }))).tags, { team: 'x' });
    const all = await gw.send(new GetVpcLinksCommand({}));
    assert.ok(all.items!.some((l) => l.id === link.id && l.name === 'renamed'));

    const cli = await awsCli(c, ['apigateway', 'get-vpc-links']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.ok((JSON.parse(cli.stdout).items as { id: string }[]).some((l) => l.id === link.id));

    await gw.send(new DeleteVpcLinkCommand({ vpcLinkId: link.id }));
    await assert.rejects(gw.send(new GetVpcLinkCommand({ vpcLinkId: link.id })), { name: 'NotFoundException', message: 'Invalid VPC link identifier specified' });
    await assert.rejects(gw.send(new CreateVpcLinkCommand({ name: 'bad', targetArns: ['not-an-arn'] })), { name: 'BadRequestException' });
  });
});

describe('HTTP API VPC links', () => {
  test('a link in subnets; a private integration to an ALB listener reaches its target', async () => {
    const alb = await loadBalancer('application', albTarget);
    await assert.rejects(v2.send(new CreateV2VpcLinkCommand({ Name: 'bad', SubnetIds: ['subnet-00000000000000000'] })), { name: 'BadRequestException' });
    const link = await v2.send(new CreateV2VpcLinkCommand({ Name: 'v2-link', SubnetIds: net.subnets.slice(0, 2), Tags: { a: 'b' } }));
    assert.equal(link.VpcLinkStatus, 'PENDING');
    assert.equal(link.VpcLinkVersion, 'V2');

    const api = await v2.send(new CreateApiCommand({ Name: 'private-http', ProtocolType: 'HTTP' }));
    await assert.rejects(
      v2.send(new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: 'HTTP_PROXY', IntegrationMethod: 'ANY', ConnectionType: 'VPC_LINK', ConnectionId: 'nosuch', IntegrationUri: alb.listenerArn, PayloadFormatVersion: '1.0' })),
      { name: 'NotFoundException' },
    );
    const integ = await v2.send(
      new CreateIntegrationCommand({ ApiId: api.ApiId, IntegrationType: 'HTTP_PROXY', IntegrationMethod: 'ANY', ConnectionType: 'VPC_LINK', ConnectionId: link.VpcLinkId, IntegrationUri: alb.listenerArn, PayloadFormatVersion: '1.0' }),
    );
    assert.equal(integ.ConnectionType, 'VPC_LINK');
    assert.equal(integ.ConnectionId, link.VpcLinkId);
    await v2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: 'ANY /{proxy+}', Target: `integrations/${integ.IntegrationId}` }));
    await v2.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: '$default', AutoDeploy: true }));

    const early = await fetch(`${c.url}/_aws/execute-api/${api.ApiId}/items/1`);
    assert.equal(early.status, 500);
    await early.text();
    await advance(c, 121);
    assert.equal((await v2.send(new GetV2VpcLinkCommand({ VpcLinkId: link.VpcLinkId }))).VpcLinkStatus, 'AVAILABLE');

    const r = await fetch(`${c.url}/_aws/execute-api/${api.ApiId}/items/1?x=y`);
    assert.equal(r.status, 200);
    const seen = (await r.json()) as { name: string; url: string; host: string };
    assert.equal(seen.name, 'alb-target');
    assert.equal(seen.url, '/items/1?x=y');

    const py = await boto3(c, `v2 = boto3.client('apigatewayv2', endpoint_url=endpoint)\nprint(json.dumps([l['VpcLinkId'] for l in v2.get_vpc_links()['Items']]))`);
    assert.equal(py.code, 0, py.stderr);
    assert.ok((JSON.parse(py.stdout) as string[]).includes(link.VpcLinkId!));
    await v2.send(new DeleteV2VpcLinkCommand({ VpcLinkId: link.VpcLinkId }));
    await assert.rejects(v2.send(new GetV2VpcLinkCommand({ VpcLinkId: link.VpcLinkId })), { name: 'NotFoundException' });
  });
});
