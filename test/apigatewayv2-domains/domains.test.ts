// Custom domain names for HTTP APIs (apigatewayv2) sharing one namespace with REST API domains (apigateway):
// domains and mappings made through either API seen through both, and requests by Host reaching the API of
// the longest matching mapping with its key stripped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ACMClient, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { APIGatewayClient, CreateBasePathMappingCommand, CreateDomainNameCommand as CreateV1Domain, GetBasePathMappingsCommand, GetDomainNameCommand as GetV1Domain, GetDomainNamesCommand as GetV1Domains } from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateApiMappingCommand,
  CreateDomainNameCommand,
  CreateStageCommand,
  DeleteApiMappingCommand,
  DeleteDomainNameCommand,
  GetApiMappingCommand,
  GetApiMappingsCommand,
  GetDomainNameCommand,
  GetDomainNamesCommand,
  GetTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateApiCommand,
  UpdateApiMappingCommand,
  UpdateDomainNameCommand,
} from '@aws-sdk/client-apigatewayv2';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder } from '../apigateway/helpers.js';
import { callApi, startBackend, type Backend } from '../apigatewayv2/helpers.js';

let c: Cumulus;
let v1: APIGatewayClient;
let v2: ApiGatewayV2Client;
let acm: ACMClient;
let backend: Backend;

before(async () => {
  c = await startTestCumulus();
  v1 = new APIGatewayClient(clientConfig(c));
  v2 = new ApiGatewayV2Client(clientConfig(c));
  acm = new ACMClient(clientConfig(c));
  backend = await startBackend();
});
after(async () => {
  v1.destroy();
  v2.destroy();
  acm.destroy();
  await backend.close();
  await c.stop();
});

const named = (name: string) => (e: Error) => e.name === name;
const cert = async (domain: string) => (await acm.send(new RequestCertificateCommand({ DomainName: domain, ValidationMethod: 'DNS' }))).CertificateArn!;
/** A request on the custom domain, by Host header, to Cumulus's port. */
const onDomain = (host: string, path: string) => callApi(c, '', path, { host: `${host}:${c.port}` });

