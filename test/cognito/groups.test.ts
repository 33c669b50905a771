// User pool groups and user management through the SDK: groups with precedence and roles, membership, the
// cognito:groups / cognito:roles / cognito:preferred_role claims on sign-in, refresh and the NEW_PASSWORD_REQUIRED
// answer; AWS's errors for unknown groups and users; attribute updates and deletes (admin and with an access
// token); ChangePassword; one AWS CLI call.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminDeleteUserAttributesCommand, AdminDeleteUserCommand, AdminGetUserCommand, AdminInitiateAuthCommand,
  AdminListGroupsForUserCommand, AdminRemoveUserFromGroupCommand, AdminUpdateUserAttributesCommand, ChangePasswordCommand,
  CognitoIdentityProviderClient, CreateGroupCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, DeleteGroupCommand, DeleteUserAttributesCommand,
  GetGroupCommand, GetUserCommand, InitiateAuthCommand, ListGroupsCommand, ListUsersInGroupCommand, RespondToAuthChallengeCommand, UpdateGroupCommand,
  UpdateUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { code, message, claimsOf, createConfirmedUser } from './helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let poolId: string;
let clientId: string;

const ROLE_A = 'arn:aws:iam::000000000000:role/admins';
const ROLE_B = 'arn:aws:iam::000000000000:role/editors';

async function signIn(username: string, password = 'Pass-word-1') {
  return (await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }))).AuthenticationResult!;
}

async function newUser(username: string, attrs: { Name: string; Value: string }[] = []) {
  await createConfirmedUser(idp, poolId, username, 'Pass-word-1', attrs);
}

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  poolId = (await idp.send(new CreateUserPoolCommand({
    PoolName: 'groups',
    Schema: [{ Name: 'tenant', AttributeDataType: 'String', Mutable: false }, { Name: 'email', AttributeDataType: 'String', Required: true }],
  }))).UserPool!.Id!;
  clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
});
after(async () => {
  idp.destroy();
  await c.stop();
});

test('groups: create, get, list with paging, update, and AWS errors for duplicates and unknown groups', async () => {
  const made = await idp.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'g-admins', Description: 'admins', RoleArn: ROLE_A, Precedence: 1 }));
  assert.equal(made.Group!.GroupName, 'g-admins');
  assert.equal(made.Group!.UserPoolId, poolId);
  assert.equal(made.Group!.Precedence, 1);
  assert.ok(made.Group!.CreationDate instanceof Date);
  await idp.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'g-editors', RoleArn: ROLE_B, Precedence: 5 }));
  await idp.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'g-readers' }));
  await assert.rejects(idp.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'g-admins' })), (e) => code(e) === 'GroupExistsException' && /already exists/.test(message(e)));
  await assert.rejects(idp.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: 'nope' })), (e) => code(e) === 'ResourceNotFoundException' && message(e) === 'Group not found.');
  await assert.rejects(idp.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: 'nope', Precedence: 3 })), (e) => code(e) === 'ResourceNotFoundException' && message(e) === 'Group not found.');
  await assert.rejects(idp.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: 'nope' })), (e) => code(e) === 'ResourceNotFoundException');
  await assert.rejects(idp.send(new CreateGroupCommand({ UserPoolId: 'us-east-1_missing1', GroupName: 'x' })), (e) => code(e) === 'ResourceNotFoundException');

  const got = (await idp.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: 'g-admins' }))).Group!;
  assert.deepEqual([got.Description, got.RoleArn, got.Precedence], ['admins', ROLE_A, 1]);
  const updated = (await idp.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: 'g-readers', Description: 'read only', Precedence: 9 }))).Group!;
  assert.deepEqual([updated.Description, updated.Precedence], ['read only', 9]);

  const first = await idp.send(new ListGroupsCommand({ UserPoolId: poolId, Limit: 2 }));
  assert.equal(first.Groups!.length, 2);
  assert.ok(first.NextToken);
  const rest = await idp.send(new ListGroupsCommand({ UserPoolId: poolId, Limit: 2, NextToken: first.NextToken }));
  assert.equal(rest.NextToken, undefined);
  assert.deepEqual([...first.Groups!, ...rest.Groups!].map((g) => g.GroupName).sort(), ['g-admins', 'g-editors', 'g-readers']);
});

