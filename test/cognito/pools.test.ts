// User pools, app clients and users through the SDK, the AWS CLI and boto3: lifecycle, pagination, the
// password policy with AWS's messages, AdminCreateUser / AdminSetUserPassword statuses, ListUsers filters.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AdminCreateUserCommand, AdminDeleteUserCommand, AdminGetUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient,
  CreateUserPoolClientCommand, CreateUserPoolCommand, DeleteUserPoolClientCommand, DeleteUserPoolCommand, DescribeUserPoolClientCommand,
  DescribeUserPoolCommand, ListUserPoolClientsCommand, ListUserPoolsCommand, ListUsersCommand, UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { code } from './helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
});
after(async () => {
  idp.destroy();
  await c.stop();
});


test('pool lifecycle: id and ARN formats, AWS default password policy, list with pagination, delete', async () => {
  const p = (await idp.send(new CreateUserPoolCommand({ PoolName: 'one', UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'] }))).UserPool!;
  assert.match(p.Id!, /^us-east-1_[0-9A-Za-z]{9}$/);
  assert.equal(p.Arn, `arn:aws:cognito-idp:us-east-1:000000000000:userpool/${p.Id}`);
  assert.deepEqual(p.Policies?.PasswordPolicy, { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7 });
  assert.ok(p.CreationDate instanceof Date);
  assert.ok(p.SchemaAttributes?.some((a) => a.Name === 'email'));
  const d = (await idp.send(new DescribeUserPoolCommand({ UserPoolId: p.Id }))).UserPool!;
  assert.equal(d.Name, 'one');
  assert.deepEqual(d.UsernameAttributes, ['email']);
  assert.equal(d.EstimatedNumberOfUsers, 0);
  for (const n of ['two', 'three']) await idp.send(new CreateUserPoolCommand({ PoolName: n }));
  const first = await idp.send(new ListUserPoolsCommand({ MaxResults: 2 }));
  assert.equal(first.UserPools!.length, 2);
  assert.ok(first.NextToken);
  const second = await idp.send(new ListUserPoolsCommand({ MaxResults: 2, NextToken: first.NextToken }));
  assert.deepEqual([...first.UserPools!, ...second.UserPools!].map((x) => x.Name), ['one', 'two', 'three']);
  await assert.rejects(idp.send(new CreateUserPoolCommand({ PoolName: 'bad', UsernameAttributes: ['email'], AliasAttributes: ['email'] })), (e) => code(e) === 'InvalidParameterException');
  const live = await fetch(`${c.url}/${p.Id}/.well-known/jwks.json`);
  assert.equal(live.status, 200);
  assert.equal(((await live.json()) as { keys: unknown[] }).keys.length, 1);
  await idp.send(new DeleteUserPoolCommand({ UserPoolId: p.Id }));
  await assert.rejects(idp.send(new DescribeUserPoolCommand({ UserPoolId: p.Id })), (e) => code(e) === 'ResourceNotFoundException' && /does not exist/.test((e as Error).message));
  const jwks = await fetch(`${c.url}/${p.Id}/.well-known/jwks.json`);
  assert.notEqual(jwks.status, 200, 'a deleted pool publishes no keys');
  await jwks.text();
});

test('UpdateUserPool: what it names is set, what it leaves out goes back to its default, what is fixed at creation stays', async () => {
  const p = (await idp.send(new CreateUserPoolCommand({ PoolName: 'upd', UsernameAttributes: ['email'], Policies: { PasswordPolicy: { MinimumLength: 12 } } }))).UserPool!;
  const fn = 'arn:aws:lambda:us-east-1:000000000000:function:pre-signup';
  await idp.send(new UpdateUserPoolCommand({ UserPoolId: p.Id, LambdaConfig: { PreSignUp: fn }, MfaConfiguration: 'OFF', DeletionProtection: 'ACTIVE', PoolName: 'renamed' }));
  let d = (await idp.send(new DescribeUserPoolCommand({ UserPoolId: p.Id }))).UserPool!;
  assert.deepEqual({ name: d.Name, trigger: d.LambdaConfig?.PreSignUp, protection: d.DeletionProtection, min: d.Policies?.PasswordPolicy?.MinimumLength }, { name: 'renamed', trigger: fn, protection: 'ACTIVE', min: 8 });
  assert.deepEqual(d.UsernameAttributes, ['email'], 'fixed at creation');
  assert.ok(d.LastModifiedDate! >= d.CreationDate!);
  // the API's warning: a second update that leaves LambdaConfig out removes the trigger
  await idp.send(new UpdateUserPoolCommand({ UserPoolId: p.Id, AutoVerifiedAttributes: ['email'] }));
  d = (await idp.send(new DescribeUserPoolCommand({ UserPoolId: p.Id }))).UserPool!;
  assert.deepEqual({ name: d.Name, trigger: d.LambdaConfig?.PreSignUp, protection: d.DeletionProtection, verified: d.AutoVerifiedAttributes }, { name: 'renamed', trigger: undefined, protection: 'INACTIVE', verified: ['email'] });
  await assert.rejects(idp.send(new UpdateUserPoolCommand({ UserPoolId: 'us-east-1_nosuchpoo' })), (e: Error) => e.name === 'ResourceNotFoundException');
  await assert.rejects(idp.send(new UpdateUserPoolCommand({ UserPoolId: p.Id, Policies: { PasswordPolicy: { MinimumLength: 5 } } })), (e: Error) => e.name === 'ValidationException');
});

test('app clients: secret, flows, token validity units and their limits, list, delete', async () => {
  const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'clients' }))).UserPool!;
  const cl = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id, ClientName: 'web', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], IdTokenValidity: 2, TokenValidityUnits: { IdToken: 'hours' } }))).UserPoolClient!;
  assert.match(cl.ClientId!, /^[a-z0-9]{26}$/);
  assert.ok(cl.ClientSecret && cl.ClientSecret.length >= 40);
  assert.equal(cl.AccessTokenValidity, 60);
  assert.deepEqual(cl.TokenValidityUnits, { AccessToken: 'minutes', IdToken: 'hours', RefreshToken: 'days' });
  const d = (await idp.send(new DescribeUserPoolClientCommand({ UserPoolId: pool.Id, ClientId: cl.ClientId }))).UserPoolClient!;
  assert.deepEqual(d.ExplicitAuthFlows, ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  assert.equal(d.ClientSecret, cl.ClientSecret);
  await assert.rejects(idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id, ClientName: 'x', IdTokenValidity: 2, TokenValidityUnits: { IdToken: 'days' } })), (e) => code(e) === 'InvalidParameterException');
  await assert.rejects(idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id, ClientName: 'x', ExplicitAuthFlows: ['USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] })), (e) => code(e) === 'InvalidParameterException');
  await idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool.Id, ClientName: 'mobile' }));
  const list = await idp.send(new ListUserPoolClientsCommand({ UserPoolId: pool.Id, MaxResults: 10 }));
  assert.deepEqual(list.UserPoolClients!.map((x) => x.ClientName), ['web', 'mobile']);
  await idp.send(new DeleteUserPoolClientCommand({ UserPoolId: pool.Id, ClientId: cl.ClientId }));
  await assert.rejects(idp.send(new DescribeUserPoolClientCommand({ UserPoolId: pool.Id, ClientId: cl.ClientId })), (e) => code(e) === 'ResourceNotFoundException');
});