describe('custom domain names shared by REST and HTTP APIs', () => {
  test('a domain made through either API is seen through both', async () => {
    const arn = await cert('api.example.com');
    await assert.rejects(v2.send(new CreateDomainNameCommand({ DomainName: 'edge.example.org', DomainNameConfigurations: [{ CertificateArn: arn, EndpointType: 'EDGE' }] })), named('BadRequestException'));
    await assert.rejects(
      v2.send(new CreateDomainNameCommand({ DomainName: 'mtls.example.org', DomainNameConfigurations: [{ CertificateArn: arn }], MutualTlsAuthentication: { TruststoreUri: 's3://b/truststore.pem' } })),
      (e: Error) => e.name === 'BadRequestException' && /MutualTlsAuthentication/.test(e.message),
    );
    await assert.rejects(v2.send(new CreateDomainNameCommand({ DomainName: 'x.example.org', DomainNameConfigurations: [{ CertificateArn: arn.replace(/[0-9a-f-]+$/, '00000000-0000-0000-0000-000000000000') }] })), named('BadRequestException'));

    const d = await v2.send(new CreateDomainNameCommand({ DomainName: 'api.example.com', DomainNameConfigurations: [{ CertificateArn: arn, EndpointType: 'REGIONAL' }], Tags: { team: 'a' } }));
    assert.equal(d.ApiMappingSelectionExpression, '$request.basepath');
    assert.equal(d.DomainNameArn, 'arn:aws:apigateway:us-east-1::/domainnames/api.example.com');
    const cfg = d.DomainNameConfigurations![0]!;
    assert.match(cfg.ApiGatewayDomainName!, /^d-[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com$/);
    assert.deepEqual(
      { arn: cfg.CertificateArn, status: cfg.DomainNameStatus, type: cfg.EndpointType, policy: cfg.SecurityPolicy, zone: !!cfg.HostedZoneId },
      { arn, status: 'AVAILABLE', type: 'REGIONAL', policy: 'TLS_1_2', zone: true },
    );
    assert.deepEqual(d.Tags, { team: 'a' });
    await v2.send(new TagResourceCommand({ ResourceArn: d.DomainNameArn, Tags: { env: 'dev' } }));
    assert.deepEqual((await v2.send(new GetTagsCommand({ ResourceArn: d.DomainNameArn }))).Tags, { team: 'a', env: 'dev' });
    await v2.send(new UntagResourceCommand({ ResourceArn: d.DomainNameArn, TagKeys: ['env'] }));
    assert.deepEqual((await v2.send(new GetDomainNameCommand({ DomainName: 'api.example.com' }))).Tags, { team: 'a' });

    // the same record through REST API's API, and one namespace for names
    const seen = await v1.send(new GetV1Domain({ domainName: 'api.example.com' }));
    assert.deepEqual({ r: seen.regionalDomainName, cert: seen.regionalCertificateArn, types: seen.endpointConfiguration?.types }, { r: cfg.ApiGatewayDomainName, cert: arn, types: ['REGIONAL'] });
    await assert.rejects(v1.send(new CreateV1Domain({ domainName: 'api.example.com', regionalCertificateArn: arn, endpointConfiguration: { types: ['REGIONAL'] } })), named('ConflictException'));
    await assert.rejects(v2.send(new CreateDomainNameCommand({ DomainName: 'api.example.com', DomainNameConfigurations: [{ CertificateArn: arn }] })), named('ConflictException'));

    // an edge-optimized domain made through apigateway, seen through apigatewayv2
    await v1.send(new CreateV1Domain({ domainName: 'edge.example.com', certificateArn: await cert('edge.example.com') }));
    const edge = await v2.send(new GetDomainNameCommand({ DomainName: 'edge.example.com' }));
    assert.equal(edge.DomainNameConfigurations![0]!.EndpointType, 'EDGE');
    assert.match(edge.DomainNameConfigurations![0]!.ApiGatewayDomainName!, /\.cloudfront\.net$/);
    const all = await v2.send(new GetDomainNamesCommand({}));
    assert.deepEqual(all.Items!.map((x) => x.DomainName).sort(), ['api.example.com', 'edge.example.com']);
    assert.equal((await v1.send(new GetV1Domains({}))).items!.length, 2);

    // updates through v2 show through v1; the endpoint type is fixed
    await assert.rejects(v2.send(new UpdateDomainNameCommand({ DomainName: 'api.example.com', DomainNameConfigurations: [{ EndpointType: 'EDGE' }] })), named('BadRequestException'));
    const arn2 = await cert('api.example.com');
    const u = await v2.send(new UpdateDomainNameCommand({ DomainName: 'api.example.com', DomainNameConfigurations: [{ CertificateArn: arn2, EndpointType: 'REGIONAL' }] }));
    assert.equal(u.DomainNameConfigurations![0]!.CertificateArn, arn2);
    assert.equal((await v1.send(new GetV1Domain({ domainName: 'api.example.com' }))).regionalCertificateArn, arn2);

    // the AWS CLI sees the same
    const cli = await awsCli(c, ['apigatewayv2', 'get-domain-name', '--domain-name', 'api.example.com']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).DomainNameConfigurations[0].ApiGatewayDomainName, cfg.ApiGatewayDomainName);

    await v2.send(new DeleteDomainNameCommand({ DomainName: 'edge.example.com' }));
    await assert.rejects(v1.send(new GetV1Domain({ domainName: 'edge.example.com' })), named('NotFoundException'));
    await assert.rejects(v2.send(new GetDomainNameCommand({ DomainName: 'edge.example.com' })), named('NotFoundException'));
  });

  test('API mappings send requests to HTTP and REST APIs by the longest matching key', async () => {
    const host = 'shop.example.com';
    await v2.send(new CreateDomainNameCommand({ DomainName: host, DomainNameConfigurations: [{ CertificateArn: await cert(host) }] }));
    // two HTTP APIs proxying to the local backend under /one and /two; a REST API with a MOCK integration
    const one = (await v2.send(new CreateApiCommand({ Name: 'one', ProtocolType: 'HTTP', Target: `${backend.url}/one` }))).ApiId!;
    const two = (await v2.send(new CreateApiCommand({ Name: 'two', ProtocolType: 'HTTP', Target: `${backend.url}/two` }))).ApiId!;
    await v2.send(new CreateStageCommand({ ApiId: two, StageName: 'live', AutoDeploy: true }));
    const rest = await ApiBuilder.create(v1, 'legacy');
    await rest.method('/list', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
    await rest.response('/list', 'GET', '200', { responseTemplates: { 'application/json': '{"api": "legacy", "path": "$context.resourcePath"}' } });
    await rest.deploy('prod');

    const root = await v2.send(new CreateApiMappingCommand({ DomainName: host, ApiId: one, Stage: '$default', ApiMappingKey: '' }));
    assert.equal(root.ApiMappingKey, '');
    assert.match(root.ApiMappingId!, /^[a-z0-9]+$/);
    const deep = await v2.send(new CreateApiMappingCommand({ DomainName: host, ApiId: two, Stage: 'live', ApiMappingKey: 'orders/v1' }));
    const legacy = await v2.send(new CreateApiMappingCommand({ DomainName: host, ApiId: rest.id, Stage: 'prod', ApiMappingKey: 'legacy' }));
    assert.deepEqual(await v2.send(new GetApiMappingCommand({ DomainName: host, ApiMappingId: deep.ApiMappingId! })).then(({ $metadata: _, ...m }) => m), {
      ApiId: two,
      ApiMappingId: deep.ApiMappingId,
      ApiMappingKey: 'orders/v1',
      Stage: 'live',
    });

    // refused: unknown domain, API, mapping; a taken key; a stage the API does not have; bad keys
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: 'nope.example.com', ApiId: one, Stage: '$default', ApiMappingKey: 'x' })), named('NotFoundException'));
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: host, ApiId: 'zzzzzzzzzz', Stage: '$default', ApiMappingKey: 'x' })), named('NotFoundException'));
    await assert.rejects(v2.send(new GetApiMappingCommand({ DomainName: host, ApiMappingId: 'nothere' })), named('NotFoundException'));
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: host, ApiId: two, Stage: 'live', ApiMappingKey: 'orders/v1' })), (e: Error) => e.name === 'ConflictException' && /already exists/.test(e.message));
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: host, ApiId: one, Stage: '$default', ApiMappingKey: '(none)' })), named('ConflictException'));
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: host, ApiId: two, Stage: 'nostage', ApiMappingKey: 'x' })), named('BadRequestException'));
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: host, ApiId: rest.id, Stage: 'nostage', ApiMappingKey: 'x' })), named('BadRequestException'));
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: host, ApiId: one, Stage: '$default', ApiMappingKey: 'a//b' })), named('BadRequestException'));
    // edge-optimized domains take no HTTP APIs and no multi-level keys
    await v1.send(new CreateV1Domain({ domainName: 'cdn.example.com', certificateArn: await cert('cdn.example.com') }));
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: 'cdn.example.com', ApiId: one, Stage: '$default' })), named('BadRequestException'));
    await assert.rejects(v2.send(new CreateApiMappingCommand({ DomainName: 'cdn.example.com', ApiId: rest.id, Stage: 'prod', ApiMappingKey: 'a/b' })), named('BadRequestException'));
    await v2.send(new CreateApiMappingCommand({ DomainName: 'cdn.example.com', ApiId: rest.id, Stage: 'prod', ApiMappingKey: 'a' }));

    // API mappings are base path mappings seen from the REST API's API, and the other way round
    const bpm = await v1.send(new GetBasePathMappingsCommand({ domainName: host }));
    assert.deepEqual(bpm.items!.map((m) => `${m.basePath}=${m.restApiId}/${m.stage}`).sort(), [`(none)=${one}/$default`, `legacy=${rest.id}/prod`, `orders/v1=${two}/live`]);
    await v1.send(new CreateBasePathMappingCommand({ domainName: host, basePath: 'old', restApiId: rest.id, stage: 'prod' }));
    const maps = await v2.send(new GetApiMappingsCommand({ DomainName: host }));
    assert.deepEqual(maps.Items!.map((m) => m.ApiMappingKey).sort(), ['', 'legacy', 'old', 'orders/v1']);

    // requests by Host: the longest key wins and is stripped; "(none)" takes the rest
    let r = await onDomain(host, '/orders/v1/items/7?x=1');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json().url, '/two/items/7?x=1');
    r = await onDomain(host, '/orders/v2/items');
    assert.equal(r.json().url, '/one/orders/v2/items');
    r = await onDomain(host, '/hello');
    assert.equal(r.json().url, '/one/hello');
    r = await onDomain(host.toUpperCase(), '/orders/v1');
    assert.match(r.json().url, /^\/two\/?$/);
    r = await onDomain(host, '/legacy/list');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), { api: 'legacy', path: '/list' });
    assert.deepEqual((await onDomain(host, '/old/list')).json(), { api: 'legacy', path: '/list' });

    // a closed default endpoint leaves custom domain names open
    await v2.send(new UpdateApiCommand({ ApiId: one, DisableExecuteApiEndpoint: true }));
    assert.equal((await callApi(c, one, '/hello')).status, 403);
    assert.equal((await onDomain(host, '/hello')).json().url, '/one/hello');

    // moving and removing mappings
    await assert.rejects(v2.send(new UpdateApiMappingCommand({ DomainName: host, ApiMappingId: deep.ApiMappingId!, ApiId: two, ApiMappingKey: 'legacy' })), named('ConflictException'));
    const moved = await v2.send(new UpdateApiMappingCommand({ DomainName: host, ApiMappingId: deep.ApiMappingId!, ApiId: two, ApiMappingKey: 'orders/v2' }));
    assert.equal(moved.ApiMappingKey, 'orders/v2');
    assert.equal((await onDomain(host, '/orders/v2/items')).json().url, '/two/items');
    assert.equal((await onDomain(host, '/orders/v1/items')).json().url, '/one/orders/v1/items');
    await v2.send(new DeleteApiMappingCommand({ DomainName: host, ApiMappingId: root.ApiMappingId! }));
    await v2.send(new DeleteApiMappingCommand({ DomainName: host, ApiMappingId: legacy.ApiMappingId! }));
    r = await onDomain(host, '/hello');
    assert.equal(r.status, 403);
    assert.equal((await onDomain(host, '/legacy/list')).status, 403);
    await assert.rejects(v2.send(new DeleteApiMappingCommand({ DomainName: host, ApiMappingId: root.ApiMappingId! })), named('NotFoundException'));
  });
});
