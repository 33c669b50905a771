// PreSignUp and PostConfirmation through the SDK with a real Node function: auto-confirmation and verification,
// a rejecting function (the error reaches the SDK, no user exists), the events' shape, PostConfirmation on
// ConfirmSignUp / AdminConfirmSignUp / ConfirmForgotPassword, and the errors when Cognito may not invoke.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AdminConfirmSignUpCommand, AdminCreateUserCommand, AdminUpdateUserAttributesCommand, AdminGetUserCommand, CognitoIdentityProviderClient, ConfirmForgotPasswordCommand, ConfirmSignUpCommand,
  CreateUserPoolClientCommand, CreateUserPoolCommand, ForgotPasswordCommand, InitiateAuthCommand, SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { createRole } from '../lambda-invoke/fixture.js';
import { code, createTrigger, type Recorder } from './fixture.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let lambda: LambdaClient;
let trigger: Recorder;
let poolId: string;
let clientId: string;

const attrsOf = async (username: string) => {
  const u = await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }));
  return { status: u.UserStatus, attrs: Object.fromEntries((u.UserAttributes ?? []).map((a) => [a.Name, a.Value])) };
};
const codeOf = async (username: string, purpose?: string) => {
  const r = await fetch(`${c.url}/_aws/cognito/codes/${poolId}/${username}${purpose ? `?purpose=${purpose}` : ''}`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { code: string }).code;
};
const newPool = async (name: string, LambdaConfig: Record<string, string>) => {
  const id = (await idp.send(new CreateUserPoolCommand({ PoolName: name, AutoVerifiedAttributes: ['email'], LambdaConfig }))).UserPool!.Id!;
  const cid = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: id, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
  return { id, cid };
};

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  lambda = new LambdaClient(clientConfig(c));
  const role = await createRole(c);
  trigger = await createTrigger(lambda, role, 'signup-trigger');
  ({ id: poolId, cid: clientId } = await newPool('signup', { PreSignUp: trigger.arn, PostConfirmation: trigger.arn }));
});
after(async () => {
  idp.destroy();
  lambda.destroy();
  await c.stop();
});

test('PreSignUp auto-confirms and verifies: the user signs in without ConfirmSignUp; the event has AWS shape', async () => {
  const up = await idp.send(new SignUpCommand({
    ClientId: clientId, Username: 'trusty', Password: 'Trusty-pass-1',
    UserAttributes: [{ Name: 'email', Value: 'trusty@trusted.example' }],
    ValidationData: [{ Name: 'captcha', Value: 'ok' }], ClientMetadata: { from: 'test' },
  }));
  assert.equal(up.UserConfirmed, true);
  assert.equal(up.CodeDeliveryDetails, undefined);
  const u = await attrsOf('trusty');
  assert.equal(u.status, 'CONFIRMED');
  assert.equal(u.attrs.email_verified, 'true');
  const auth = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'trusty', PASSWORD: 'Trusty-pass-1' } }));
  assert.ok(auth.AuthenticationResult?.IdToken);
  const ev = trigger.events().find((e) => e.triggerSource === 'PreSignUp_SignUp' && e.userName === 'trusty')!;
  assert.equal(ev.version, '1');
  assert.equal(ev.region, 'us-east-1');
  assert.equal(ev.userPoolId, poolId);
  assert.equal(ev.callerContext.clientId, clientId);
  assert.equal(typeof ev.callerContext.awsSdkVersion, 'string');
  assert.equal(ev.request.userAttributes.email, 'trusty@trusted.example');
  assert.deepEqual(ev.request.validationData, { captcha: 'ok' });
  assert.deepEqual(ev.request.clientMetadata, { from: 'test' });
  assert.deepEqual(ev.response, { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
});

test('a failing PreSignUp: UserLambdaValidationException with the function\'s message, and no user is created', async () => {
  await assert.rejects(
    idp.send(new SignUpCommand({ ClientId: clientId, Username: 'baduser', Password: 'Baduser-pass-1' })),
    (e) => code(e) === 'UserLambdaValidationException' && (e as Error).message === 'PreSignUp failed with error bad users are not welcome.',
  );
  await assert.rejects(idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'baduser' })), (e) => code(e) === 'UserNotFoundException');
  await assert.rejects(
    idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'badadmin', MessageAction: 'SUPPRESS' })),
    (e) => code(e) === 'UserLambdaValidationException' && /^PreSignUp failed with error bad users are not welcome\.$/.test((e as Error).message),
  );
  await assert.rejects(idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'badadmin' })), (e) => code(e) === 'UserNotFoundException');
});

test('AdminCreateUser runs PreSignUp_AdminCreateUser: verification applies, the user still must change its password', async () => {
  await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'staff', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'staff@trusted.example' }] }));
  const u = await attrsOf('staff');
  assert.equal(u.status, 'FORCE_CHANGE_PASSWORD');
  assert.equal(u.attrs.email_verified, 'true');
  const ev = trigger.events().find((e) => e.triggerSource === 'PreSignUp_AdminCreateUser' && e.userName === 'staff')!;
  assert.equal(ev.callerContext.clientId, 'CLIENT_ID_NOT_APPLICABLE');
});