test('password policy: InvalidPasswordException with AWS messages; custom policy', async () => {
  const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'policy' }))).UserPool!;
  const cases: [string, string][] = [
    ['Sh0rt!', 'Password not long enough'],
    ['NoDigits!!', 'Password must have numeric characters'],
    ['NOLOWER123!', 'Password must have lowercase characters'],
    ['noupper123!', 'Password must have uppercase characters'],
    ['NoSymbol123', 'Password must have symbol characters'],
  ];
  for (const [pw, why] of cases) {
    await assert.rejects(idp.send(new AdminCreateUserCommand({ UserPoolId: pool.Id, Username: 'u', TemporaryPassword: pw, MessageAction: 'SUPPRESS' })), (e) => {
      assert.equal(code(e), 'InvalidPasswordException');
      assert.equal((e as Error).message, `Password did not conform with policy: ${why}`);
      return true;
    });
  }
  const lax = (await idp.send(new CreateUserPoolCommand({ PoolName: 'lax', Policies: { PasswordPolicy: { MinimumLength: 6, RequireSymbols: false, RequireUppercase: false } } }))).UserPool!;
  assert.equal(lax.Policies?.PasswordPolicy?.RequireLowercase, true);
  await idp.send(new AdminCreateUserCommand({ UserPoolId: lax.Id, Username: 'u', TemporaryPassword: 'abc123', MessageAction: 'SUPPRESS' }));
});

