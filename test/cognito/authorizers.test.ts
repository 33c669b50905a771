// Cognito tokens at API Gateway: a REST API with a COGNITO_USER_POOLS authorizer (MOCK integration echoing
// $context.authorizer.claims) takes a valid ID token, an access token where the method asks for scopes, and
// refuses missing, forged, other-pool and expired tokens with 401; an HTTP API JWT authorizer whose issuer is
// the pool's AWS issuer URL verifies the same tokens against the keys Cumulus serves.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APIGatewayClient, CreateAuthorizerCommand } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client, CreateApiCommand, CreateAuthorizerCommand as CreateV2AuthorizerCommand, CreateIntegrationCommand, CreateRouteCommand, CreateStageCommand } from '@aws-sdk/client-apigatewayv2';
import { AdminAddUserToGroupCommand, CreateGroupCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder, stageUrl } from '../apigateway/helpers.js';
import { callApi, startBackend, type Backend } from '../apigatewayv2/helpers.js';
import { createConfirmedUser } from './helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let gw: APIGatewayClient;
let gw2: ApiGatewayV2Client;
let backend: Backend;
let poolId: string;
let poolArn: string;
let clientId: string;
let otherClientId: string;

async function signIn(client: string, username: string): Promise<{ id: string; access: string }> {
  const r = (await idp.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: 'Pass-word-1' } }))).AuthenticationResult!;
  return { id: r.IdToken!, access: r.AccessToken! };
}

async function newUser(pool: string, username: string, email: string): Promise<void> {
  await createConfirmedUser(idp, pool, username, 'Pass-word-1', [{ Name: 'email', Value: email }]);
}

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  gw = new APIGatewayClient(clientConfig(c));
  gw2 = new ApiGatewayV2Client(clientConfig(c));
  backend = await startBackend();
  const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'api-users' }))).UserPool!;
  poolId = pool.Id!;
  poolArn = pool.Arn!;
  clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
  await newUser(poolId, 'hana', 'hana@example.com');
  const other = (await idp.send(new CreateUserPoolCommand({ PoolName: 'elsewhere' }))).UserPool!;
  otherClientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: other.Id, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
  await newUser(other.Id!, 'ivan', 'ivan@example.com');
});
after(async () => {
  idp.destroy();
  gw.destroy();
  gw2.destroy();
  await backend.close();
  await c.stop();
});

test('REST API COGNITO_USER_POOLS authorizer: ID tokens, scoped access tokens, claims, 401s, expiry', async () => {
  const api = await ApiBuilder.create(gw, 'cognito-rest');
  const auth = await gw.send(new CreateAuthorizerCommand({ restApiId: api.id, name: 'pool', type: 'COGNITO_USER_POOLS', providerARNs: [poolArn], identitySource: 'method.request.header.Authorization' }));
  const echo = {
    'application/json':
      '{"email":"$context.authorizer.claims.email","user":"$context.authorizer.claims[\'cognito:username\']","use":"$context.authorizer.claims.token_use","groups":"$context.authorizer.claims[\'cognito:groups\']"}',
  };
  // the claims reach the integration as strings; a list (the user's groups) comma-separated
  for (const [GroupName, Precedence] of [['editors', 2], ['admins', 1]] as const) {
    await idp.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName, Precedence }));
    await idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'hana', GroupName }));
  }
  for (const [path, scopes] of [['/me', undefined], ['/admin', ['aws.cognito.signin.user.admin']]] as const) {
    await api.method(path, 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }, { authorizationType: 'COGNITO_USER_POOLS', authorizerId: auth.id, authorizationScopes: scopes ? [...scopes] : undefined });
    await api.response(path, 'GET', '200', { responseTemplates: echo });
  }
  await api.deploy('prod');
  const base = stageUrl(c, api.id, 'prod');
  const call = async (path: string, token?: string) => {
    const r = await fetch(`${base}${path}`, { headers: token ? { authorization: token } : {} });
    return { status: r.status, body: (await r.json()) as Record<string, string> };
  };
  const t = await signIn(clientId, 'hana');
  const ok = await call('/me', t.id);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { email: 'hana@example.com', user: 'hana', use: 'id', groups: 'admins,editors' });
  assert.equal((await call('/me', `Bearer ${t.id}`)).status, 200);
  // without scopes on the method, an access token is not enough; with scopes, it is what is asked for
  assert.equal((await call('/me', t.access)).status, 401);
  const scoped = await call('/admin', t.access);
  assert.equal(scoped.status, 200);
  assert.equal(scoped.body.use, 'access');
  assert.equal((await call('/admin', t.id)).status, 401);
  const missing = await call('/me');
  assert.equal(missing.status, 401);
  assert.deepEqual(missing.body, { message: 'Unauthorized' });
  const [h, p, s] = t.id.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, email: 'mallory@example.com' })).toString('base64url')}.${s}`;
  assert.equal((await call('/me', forged)).status, 401);
  assert.equal((await call('/me', 'not-a-token')).status, 401);
  const foreign = await signIn(otherClientId, 'ivan');
  assert.equal((await call('/me', foreign.id)).status, 401, 'a token of a pool the authorizer does not name');
  const adv = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 3601 }) });
  await adv.text();
  assert.equal((await call('/me', t.id)).status, 401, 'an expired ID token');
  assert.equal((await call('/me', (await signIn(clientId, 'hana')).id)).status, 200);
});

test('HTTP API JWT authorizer with the pool as issuer verifies Cognito tokens through the JWKS Cumulus serves', async () => {
  const apiId = (await gw2.send(new CreateApiCommand({ Name: 'cognito-http', ProtocolType: 'HTTP' }))).ApiId!;
  const auth = await gw2.send(
    new CreateV2AuthorizerCommand({ ApiId: apiId, Name: 'pool', AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'], JwtConfiguration: { Issuer: `https://cognito-idp.us-east-1.amazonaws.com/${poolId}`, Audience: [clientId] } }),
  );
  const i = await gw2.send(new CreateIntegrationCommand({ ApiId: apiId, IntegrationType: 'HTTP_PROXY', IntegrationMethod: 'ANY', IntegrationUri: `${backend.url}/`, PayloadFormatVersion: '1.0', RequestParameters: { 'overwrite:header.x-user': '$context.authorizer.claims.email' } }));
  await gw2.send(new CreateRouteCommand({ ApiId: apiId, RouteKey: 'GET /me', AuthorizationType: 'JWT', AuthorizerId: auth.AuthorizerId, Target: `integrations/${i.IntegrationId}` }));
  await gw2.send(new CreateStageCommand({ ApiId: apiId, StageName: '$default', AutoDeploy: true }));
  const t = await signIn(clientId, 'hana');
  const ok = await callApi(c, apiId, '/me', { headers: { authorization: `Bearer ${t.id}` } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(backend.requests.at(-1)?.headers['x-user'], 'hana@example.com');
  // access tokens carry client_id instead of aud, which the JWT authorizer accepts as the audience
  assert.equal((await callApi(c, apiId, '/me', { headers: { authorization: `Bearer ${t.access}` } })).status, 200);
  const foreign = await signIn(otherClientId, 'ivan');
  assert.equal((await callApi(c, apiId, '/me', { headers: { authorization: `Bearer ${foreign.id}` } })).status, 401);
  assert.equal((await callApi(c, apiId, '/me')).status, 401);
});
