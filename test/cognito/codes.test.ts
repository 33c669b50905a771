// Codes Cognito would mail, read from Cumulus's code endpoint: ForgotPassword / ConfirmForgotPassword (with a
// SECRET_HASH client, a wrong and an expired code), AdminResetUserPassword (PasswordResetRequiredException until
// the reset is confirmed), ResendConfirmationCode (the old code refused), attribute verification after an email
// change, and PreventUserExistenceErrors for unknown users.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  AdminCreateUserCommand, AdminGetUserCommand, AdminResetUserPasswordCommand, CognitoIdentityProviderClient, ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, ForgotPasswordCommand, GetUserAttributeVerificationCodeCommand, GetUserCommand,
  InitiateAuthCommand, ResendConfirmationCodeCommand, SignUpCommand, UpdateUserAttributesCommand, VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { createConfirmedUser } from './helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let poolId: string;
let clientId: string;
let legacyClientId: string;
let secretClientId: string;
let secret: string;

const name = (e: unknown) => (e as { name?: string }).name;
const is = (code: string, message?: string) => (e: unknown) => {
  assert.equal(name(e), code, String(e));
  if (message !== undefined) assert.equal((e as Error).message, message);
  return true;
};
const hash = (u: string) => createHmac('sha256', secret).update(u + secretClientId).digest('base64');
const codeOf = async (username: string, purpose?: string) => {
  const r = await fetch(`${c.url}/_aws/cognito/codes/${poolId}/${username}${purpose ? `?purpose=${purpose}` : ''}`);
  assert.equal(r.status, 200);
  const body = (await r.json()) as { code: string; purpose: string };
  assert.match(body.code, /^\d{6}$/);
  return body;
};
const other = (code: string) => (code === '000000' ? '111111' : '000000');
const signIn = (username: string, password: string) =>
  idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
/** A CONFIRMED user with a verified email. */
const confirmedUser = async (username: string, password: string) => {
  await createConfirmedUser(idp, poolId, username, password, [{ Name: 'email', Value: `${username}@example.com` }, { Name: 'email_verified', Value: 'true' }]);
};

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'codes', AutoVerifiedAttributes: ['email'] }))).UserPool!.Id!;
  const flows = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] as const;
  clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: [...flows], PreventUserExistenceErrors: 'ENABLED' }))).UserPoolClient!.ClientId!;
  legacyClientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'legacy', ExplicitAuthFlows: [...flows], PreventUserExistenceErrors: 'LEGACY' }))).UserPoolClient!.ClientId!;
  const sc = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'server', GenerateSecret: true, ExplicitAuthFlows: [...flows] }))).UserPoolClient!;
  secretClientId = sc.ClientId!;
  secret = sc.ClientSecret!;
});
after(async () => {
  idp.destroy();
  await c.stop();
});

test('ForgotPassword with SECRET_HASH, the code from the endpoint, a wrong code, then sign-in with the new password', async () => {
  await confirmedUser('hana', 'Hana-pass-1');
  await assert.rejects(idp.send(new ForgotPasswordCommand({ ClientId: secretClientId, Username: 'hana' })), is('NotAuthorizedException'));
  const sent = await idp.send(new ForgotPasswordCommand({ ClientId: secretClientId, Username: 'hana', SecretHash: hash('hana') }));
  assert.deepEqual(sent.CodeDeliveryDetails, { Destination: 'h***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
  const { code, purpose } = await codeOf('hana');
  assert.equal(purpose, 'forgot_password');
  assert.equal((await codeOf('hana', 'forgot_password')).code, code);
  const confirm = (ConfirmationCode: string, Password: string) =>
    idp.send(new ConfirmForgotPasswordCommand({ ClientId: secretClientId, Username: 'hana', SecretHash: hash('hana'), ConfirmationCode, Password }));
  await assert.rejects(confirm(other(code), 'Hana-new-pass-2'), is('CodeMismatchException', 'Invalid verification code provided, please try again.'));
  await assert.rejects(confirm(code, 'weak'), is('InvalidPasswordException'));
  await confirm(code, 'Hana-new-pass-2');
  // the code is used up
  await assert.rejects(confirm(code, 'Hana-new-pass-3'), is('CodeMismatchException'));
  await assert.rejects(signIn('hana', 'Hana-pass-1'), is('NotAuthorizedException', 'Incorrect username or password.'));
  const auth = await signIn('hana', 'Hana-new-pass-2');
  assert.ok(auth.AuthenticationResult?.AccessToken);
});

test('ForgotPassword: no verified email is InvalidParameterException; unknown users per PreventUserExistenceErrors', async () => {
  await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'ivan', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'ivan@example.com' }] }));
  await assert.rejects(
    idp.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'ivan' })),
    is('InvalidParameterException', 'Cannot reset password for the user as there is no registered/verified email or phone_number'),
  );
  await assert.rejects(idp.send(new ForgotPasswordCommand({ ClientId: legacyClientId, Username: 'nobody' })), is('UserNotFoundException', 'User does not exist.'));
  const simulated = await idp.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'nobody@example.com' }));
  assert.deepEqual(simulated.CodeDeliveryDetails, { Destination: 'n***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
  await assert.rejects(idp.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: 'nobody', ConfirmationCode: '123456', Password: 'Nobody-pass-1' })), is('CodeMismatchException'));
});

