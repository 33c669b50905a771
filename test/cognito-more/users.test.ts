// AdminDisableUser / AdminEnableUser and DeleteUser through the SDK (and the AWS CLI): a disabled user is refused
// at sign-in and refresh and its tokens are revoked; enabled again it signs in; a user deleting itself is gone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AdminDisableUserCommand, AdminEnableUserCommand, AdminGetUserCommand, CognitoIdentityProviderClient,
  CreateUserPoolClientCommand, CreateUserPoolCommand, DeleteUserCommand, GetUserCommand, InitiateAuthCommand, ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { code, message, createConfirmedUser } from '../cognito/helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let poolId: string;
let clientId: string;


async function makeUser(name: string, password: string): Promise<void> {
  await createConfirmedUser(idp, poolId, name, password);
}
const signIn = (name: string, password: string) =>
  idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: name, PASSWORD: password } }));

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'standing' }))).UserPool!.Id!;
  clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
});
after(async () => {
  idp.destroy();
  await c.stop();
});

test('a disabled user is refused at sign-in and refresh, its tokens revoked; enabled again it signs in', async () => {
  await makeUser('dana', 'Dana-pass-1');
  const before = (await signIn('dana', 'Dana-pass-1')).AuthenticationResult!;
  await idp.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'dana' }));
  const got = await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'dana' }));
  assert.equal(got.Enabled, false);
  assert.equal(got.UserStatus, 'CONFIRMED');
  const listed = await idp.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'status = "Disabled"' }));
  assert.deepEqual(listed.Users!.map((u) => [u.Username, u.Enabled]), [['dana', false]]);
  await assert.rejects(signIn('dana', 'Dana-pass-1'), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'User is disabled.');
  await assert.rejects(
    idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: before.RefreshToken! } })),
    (e) => code(e) === 'NotAuthorizedException' && message(e) === 'User is disabled.',
  );
  await assert.rejects(idp.send(new GetUserCommand({ AccessToken: before.AccessToken })), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Access Token has been revoked');
  // disabling twice is no error
  await idp.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'dana' }));

  await idp.send(new AdminEnableUserCommand({ UserPoolId: poolId, Username: 'dana' }));
  assert.equal((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'dana' }))).Enabled, true);
  const again = (await signIn('dana', 'Dana-pass-1')).AuthenticationResult!;
  assert.equal((await idp.send(new GetUserCommand({ AccessToken: again.AccessToken }))).Username, 'dana');
  // what was revoked while disabled stays revoked
  await assert.rejects(
    idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: before.RefreshToken! } })),
    (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Refresh Token has been revoked',
  );
  await assert.rejects(idp.send(new GetUserCommand({ AccessToken: before.AccessToken })), (e) => code(e) === 'NotAuthorizedException');
});

test('AdminDisableUser / AdminEnableUser errors for unknown pools and users', async () => {
  for (const Command of [AdminDisableUserCommand, AdminEnableUserCommand]) {
    await assert.rejects(idp.send(new Command({ UserPoolId: 'us-east-1_nopool000', Username: 'dana' })), (e) => code(e) === 'ResourceNotFoundException' && message(e) === 'User pool us-east-1_nopool000 does not exist.');
    await assert.rejects(idp.send(new Command({ UserPoolId: poolId, Username: 'nobody' })), (e) => code(e) === 'UserNotFoundException' && message(e) === 'User does not exist.');
  }
});

test('the AWS CLI disables and enables a user', async () => {
  await makeUser('cli-user', 'Cli-pass-1');
  const off = await awsCli(c, ['cognito-idp', 'admin-disable-user', '--user-pool-id', poolId, '--username', 'cli-user']);
  assert.equal(off.code, 0, off.stderr);
  const got = await awsCli(c, ['cognito-idp', 'admin-get-user', '--user-pool-id', poolId, '--username', 'cli-user']);
  assert.equal((JSON.parse(got.stdout) as { Enabled: boolean }).Enabled, false);
  const on = await awsCli(c, ['cognito-idp', 'admin-enable-user', '--user-pool-id', poolId, '--username', 'cli-user']);
  assert.equal(on.code, 0, on.stderr);
  await signIn('cli-user', 'Cli-pass-1');
  const missing = await awsCli(c, ['cognito-idp', 'admin-disable-user', '--user-pool-id', poolId, '--username', 'ghost']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /UserNotFoundException/);
});

test('DeleteUser: the user deletes itself with its access token and is gone, its sign-ins with it', async () => {
  await makeUser('erin', 'Erin-pass-1');
  const auth = (await signIn('erin', 'Erin-pass-1')).AuthenticationResult!;
  await idp.send(new DeleteUserCommand({ AccessToken: auth.AccessToken }));
  await assert.rejects(idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'erin' })), (e) => code(e) === 'UserNotFoundException');
  await assert.rejects(signIn('erin', 'Erin-pass-1'), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Incorrect username or password.');
  await assert.rejects(idp.send(new GetUserCommand({ AccessToken: auth.AccessToken })), (e) => code(e) === 'UserNotFoundException' && message(e) === 'User does not exist.');
  await assert.rejects(idp.send(new DeleteUserCommand({ AccessToken: auth.AccessToken })), (e) => code(e) === 'UserNotFoundException');
  // a user created again under the same name does not inherit the old refresh token
  await makeUser('erin', 'Erin-pass-2');
  await assert.rejects(
    idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: auth.RefreshToken! } })),
    (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Invalid Refresh Token',
  );
  await assert.rejects(idp.send(new GetUserCommand({ AccessToken: auth.AccessToken })), (e) => code(e) === 'UserNotFoundException');
  await assert.rejects(idp.send(new DeleteUserCommand({ AccessToken: 'not.a.token' })), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Invalid Access Token');
  assert.equal((await idp.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'username = "erin"' }))).Users!.length, 1);
});
