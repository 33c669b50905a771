// Sign-up and sign-in through the SDK: SignUp with SECRET_HASH, the confirmation code read from Cumulus's code
// endpoint, USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH errors, NEW_PASSWORD_REQUIRED, refresh, GetUser,
// GlobalSignOut; token claims and RS256 signatures checked against the served JWKS; expiry on the virtual clock.
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, verify } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  AdminCreateUserCommand, AdminInitiateAuthCommand, AdminRespondToAuthChallengeCommand, CognitoIdentityProviderClient, ConfirmSignUpCommand,
  CreateUserPoolClientCommand, CreateUserPoolCommand, GetUserCommand, GlobalSignOutCommand, InitiateAuthCommand, RespondToAuthChallengeCommand, SignUpCommand,
  AdminGetUserCommand, AdminConfirmSignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { code, claimsOf } from './helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let poolId: string;
let clientId: string;
let secretClientId: string;
let secret: string;

const advance = async (seconds: number) => {
  const r = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
  assert.equal(r.status, 200);
  await r.text();
};
const now = async () => {
  // the virtual clock as Cumulus sees it, read back from a fresh token's iat
  const auth = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'erin', PASSWORD: 'Erin-pass-1' } }));
  return claimsOf(auth.AuthenticationResult!.IdToken!).iat as number;
};

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'auth', AutoVerifiedAttributes: ['email'], AliasAttributes: ['email'] }))).UserPool!.Id!;
  clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
  const sc = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'server', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!;
  secretClientId = sc.ClientId!;
  secret = sc.ClientSecret!;
  await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'erin', TemporaryPassword: 'Erin-pass-1', MessageAction: 'SUPPRESS' }));
  await idp.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'erin', PASSWORD: 'Erin-pass-1' } })).then(async (r) => {
    await idp.send(new AdminRespondToAuthChallengeCommand({ UserPoolId: poolId, ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: r.Session, ChallengeResponses: { USERNAME: 'erin', NEW_PASSWORD: 'Erin-pass-1' } }));
  });
});
after(async () => {
  idp.destroy();
  await c.stop();
});

test('SignUp with SECRET_HASH, then ConfirmSignUp with the code Cumulus serves; unconfirmed users cannot sign in', async () => {
  const hash = (u: string) => createHmac('sha256', secret).update(u + secretClientId).digest('base64');
  await assert.rejects(idp.send(new SignUpCommand({ ClientId: secretClientId, Username: 'frank', Password: 'Frank-pass-1' })), (e) => code(e) === 'NotAuthorizedException' && /SECRET_HASH was not received/.test((e as Error).message));
  await assert.rejects(idp.send(new SignUpCommand({ ClientId: secretClientId, Username: 'frank', Password: 'Frank-pass-1', SecretHash: hash('other') })), (e) => code(e) === 'NotAuthorizedException' && /Unable to verify secret hash/.test((e as Error).message));
  await assert.rejects(idp.send(new SignUpCommand({ ClientId: secretClientId, Username: 'frank', Password: 'weak', SecretHash: hash('frank') })), (e) => code(e) === 'InvalidPasswordException');
  const up = await idp.send(new SignUpCommand({ ClientId: secretClientId, Username: 'frank', Password: 'Frank-pass-1', SecretHash: hash('frank'), UserAttributes: [{ Name: 'email', Value: 'frank@example.com' }] }));
  assert.equal(up.UserConfirmed, false);
  assert.match(up.UserSub!, /^[0-9a-f-]{36}$/);
  assert.deepEqual(up.CodeDeliveryDetails, { Destination: 'f***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
  assert.equal((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'frank' }))).UserStatus, 'UNCONFIRMED');
  await assert.rejects(
    idp.send(new InitiateAuthCommand({ ClientId: secretClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'frank', PASSWORD: 'Frank-pass-1', SECRET_HASH: hash('frank') } })),
    (e) => code(e) === 'UserNotConfirmedException' && (e as Error).message === 'User is not confirmed.',
  );
  const res = await fetch(`${c.url}/_aws/cognito/codes/${poolId}/frank`);
  assert.equal(res.status, 200);
  const { code: confirmation } = (await res.json()) as { code: string };
  assert.match(confirmation, /^\d{6}$/);
  const wrong = confirmation === '000000' ? '111111' : '000000';
  await assert.rejects(idp.send(new ConfirmSignUpCommand({ ClientId: secretClientId, Username: 'frank', ConfirmationCode: wrong, SecretHash: hash('frank') })), (e) => code(e) === 'CodeMismatchException');
  await idp.send(new ConfirmSignUpCommand({ ClientId: secretClientId, Username: 'frank', ConfirmationCode: confirmation, SecretHash: hash('frank') }));
  const got = await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'frank' }));
  assert.equal(got.UserStatus, 'CONFIRMED');
  assert.equal(got.UserAttributes!.find((a) => a.Name === 'email_verified')?.Value, 'true');
  // signing in by the email alias
  const auth = await idp.send(new InitiateAuthCommand({ ClientId: secretClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'frank@example.com', PASSWORD: 'Frank-pass-1', SECRET_HASH: hash('frank@example.com') } }));
  assert.equal(claimsOf(auth.AuthenticationResult!.IdToken!)['cognito:username'], 'frank');
  await assert.rejects(idp.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: 'frank' })), (e) => code(e) === 'NotAuthorizedException');
});