test('AdminResetUserPassword: PasswordResetRequiredException at sign-in until ConfirmForgotPassword', async () => {
  await confirmedUser('jade', 'Jade-pass-1');
  await idp.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: 'jade' }));
  assert.equal((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'jade' }))).UserStatus, 'RESET_REQUIRED');
  await assert.rejects(signIn('jade', 'Jade-pass-1'), is('PasswordResetRequiredException'));
  const { code } = await codeOf('jade', 'forgot_password');
  await idp.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: 'jade', ConfirmationCode: code, Password: 'Jade-new-pass-2' }));
  assert.equal((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'jade' }))).UserStatus, 'CONFIRMED');
  assert.ok((await signIn('jade', 'Jade-new-pass-2')).AuthenticationResult?.IdToken);
});

test('ResendConfirmationCode replaces the sign-up code; a confirmed user is refused', async () => {
  const up = await idp.send(new SignUpCommand({ ClientId: clientId, Username: 'kim', Password: 'Kim-pass-1', UserAttributes: [{ Name: 'email', Value: 'kim@example.com' }] }));
  assert.equal(up.UserConfirmed, false);
  const first = await codeOf('kim', 'signup');
  const again = await idp.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: 'kim' }));
  assert.deepEqual(again.CodeDeliveryDetails, { Destination: 'k***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
  const second = await codeOf('kim');
  assert.equal(second.purpose, 'signup');
  if (second.code !== first.code) {
    await assert.rejects(idp.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: 'kim', ConfirmationCode: first.code })), is('CodeMismatchException'));
  }
  await idp.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: 'kim', ConfirmationCode: second.code }));
  await assert.rejects(idp.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: 'kim' })), is('InvalidParameterException', 'User is already confirmed.'));
  assert.ok((await signIn('kim', 'Kim-pass-1')).AuthenticationResult);
});

test('attribute verification after UpdateUserAttributes changed the email', async () => {
  await confirmedUser('lena', 'Lena-pass-1');
  const token = (await signIn('lena', 'Lena-pass-1')).AuthenticationResult!.AccessToken!;
  const verified = async () => (await idp.send(new GetUserCommand({ AccessToken: token }))).UserAttributes!.find((a) => a.Name === 'email_verified')?.Value;
  const upd = await idp.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'lena@new.example' }] }));
  assert.deepEqual(upd.CodeDeliveryDetailsList, [{ Destination: 'l***@n***', DeliveryMedium: 'EMAIL', AttributeName: 'email' }]);
  assert.equal(await verified(), 'false');
  const got = await idp.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'email' }));
  assert.deepEqual(got.CodeDeliveryDetails, { Destination: 'l***@n***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
  const { code, purpose } = await codeOf('lena');
  assert.equal(purpose, 'email');
  await assert.rejects(idp.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: other(code) })), is('CodeMismatchException', 'Invalid verification code provided, please try again.'));
  await assert.rejects(idp.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'name' })), is('InvalidParameterException'));
  await idp.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: code }));
  assert.equal(await verified(), 'true');
});

test('a password-reset code expires after an hour on the virtual clock', async () => {
  await confirmedUser('milo', 'Milo-pass-1');
  await idp.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'milo' }));
  const { code } = await codeOf('milo', 'forgot_password');
  const r = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 3601 }) });
  assert.equal(r.status, 200);
  await r.text();
  await assert.rejects(
    idp.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: 'milo', ConfirmationCode: code, Password: 'Milo-new-pass-2' })),
    is('ExpiredCodeException', 'Invalid code provided, please request a code again.'),
  );
  assert.ok((await signIn('milo', 'Milo-pass-1')).AuthenticationResult);
});