test('membership puts cognito:groups in ID and access tokens on every issue path, ordered by precedence; removal takes it out', async () => {
  await newUser('gina', [{ Name: 'email', Value: 'gina@example.com' }]);
  for (const g of ['g-readers', 'g-editors', 'g-admins']) await idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'gina', GroupName: g }));
  // adding again is not an error
  await idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'gina', GroupName: 'g-admins' }));

  const listed = await idp.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'gina' }));
  assert.deepEqual(listed.Groups!.map((g) => g.GroupName), ['g-admins', 'g-editors', 'g-readers']);
  const members = await idp.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'g-editors' }));
  assert.deepEqual(members.Users!.map((u) => u.Username), ['gina']);

  const auth = await signIn('gina');
  const id = claimsOf(auth.IdToken!);
  const access = claimsOf(auth.AccessToken!);
  assert.deepEqual(id['cognito:groups'], ['g-admins', 'g-editors', 'g-readers']);
  assert.deepEqual(access['cognito:groups'], ['g-admins', 'g-editors', 'g-readers']);
  assert.deepEqual(id['cognito:roles'], [ROLE_A, ROLE_B]);
  assert.equal(id['cognito:preferred_role'], ROLE_A);
  assert.equal(access['cognito:roles'], undefined);

  // admin sign-in too
  const adminAuth = (await idp.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'gina', PASSWORD: 'Pass-word-1' } }))).AuthenticationResult!;
  assert.deepEqual(claimsOf(adminAuth.AccessToken!)['cognito:groups'], ['g-admins', 'g-editors', 'g-readers']);

  // a tie at the top precedence with different roles: no preferred role
  await idp.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: 'g-editors', Precedence: 1 }));
  const tied = claimsOf((await signIn('gina')).IdToken!);
  assert.equal(tied['cognito:preferred_role'], undefined);
  assert.deepEqual(tied['cognito:groups'], ['g-admins', 'g-editors', 'g-readers']);
  await idp.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: 'g-editors', Precedence: 5 }));

  await idp.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: 'gina', GroupName: 'g-admins' }));
  // a refresh reflects the membership as it is now
  const refreshed = (await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: auth.RefreshToken! } }))).AuthenticationResult!;
  const rid = claimsOf(refreshed.IdToken!);
  assert.deepEqual(rid['cognito:groups'], ['g-editors', 'g-readers']);
  assert.equal(rid['cognito:preferred_role'], ROLE_B);
  assert.deepEqual(claimsOf(refreshed.AccessToken!)['cognito:groups'], ['g-editors', 'g-readers']);

  await idp.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: 'gina', GroupName: 'g-editors' }));
  await idp.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: 'gina', GroupName: 'g-readers' }));
  const none = await signIn('gina');
  for (const t of [none.IdToken!, none.AccessToken!]) assert.equal(claimsOf(t)['cognito:groups'], undefined);
  assert.equal(claimsOf(none.IdToken!)['cognito:roles'], undefined);
});

test('the NEW_PASSWORD_REQUIRED answer issues tokens with the groups', async () => {
  await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'newbie', TemporaryPassword: 'Temp-pass-1', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'newbie@example.com' }] }));
  await idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'newbie', GroupName: 'g-readers' }));
  const ch = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'newbie', PASSWORD: 'Temp-pass-1' } }));
  assert.equal(ch.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  const done = await idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: ch.Session, ChallengeResponses: { USERNAME: 'newbie', NEW_PASSWORD: 'Pass-word-1' } }));
  assert.deepEqual(claimsOf(done.AuthenticationResult!.IdToken!)['cognito:groups'], ['g-readers']);
  assert.deepEqual(claimsOf(done.AuthenticationResult!.AccessToken!)['cognito:groups'], ['g-readers']);
});

test('membership errors; deleting a group or a user removes the memberships', async () => {
  await newUser('del-user', [{ Name: 'email', Value: 'del@example.com' }]);
  await assert.rejects(idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'ghost', GroupName: 'g-readers' })), (e) => code(e) === 'UserNotFoundException' && message(e) === 'User does not exist.');
  await assert.rejects(idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'del-user', GroupName: 'nope' })), (e) => code(e) === 'ResourceNotFoundException' && message(e) === 'Group not found.');
  await assert.rejects(idp.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: 'ghost', GroupName: 'g-readers' })), (e) => code(e) === 'UserNotFoundException');
  await assert.rejects(idp.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'ghost' })), (e) => code(e) === 'UserNotFoundException' && message(e) === 'User does not exist.');
  await assert.rejects(idp.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'nope' })), (e) => code(e) === 'ResourceNotFoundException' && message(e) === 'Group not found.');

  await idp.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'temp', Precedence: 0 }));
  await idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'del-user', GroupName: 'temp' }));
  await idp.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'del-user', GroupName: 'g-readers' }));
  await idp.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: 'temp' }));
  assert.deepEqual((await idp.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'del-user' }))).Groups!.map((g) => g.GroupName), ['g-readers']);
  assert.deepEqual(claimsOf((await signIn('del-user')).IdToken!)['cognito:groups'], ['g-readers']);
  // a new group of the same name starts empty
  await idp.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'temp' }));
  assert.deepEqual((await idp.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'temp' }))).Users, []);

  await idp.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: 'del-user' }));
  assert.ok(!(await idp.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'g-readers' }))).Users!.some((u) => u.Username === 'del-user'));
  // a new user of the same name is in no group
  await newUser('del-user', [{ Name: 'email', Value: 'del2@example.com' }]);
  assert.deepEqual((await idp.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'del-user' }))).Groups, []);
});

