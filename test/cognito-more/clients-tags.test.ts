// UpdateUserPoolClient (what it leaves out returns to AWS's defaults; id and secret stay) and the tags of user
// pools by ARN (TagResource / UntagResource / ListTagsForResource, agreeing with CreateUserPool/DescribeUserPool),
// through the SDK and boto3.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand,
  DescribeUserPoolClientCommand, DescribeUserPoolCommand, InitiateAuthCommand, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand,
  UpdateUserPoolClientCommand, UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { code, message, createConfirmedUser } from '../cognito/helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let poolId: string;
let poolArn: string;


before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'clients', UserPoolTags: { team: 'auth', stage: 'dev' } }))).UserPool!;
  poolId = pool.Id!;
  poolArn = pool.Arn!;
  await createConfirmedUser(idp, poolId, 'fay', 'Fay-pass-1');
});
after(async () => {
  idp.destroy();
  await c.stop();
});

test('UpdateUserPoolClient changes flows and returns what it leaves out to the defaults; id and secret stay', async () => {
  const made = (await idp.send(new CreateUserPoolClientCommand({
    UserPoolId: poolId, ClientName: 'web', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH'],
    AccessTokenValidity: 2, IdTokenValidity: 2, RefreshTokenValidity: 7, TokenValidityUnits: { AccessToken: 'hours', IdToken: 'hours', RefreshToken: 'days' },
    CallbackURLs: ['https://app.example.com/cb'], PreventUserExistenceErrors: 'LEGACY', EnableTokenRevocation: false, ReadAttributes: ['email'],
  }))).UserPoolClient!;
  const signIn = () => idp.send(new InitiateAuthCommand({ ClientId: made.ClientId!, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'fay', PASSWORD: 'Fay-pass-1', SECRET_HASH: hash(made.ClientSecret!, 'fay', made.ClientId!) } }));
  await assert.rejects(signIn(), (e) => code(e) === 'InvalidParameterException' && message(e) === 'USER_PASSWORD_AUTH flow not enabled for this client');

  const updated = (await idp.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId!, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!;
  assert.equal(updated.ClientId, made.ClientId);
  assert.equal(updated.ClientSecret, made.ClientSecret);
  assert.equal(updated.ClientName, 'web', 'a client keeps its name when the update gives none');
  assert.deepEqual(updated.ExplicitAuthFlows, ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  // everything left out is back at its default
  assert.equal(updated.AccessTokenValidity, 60);
  assert.equal(updated.IdTokenValidity, 60);
  assert.equal(updated.RefreshTokenValidity, 30);
  assert.deepEqual(updated.TokenValidityUnits, { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' });
  assert.equal(updated.CallbackURLs, undefined);
  assert.equal(updated.ReadAttributes, undefined);
  assert.equal(updated.PreventUserExistenceErrors, 'ENABLED');
  assert.equal(updated.EnableTokenRevocation, true);
  assert.equal(updated.AuthSessionValidity, 3);
  assert.equal(new Date(updated.CreationDate!).getTime(), new Date(made.CreationDate!).getTime());
  assert.ok(new Date(updated.LastModifiedDate!).getTime() >= new Date(made.LastModifiedDate!).getTime());

  const described = (await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId! }))).UserPoolClient!;
  assert.deepEqual(described, updated);
  const auth = (await signIn()).AuthenticationResult!;
  assert.equal(auth.ExpiresIn, 3600, 'the access token lives the default 60 minutes now');

  const renamed = (await idp.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId!, ClientName: 'web-2', AccessTokenValidity: 10 }))).UserPoolClient!;
  assert.equal(renamed.ClientName, 'web-2');
  assert.equal(renamed.AccessTokenValidity, 10);
  assert.equal(renamed.ExplicitAuthFlows, undefined, 'flows left out return to the default (none listed)');
  await assert.rejects(signIn(), (e) => code(e) === 'InvalidParameterException');
});

test('UpdateUserPoolClient errors: unknown pool or client, and the same checks as CreateUserPoolClient', async () => {
  const id = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'other' }))).UserPoolClient!.ClientId!;
  await assert.rejects(idp.send(new UpdateUserPoolClientCommand({ UserPoolId: 'us-east-1_nopool000', ClientId: id })), (e) => code(e) === 'ResourceNotFoundException' && message(e) === 'User pool us-east-1_nopool000 does not exist.');
  await assert.rejects(idp.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: 'noclient0000000000000000000' })), (e) => code(e) === 'ResourceNotFoundException' && message(e) === 'User pool client noclient0000000000000000000 does not exist.');
  await assert.rejects(idp.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: id, AccessTokenValidity: 2, TokenValidityUnits: { AccessToken: 'days' } })), (e) => code(e) === 'InvalidParameterException');
  await assert.rejects(idp.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: id, ExplicitAuthFlows: ['USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH'] })), (e) => code(e) === 'InvalidParameterException');
  // a refused update changes nothing
  assert.equal((await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: id }))).UserPoolClient!.AccessTokenValidity, 60);
});