test('wrong passwords, unknown users and disallowed flows', async () => {
  const attempt = (USERNAME: string, PASSWORD: string) => idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }));
  await assert.rejects(attempt('erin', 'Wrong-pass-1'), (e) => code(e) === 'NotAuthorizedException' && (e as Error).message === 'Incorrect username or password.');
  await assert.rejects(attempt('nobody', 'Wrong-pass-1'), (e) => code(e) === 'NotAuthorizedException' && (e as Error).message === 'Incorrect username or password.');
  await assert.rejects(
    idp.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: secretClientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'erin', PASSWORD: 'Erin-pass-1' } })),
    (e) => code(e) === 'InvalidParameterException' && /flow not enabled for this client/.test((e as Error).message),
  );
  await assert.rejects(idp.send(new InitiateAuthCommand({ ClientId: 'nosuchclient0000000000000', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'erin', PASSWORD: 'x' } })), (e) => code(e) === 'ResourceNotFoundException');
});

test('NEW_PASSWORD_REQUIRED: a created user answers the challenge and gets tokens', async () => {
  await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'gina', TemporaryPassword: 'Temp-pass-1', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'gina@example.com' }] }));
  const first = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'gina', PASSWORD: 'Temp-pass-1' } }));
  assert.equal(first.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  assert.ok(first.Session);
  assert.equal(first.AuthenticationResult, undefined);
  assert.equal(JSON.parse(first.ChallengeParameters!.userAttributes!).email, 'gina@example.com');
  await assert.rejects(
    idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: first.Session, ChallengeResponses: { USERNAME: 'gina', NEW_PASSWORD: 'weak' } })),
    (e) => code(e) === 'InvalidPasswordException',
  );
  await assert.rejects(
    idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'x'.repeat(40), ChallengeResponses: { USERNAME: 'gina', NEW_PASSWORD: 'Gina-pass-2' } })),
    (e) => code(e) === 'NotAuthorizedException',
  );
  const done = await idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: first.Session, ChallengeResponses: { USERNAME: 'gina', NEW_PASSWORD: 'Gina-pass-2' } }));
  assert.ok(done.AuthenticationResult?.IdToken && done.AuthenticationResult.AccessToken && done.AuthenticationResult.RefreshToken);
  assert.equal((await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'gina' }))).UserStatus, 'CONFIRMED');
  const again = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'gina', PASSWORD: 'Gina-pass-2' } }));
  assert.ok(again.AuthenticationResult?.IdToken);
});