test('attribute updates and deletes, by an administrator and with an access token, show in AdminGetUser and GetUser', async () => {
  await newUser('attr', [{ Name: 'email', Value: 'attr@example.com' }, { Name: 'email_verified', Value: 'true' }, { Name: 'custom:tenant', Value: 't1' }]);
  await idp.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: 'attr', UserAttributes: [{ Name: 'name', Value: 'Atty' }, { Name: 'email', Value: 'new@example.com' }] }));
  const got = await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'attr' }));
  const val = (list: { Name?: string; Value?: string }[] | undefined, n: string) => list?.find((a) => a.Name === n)?.Value;
  assert.equal(val(got.UserAttributes, 'name'), 'Atty');
  assert.equal(val(got.UserAttributes, 'email'), 'new@example.com');
  assert.equal(val(got.UserAttributes, 'email_verified'), 'false', 'a changed email is no longer verified');

  const bad = [
    { attrs: [{ Name: 'custom:tenant', Value: 't2' }], re: /Attribute cannot be updated/ },
    { attrs: [{ Name: 'custom:unknown', Value: 'x' }], re: /Attribute does not exist in the schema/ },
    { attrs: [{ Name: 'sub', Value: 'x' }], re: /sub/ },
  ];
  for (const b of bad) {
    await assert.rejects(idp.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: 'attr', UserAttributes: b.attrs })), (e) => code(e) === 'InvalidParameterException' && b.re.test(message(e)));
  }
  await assert.rejects(idp.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: 'ghost', UserAttributes: [{ Name: 'name', Value: 'x' }] })), (e) => code(e) === 'UserNotFoundException');
  await assert.rejects(idp.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: 'attr', UserAttributeNames: ['email'] })), (e) => code(e) === 'InvalidParameterException' && /required/.test(message(e)));
  await assert.rejects(idp.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: 'attr', UserAttributeNames: ['custom:tenant'] })), (e) => code(e) === 'InvalidParameterException');
  await idp.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: 'attr', UserAttributeNames: ['name'] }));
  assert.equal(val((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'attr' }))).UserAttributes, 'name'), undefined);

  const token = (await signIn('attr')).AccessToken!;
  await idp.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'given_name', Value: 'Ada' }] }));
  const me = await idp.send(new GetUserCommand({ AccessToken: token }));
  assert.equal(val(me.UserAttributes, 'given_name'), 'Ada');
  await idp.send(new DeleteUserAttributesCommand({ AccessToken: token, UserAttributeNames: ['given_name'] }));
  assert.equal(val((await idp.send(new GetUserCommand({ AccessToken: token }))).UserAttributes, 'given_name'), undefined);
  await assert.rejects(idp.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'custom:tenant', Value: 'x' }] })), (e) => code(e) === 'InvalidParameterException');
  await assert.rejects(idp.send(new UpdateUserAttributesCommand({ AccessToken: 'not-a-token', UserAttributes: [{ Name: 'name', Value: 'x' }] })), (e) => code(e) === 'NotAuthorizedException');
  // the new attributes are in the next ID token
  assert.equal(claimsOf((await signIn('attr')).IdToken!).email, 'new@example.com');
});

test('ChangePassword checks the previous password and the policy; the new password signs in', async () => {
  await newUser('chg', [{ Name: 'email', Value: 'chg@example.com' }]);
  const token = (await signIn('chg')).AccessToken!;
  await assert.rejects(idp.send(new ChangePasswordCommand({ AccessToken: token, PreviousPassword: 'Wrong-pass-1', ProposedPassword: 'New-pass-word-2' })), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Incorrect username or password.');
  await assert.rejects(idp.send(new ChangePasswordCommand({ AccessToken: token, PreviousPassword: 'Pass-word-1', ProposedPassword: 'weakpass' })), (e) => code(e) === 'InvalidPasswordException' && /Password did not conform with policy/.test(message(e)));
  await idp.send(new ChangePasswordCommand({ AccessToken: token, PreviousPassword: 'Pass-word-1', ProposedPassword: 'New-pass-word-2' }));
  await assert.rejects(signIn('chg'), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Incorrect username or password.');
  assert.ok((await signIn('chg', 'New-pass-word-2')).IdToken);
});

test('the AWS CLI creates a group', async () => {
  const r = await awsCli(c, ['cognito-idp', 'create-group', '--user-pool-id', poolId, '--group-name', 'cli-group', '--precedence', '7', '--description', 'from the CLI']);
  assert.equal(r.code, 0, r.stderr);
  const g = JSON.parse(r.stdout).Group;
  assert.deepEqual([g.GroupName, g.Precedence, g.Description, g.UserPoolId], ['cli-group', 7, 'from the CLI', poolId]);
  const dup = await awsCli(c, ['cognito-idp', 'create-group', '--user-pool-id', poolId, '--group-name', 'cli-group']);
  assert.notEqual(dup.code, 0);
  assert.match(dup.stderr, /GroupExistsException/);
});