test('tags of a user pool: CreateUserPool tags, TagResource, UntagResource, ListTagsForResource and DescribeUserPool agree', async () => {
  const list = async () => (await idp.send(new ListTagsForResourceCommand({ ResourceArn: poolArn }))).Tags;
  assert.deepEqual(await list(), { team: 'auth', stage: 'dev' });
  await idp.send(new TagResourceCommand({ ResourceArn: poolArn, Tags: { stage: 'prod', owner: 'ops' } }));
  assert.deepEqual(await list(), { team: 'auth', stage: 'prod', owner: 'ops' });
  await idp.send(new UntagResourceCommand({ ResourceArn: poolArn, TagKeys: ['team', 'absent'] }));
  assert.deepEqual(await list(), { stage: 'prod', owner: 'ops' });
  assert.deepEqual((await idp.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!.UserPoolTags, { stage: 'prod', owner: 'ops' });
  // an update without UserPoolTags leaves them
  await idp.send(new UpdateUserPoolCommand({ UserPoolId: poolId }));
  assert.deepEqual(await list(), { stage: 'prod', owner: 'ops' });

  const many = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
  await assert.rejects(idp.send(new TagResourceCommand({ ResourceArn: poolArn, Tags: many })), (e) => code(e) === 'InvalidParameterException');
  await assert.rejects(idp.send(new TagResourceCommand({ ResourceArn: poolArn, Tags: { 'aws:reserved': 'x' } })), (e) => code(e) === 'InvalidParameterException');
  assert.deepEqual(await list(), { stage: 'prod', owner: 'ops' });
});

test('tag operations on unknown ARNs answer ResourceNotFoundException', async () => {
  const gone = poolArn.replace(poolId, 'us-east-1_nopool000');
  for (const send of [
    () => idp.send(new ListTagsForResourceCommand({ ResourceArn: gone })),
    () => idp.send(new TagResourceCommand({ ResourceArn: gone, Tags: { a: 'b' } })),
    () => idp.send(new UntagResourceCommand({ ResourceArn: gone, TagKeys: ['a'] })),
  ]) {
    await assert.rejects(send(), (e) => code(e) === 'ResourceNotFoundException' && message(e) === 'User pool us-east-1_nopool000 does not exist.');
  }
  const otherAccount = poolArn.replace(/:\d{12}:/, ':111122223333:');
  await assert.rejects(idp.send(new ListTagsForResourceCommand({ ResourceArn: otherAccount })), (e) => code(e) === 'ResourceNotFoundException');
  await assert.rejects(idp.send(new ListTagsForResourceCommand({ ResourceArn: 'arn:aws:sqs:us-east-1:000000000000:queue' })), (e) => code(e) === 'ResourceNotFoundException');
});

test('boto3 tags a pool and updates a client', async () => {
  const script = `
c = boto3.client('cognito-idp', endpoint_url=endpoint)
pool = c.create_user_pool(PoolName='py')['UserPool']
c.tag_resource(ResourceArn=pool['Arn'], Tags={'app': 'py'})
client = c.create_user_pool_client(UserPoolId=pool['Id'], ClientName='py', AccessTokenValidity=30)['UserPoolClient']
up = c.update_user_pool_client(UserPoolId=pool['Id'], ClientId=client['ClientId'], ExplicitAuthFlows=['ALLOW_USER_PASSWORD_AUTH'])['UserPoolClient']
try:
    c.list_tags_for_resource(ResourceArn=pool['Arn'].replace(pool['Id'], 'us-east-1_missing00'))
    err = None
except c.exceptions.ResourceNotFoundException as e:
    err = e.response['Error']['Code']
print(json.dumps({'tags': c.list_tags_for_resource(ResourceArn=pool['Arn'])['Tags'], 'access': up['AccessTokenValidity'], 'flows': up['ExplicitAuthFlows'], 'err': err}))
`;
  const r = await boto3(c, script);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { tags: { app: 'py' }, access: 60, flows: ['ALLOW_USER_PASSWORD_AUTH'], err: 'ResourceNotFoundException' });
});

function hash(secret: string, username: string, clientId: string): string {
  return createHmac('sha256', secret).update(username + clientId).digest('base64');
}
