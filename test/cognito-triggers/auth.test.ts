// PreTokenGeneration, PreAuthentication and PostAuthentication through the SDK with a real Node function: claims
// added, overridden and suppressed in the ID token (V1_0) and in both tokens with scopes (V2_0), on sign-in,
// refresh and the new-password challenge with their trigger sources; a rejecting PreAuthentication; the order of
// the sign-in's events; a refresh runs no authentication trigger.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AdminCreateUserCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand,
  InitiateAuthCommand, RespondToAuthChallengeCommand, type LambdaConfigType,
} from '@aws-sdk/client-cognito-identity-provider';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { createRole } from '../lambda-invoke/fixture.js';
import { claimsOf, code, createTrigger, type Recorder } from './fixture.js';
import { createConfirmedUser } from '../cognito/helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let lambda: LambdaClient;
let trigger: Recorder;
let v1: { id: string; cid: string };

const newPool = async (name: string, LambdaConfig: LambdaConfigType) => {
  const id = (await idp.send(new CreateUserPoolCommand({ PoolName: name, LambdaConfig }))).UserPool!.Id!;
  const cid = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: id, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
  return { id, cid };
};
const addUser = async (poolId: string, name: string) => {
  await createConfirmedUser(idp, poolId, name, 'Secret-pass-1', [{ Name: 'email', Value: `${name}@example.com` }, { Name: 'family_name', Value: 'Doe' }, { Name: 'given_name', Value: 'Jo' }]);
};
const signIn = (p: { cid: string }, name: string, password = 'Secret-pass-1') =>
  idp.send(new InitiateAuthCommand({ ClientId: p.cid, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: name, PASSWORD: password }, ClientMetadata: { app: 'web' } }));

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  lambda = new LambdaClient(clientConfig(c));
  trigger = await createTrigger(lambda, await createRole(c), 'auth-trigger');
  v1 = await newPool('v1', { PreAuthentication: trigger.arn, PostAuthentication: trigger.arn, PreTokenGeneration: trigger.arn });
});
after(async () => {
  idp.destroy();
  lambda.destroy();
  await c.stop();
});

test('V1_0 PreTokenGeneration: the ID token carries added claims, loses suppressed ones and the overridden groups', async () => {
  await addUser(v1.id, 'alice');
  const r = (await signIn(v1, 'alice')).AuthenticationResult!;
  const id = claimsOf(r.IdToken!);
  assert.equal(id.tier, 'gold');
  assert.equal(id.source, 'TokenGeneration_Authentication');
  assert.equal(id.email, undefined);
  assert.equal(id.family_name, undefined);
  assert.equal(id.given_name, 'Jo');
  assert.deepEqual(id['cognito:groups'], ['vip']);
  // Cognito's own claims are not the function's to change
  assert.match(String(id.iss), new RegExp(`/${v1.id}$`));
  const access = claimsOf(r.AccessToken!);
  assert.equal(access.tier, undefined);
  assert.deepEqual(access['cognito:groups'], ['vip']);

  const events = trigger.events().filter((e) => e.userName === 'alice').map((e) => e.triggerSource);
  assert.deepEqual(events, ['PreAuthentication_Authentication', 'TokenGeneration_Authentication', 'PostAuthentication_Authentication']);
  const pre = trigger.events().find((e) => e.triggerSource === 'PreAuthentication_Authentication' && e.userName === 'alice')!;
  assert.deepEqual(pre.request.validationData, { app: 'web' });
  assert.equal(pre.request.userAttributes.email, 'alice@example.com');
  const tok = trigger.events().find((e) => e.triggerSource === 'TokenGeneration_Authentication' && e.userName === 'alice')!;
  assert.equal(tok.version, '1');
  assert.deepEqual(tok.request.groupConfiguration, { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null });
  assert.deepEqual(tok.response, { claimsOverrideDetails: null });

  // a refresh runs PreTokenGeneration only, with its own trigger source
  const before = trigger.events().length;
  const again = await idp.send(new InitiateAuthCommand({ ClientId: v1.cid, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: r.RefreshToken! } }));
  assert.equal(claimsOf(again.AuthenticationResult!.IdToken!).source, 'TokenGeneration_RefreshTokens');
  assert.deepEqual(trigger.events().slice(before).map((e) => e.triggerSource), ['TokenGeneration_RefreshTokens']);
});

test('a rejecting PreAuthentication fails the sign-in with its message, before the password is checked', async () => {
  await addUser(v1.id, 'blocked1');
  for (const password of ['Secret-pass-1', 'Wrong-pass-1']) {
    await assert.rejects(signIn(v1, 'blocked1', password), (e) => code(e) === 'UserLambdaValidationException' && (e as Error).message === 'PreAuthentication failed with error sign-in blocked.');
  }
  assert.ok(!trigger.events().some((e) => e.userName === 'blocked1' && e.triggerSource !== 'PreAuthentication_Authentication'));
});

test('USER_SRP_AUTH runs PreAuthentication when the sign-in starts: a rejected user gets no challenge', async () => {
  await addUser(v1.id, 'blocked2');
  await addUser(v1.id, 'carol');
  const srp = (name: string) => idp.send(new InitiateAuthCommand({ ClientId: v1.cid, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: name, SRP_A: 'ab'.repeat(64) } }));
  await assert.rejects(srp('blocked2'), (e) => code(e) === 'UserLambdaValidationException' && (e as Error).message === 'PreAuthentication failed with error sign-in blocked.');
  assert.equal((await srp('carol')).ChallengeName, 'PASSWORD_VERIFIER');
  assert.ok(trigger.events().some((e) => e.userName === 'carol' && e.triggerSource === 'PreAuthentication_Authentication'));
});

test('the new-password challenge issues its tokens with TokenGeneration_NewPasswordChallenge', async () => {
  await idp.send(new AdminCreateUserCommand({ UserPoolId: v1.id, Username: 'newbie', TemporaryPassword: 'Temp-pass-1', MessageAction: 'SUPPRESS' }));
  const ch = await signIn(v1, 'newbie', 'Temp-pass-1');
  assert.equal(ch.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  const done = await idp.send(new RespondToAuthChallengeCommand({ ClientId: v1.cid, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: ch.Session, ChallengeResponses: { USERNAME: 'newbie', NEW_PASSWORD: 'Newbie-pass-1' } }));
  assert.equal(claimsOf(done.AuthenticationResult!.IdToken!).source, 'TokenGeneration_NewPasswordChallenge');
});

test('V2_0 PreTokenGeneration (PreTokenGenerationConfig): claims in both tokens and an added scope', async () => {
  const v2 = await newPool('v2', { PreTokenGenerationConfig: { LambdaArn: trigger.arn, LambdaVersion: 'V2_0' } });
  await addUser(v2.id, 'bob');
  const r = (await signIn(v2, 'bob')).AuthenticationResult!;
  assert.equal(claimsOf(r.IdToken!).tier, 'gold');
  const access = claimsOf(r.AccessToken!);
  assert.equal(access.plan, 'pro');
  assert.deepEqual(String(access.scope).split(' ').sort(), ['aws.cognito.signin.user.admin', 'extra/read']);
  const ev = trigger.events().find((e) => e.userName === 'bob' && e.triggerSource === 'TokenGeneration_Authentication')!;
  assert.equal(ev.version, '2');
  assert.deepEqual(ev.request.scopes, ['aws.cognito.signin.user.admin']);
});