test('users: AdminCreateUser, AdminSetUserPassword, AdminGetUser, ListUsers filter, AdminDeleteUser', async () => {
  const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'users' }))).UserPool!;
  const u = (await idp.send(new AdminCreateUserCommand({ UserPoolId: pool.Id, Username: 'alice', UserAttributes: [{ Name: 'email', Value: 'alice@example.com' }, { Name: 'email_verified', Value: 'true' }], MessageAction: 'SUPPRESS' }))).User!;
  assert.equal(u.UserStatus, 'FORCE_CHANGE_PASSWORD');
  assert.equal(u.Enabled, true);
  assert.match(u.Attributes!.find((a) => a.Name === 'sub')!.Value!, /^[0-9a-f-]{36}$/);
  await idp.send(new AdminCreateUserCommand({ UserPoolId: pool.Id, Username: 'bob', UserAttributes: [{ Name: 'email', Value: 'bob@example.com' }], TemporaryPassword: 'Temp-pass1', MessageAction: 'SUPPRESS' }));
  await assert.rejects(idp.send(new AdminCreateUserCommand({ UserPoolId: pool.Id, Username: 'bob', MessageAction: 'SUPPRESS' })), (e) => code(e) === 'UsernameExistsException' && (e as Error).message === 'User account already exists');
  await assert.rejects(idp.send(new AdminCreateUserCommand({ UserPoolId: pool.Id, Username: 'carol', UserAttributes: [{ Name: 'shoe_size', Value: '9' }] })), (e) => code(e) === 'InvalidParameterException');
  await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.Id, Username: 'alice', Password: 'Perm-pass1', Permanent: true }));
  const got = await idp.send(new AdminGetUserCommand({ UserPoolId: pool.Id, Username: 'alice' }));
  assert.equal(got.UserStatus, 'CONFIRMED');
  assert.equal(got.UserAttributes!.find((a) => a.Name === 'email')!.Value, 'alice@example.com');
  const filtered = await idp.send(new ListUsersCommand({ UserPoolId: pool.Id, Filter: 'email = "bob@example.com"' }));
  assert.deepEqual(filtered.Users!.map((x) => x.Username), ['bob']);
  const prefix = await idp.send(new ListUsersCommand({ UserPoolId: pool.Id, Filter: 'username ^= "al"' }));
  assert.deepEqual(prefix.Users!.map((x) => x.Username), ['alice']);
  const status = await idp.send(new ListUsersCommand({ UserPoolId: pool.Id, Filter: 'cognito:user_status = "FORCE_CHANGE_PASSWORD"' }));
  assert.deepEqual(status.Users!.map((x) => x.Username), ['bob']);
  await assert.rejects(idp.send(new ListUsersCommand({ UserPoolId: pool.Id, Filter: 'email == bob' })), (e) => code(e) === 'InvalidParameterException');
  await idp.send(new AdminDeleteUserCommand({ UserPoolId: pool.Id, Username: 'bob' }));
  await assert.rejects(idp.send(new AdminGetUserCommand({ UserPoolId: pool.Id, Username: 'bob' })), (e) => code(e) === 'UserNotFoundException' && (e as Error).message === 'User does not exist.');
});

test('email as username: the username must be an email, the user gets its sub as username', async () => {
  const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'email', UsernameAttributes: ['email'] }))).UserPool!;
  await assert.rejects(idp.send(new AdminCreateUserCommand({ UserPoolId: pool.Id, Username: 'notanemail', MessageAction: 'SUPPRESS' })), (e) => code(e) === 'InvalidParameterException');
  const u = (await idp.send(new AdminCreateUserCommand({ UserPoolId: pool.Id, Username: 'dan@example.com', MessageAction: 'SUPPRESS' }))).User!;
  assert.equal(u.Username, u.Attributes!.find((a) => a.Name === 'sub')!.Value);
  const got = await idp.send(new AdminGetUserCommand({ UserPoolId: pool.Id, Username: 'dan@example.com' }));
  assert.equal(got.Username, u.Username);
});

test('the AWS CLI and boto3 drive the same pools', async () => {
  const made = await awsCli(c, ['cognito-idp', 'create-user-pool', '--pool-name', 'cli-pool']);
  assert.equal(made.code, 0, made.stderr);
  const id = JSON.parse(made.stdout).UserPool.Id as string;
  const cl = await awsCli(c, ['cognito-idp', 'create-user-pool-client', '--user-pool-id', id, '--client-name', 'cli', '--explicit-auth-flows', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  assert.equal(cl.code, 0, cl.stderr);
  const clientId = JSON.parse(cl.stdout).UserPoolClient.ClientId as string;
  const bad = await awsCli(c, ['cognito-idp', 'admin-create-user', '--user-pool-id', id, '--username', 'x', '--temporary-password', 'short']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /InvalidPasswordException.*Password not long enough/);
  const r = await boto3(c, `
idp = boto3.client('cognito-idp', endpoint_url=endpoint)
pool = ${JSON.stringify(id)}
idp.admin_create_user(UserPoolId=pool, Username='py', MessageAction='SUPPRESS', UserAttributes=[{'Name': 'email', 'Value': 'py@example.com'}])
idp.admin_set_user_password(UserPoolId=pool, Username='py', Password='Py-pass-123', Permanent=True)
auth = idp.initiate_auth(ClientId=${JSON.stringify(clientId)}, AuthFlow='USER_PASSWORD_AUTH', AuthParameters={'USERNAME': 'py', 'PASSWORD': 'Py-pass-123'})
me = idp.get_user(AccessToken=auth['AuthenticationResult']['AccessToken'])
print(json.dumps({'pools': [p['Name'] for p in idp.list_user_pools(MaxResults=60)['UserPools']], 'me': me['Username']}))
`);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.pools.includes('cli-pool'));
  assert.equal(out.me, 'py');
  const listed = await awsCli(c, ['cognito-idp', 'list-users', '--user-pool-id', id, '--filter', 'email = "py@example.com"']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout).Users.map((u: { Username: string }) => u.Username), ['py']);
});