test('PostConfirmation sees the confirmed user: ConfirmSignUp, AdminConfirmSignUp, ConfirmForgotPassword', async () => {
  await idp.send(new SignUpCommand({ ClientId: clientId, Username: 'plain', Password: 'Plain-pass-1', UserAttributes: [{ Name: 'email', Value: 'plain@example.com' }] }));
  assert.equal((await attrsOf('plain')).status, 'UNCONFIRMED');
  await idp.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: 'plain', ConfirmationCode: await codeOf('plain'), ClientMetadata: { step: 'confirm' } }));
  const confirmed = trigger.events().find((e) => e.triggerSource === 'PostConfirmation_ConfirmSignUp' && e.userName === 'plain')!;
  assert.equal(confirmed.request.userAttributes['cognito:user_status'], 'CONFIRMED');
  assert.equal(confirmed.request.userAttributes.email_verified, 'true');
  assert.match(confirmed.request.userAttributes.sub, /^[0-9a-f-]{36}$/);
  assert.deepEqual(confirmed.request.clientMetadata, { step: 'confirm' });
  assert.equal(confirmed.callerContext.clientId, clientId);

  await idp.send(new SignUpCommand({ ClientId: clientId, Username: 'byadmin', Password: 'Byadmin-pass-1' }));
  await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: 'byadmin' }));
  assert.ok(trigger.events().some((e) => e.triggerSource === 'PostConfirmation_ConfirmSignUp' && e.userName === 'byadmin'));

  await idp.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'plain' }));
  await idp.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: 'plain', ConfirmationCode: await codeOf('plain', 'forgot_password'), Password: 'Plain-pass-2' }));
  assert.ok(trigger.events().some((e) => e.triggerSource === 'PostConfirmation_ConfirmForgotPassword' && e.userName === 'plain'));
});

test('CustomMessage writes the message of each code: the code endpoint serves it with the code, which still confirms', async () => {
  const p = await newPool('messages', { CustomMessage: trigger.arn });
  await idp.send(new SignUpCommand({ ClientId: p.cid, Username: 'dana', Password: 'Dana-pass-1', UserAttributes: [{ Name: 'email', Value: 'dana@example.com' }] }));
  const served = async (username: string, purpose?: string) => {
    const r = await fetch(`${c.url}/_aws/cognito/codes/${p.id}/${username}${purpose ? `?purpose=${purpose}` : ''}`);
    assert.equal(r.status, 200);
    return (await r.json()) as { code: string; message?: { emailSubject?: string; emailMessage?: string } };
  };
  const first = await served('dana');
  assert.deepEqual(first.message, { emailSubject: 'Hello dana', emailMessage: `CustomMessage_SignUp: your code is ${first.code}` });
  const ev = trigger.events().find((e) => e.triggerSource === 'CustomMessage_SignUp' && e.userName === 'dana')!;
  assert.equal(ev.request.codeParameter, '{####}');
  assert.equal(ev.request.userAttributes.email, 'dana@example.com');
  assert.deepEqual(ev.response, { smsMessage: null, emailMessage: null, emailSubject: null });
  await idp.send(new ConfirmSignUpCommand({ ClientId: p.cid, Username: 'dana', ConfirmationCode: first.code }));
  await idp.send(new AdminUpdateUserAttributesCommand({ UserPoolId: p.id, Username: 'dana', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
  await idp.send(new ForgotPasswordCommand({ ClientId: p.cid, Username: 'dana' }));
  const reset = await served('dana', 'forgot_password');
  assert.equal(reset.message?.emailMessage, `CustomMessage_ForgotPassword: your code is ${reset.code}`);
  // a failing CustomMessage fails the request with its message
  await assert.rejects(
    idp.send(new SignUpCommand({ ClientId: p.cid, Username: 'mute', Password: 'Mute-pass-1' })),
    (e) => code(e) === 'UserLambdaValidationException' && (e as Error).message === 'CustomMessage failed with error no message for you.',
  );
});

test('a function Cognito may not invoke, or one that does not exist: UnexpectedLambdaException, no user', async () => {
  const role = await createRole(c, 'other-exec');
  const closed = await createTrigger(lambda, role, 'closed-trigger', false);
  const p = await newPool('closed', { PreSignUp: closed.arn });
  await assert.rejects(
    idp.send(new SignUpCommand({ ClientId: p.cid, Username: 'someone', Password: 'Someone-pass-1' })),
    (e) => code(e) === 'UnexpectedLambdaException' && (e as Error).message === 'PreSignUp invocation failed due to error AccessDeniedException.',
  );
  assert.equal(closed.events().length, 0);
  const missing = await newPool('missing', { PreSignUp: closed.arn.replace('closed-trigger', 'no-such-function') });
  await assert.rejects(
    idp.send(new SignUpCommand({ ClientId: missing.cid, Username: 'someone', Password: 'Someone-pass-1' })),
    (e) => code(e) === 'UnexpectedLambdaException' && (e as Error).message === 'PreSignUp invocation failed due to error ResourceNotFoundException.',
  );
  await assert.rejects(idp.send(new AdminGetUserCommand({ UserPoolId: missing.id, Username: 'someone' })), (e) => code(e) === 'UserNotFoundException');
});