test('tokens: AWS claims, RS256 signature verified with the served JWKS and discovery document', async () => {
  const auth = (await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'erin', PASSWORD: 'Erin-pass-1' } }))).AuthenticationResult!;
  assert.equal(auth.TokenType, 'Bearer');
  assert.equal(auth.ExpiresIn, 3600);
  const id = claimsOf(auth.IdToken!);
  const access = claimsOf(auth.AccessToken!);
  const iss = `https://cognito-idp.us-east-1.amazonaws.com/${poolId}`;
  assert.equal(id.iss, iss);
  assert.equal(id.aud, clientId);
  assert.equal(id.token_use, 'id');
  assert.equal(id['cognito:username'], 'erin');
  assert.equal(id.exp, (id.iat as number) + 3600);
  assert.equal(typeof id.auth_time, 'number');
  assert.equal(access.token_use, 'access');
  assert.equal(access.client_id, clientId);
  assert.equal(access.scope, 'aws.cognito.signin.user.admin');
  assert.equal(access.username, 'erin');
  assert.equal(access.sub, id.sub);
  const discovery = (await (await fetch(`${c.url}/${poolId}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  assert.equal(discovery.issuer, iss);
  const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string; n: string; e: string; kty: string; alg: string; use: string }[] };
  for (const token of [auth.IdToken!, auth.AccessToken!]) {
    const [h, p, s] = token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string; alg: string };
    assert.equal(header.alg, 'RS256');
    const jwk = jwks.keys.find((k) => k.kid === header.kid)!;
    assert.ok(jwk, 'the kid is in the JWKS');
    assert.equal(jwk.use, 'sig');
    const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
    assert.ok(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')));
    assert.ok(!verify('RSA-SHA256', Buffer.from(`${h}.${p}x`), key, Buffer.from(s, 'base64url')));
  }
  const me = await idp.send(new GetUserCommand({ AccessToken: auth.AccessToken }));
  assert.equal(me.Username, 'erin');
  await assert.rejects(idp.send(new GetUserCommand({ AccessToken: auth.IdToken })), (e) => code(e) === 'NotAuthorizedException');
});

test('refresh, expiry on the virtual clock, GlobalSignOut revokes', async () => {
  const auth = (await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'erin', PASSWORD: 'Erin-pass-1' } }))).AuthenticationResult!;
  const first = claimsOf(auth.IdToken!);
  await advance(3601);
  await assert.rejects(idp.send(new GetUserCommand({ AccessToken: auth.AccessToken })), (e) => code(e) === 'NotAuthorizedException' && (e as Error).message === 'Access Token has expired');
  const refreshed = (await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: auth.RefreshToken! } }))).AuthenticationResult!;
  assert.equal(refreshed.RefreshToken, undefined, 'a refresh returns no new refresh token');
  const second = claimsOf(refreshed.IdToken!);
  assert.equal(second.auth_time, first.auth_time);
  assert.equal(second.origin_jti, first.origin_jti);
  assert.ok((second.iat as number) >= (first.iat as number) + 3601);
  assert.ok((await now()) >= (second.iat as number));
  assert.equal((await idp.send(new GetUserCommand({ AccessToken: refreshed.AccessToken }))).Username, 'erin');
  await assert.rejects(idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'nonsense' } })), (e) => code(e) === 'NotAuthorizedException' && (e as Error).message === 'Invalid Refresh Token');
  await idp.send(new GlobalSignOutCommand({ AccessToken: refreshed.AccessToken }));
  await assert.rejects(idp.send(new GetUserCommand({ AccessToken: refreshed.AccessToken })), (e) => code(e) === 'NotAuthorizedException' && (e as Error).message === 'Access Token has been revoked');
  await assert.rejects(idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: auth.RefreshToken! } })), (e) => code(e) === 'NotAuthorizedException');
  // a refresh token lives as long as the client says (here 60 minutes rather than the default 30 days)
  const short = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'short', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], RefreshTokenValidity: 60, IdTokenValidity: 5, AccessTokenValidity: 5, TokenValidityUnits: { RefreshToken: 'minutes' } }))).UserPoolClient!.ClientId!;
  const late = (await idp.send(new InitiateAuthCommand({ ClientId: short, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'erin', PASSWORD: 'Erin-pass-1' } }))).AuthenticationResult!;
  assert.equal(late.ExpiresIn, 300);
  await advance(3601);
  await assert.rejects(idp.send(new InitiateAuthCommand({ ClientId: short, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: late.RefreshToken! } })), (e) => code(e) === 'NotAuthorizedException' && (e as Error).message === 'Refresh Token has expired');
});
