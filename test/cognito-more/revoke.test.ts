// RevokeToken: a revoked refresh token no longer refreshes, and the access tokens issued from it (at sign-in and
// by refreshes) are revoked, while the user's other sign-ins stay; clients with a secret must give it; errors.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, GetUserCommand,
  InitiateAuthCommand, RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { code, message, claimsOf, createConfirmedUser } from '../cognito/helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let poolId: string;
let clientId: string;

const flows = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] as const;

const signIn = (client: string, extra: Record<string, string> = {}) =>
  idp.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'gil', PASSWORD: 'Gil-pass-1', ...extra } })).then((r) => r.AuthenticationResult!);
const refresh = (client: string, token: string, extra: Record<string, string> = {}) =>
  idp.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: token, ...extra } })).then((r) => r.AuthenticationResult!);

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'revoke' }))).UserPool!.Id!;
  clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: [...flows] }))).UserPoolClient!.ClientId!;
  await createConfirmedUser(idp, poolId, 'gil', 'Gil-pass-1');
});
after(async () => {
  idp.destroy();
  await c.stop();
});

test('a revoked refresh token no longer refreshes and its access tokens are revoked; other sign-ins stay', async () => {
  const first = await signIn(clientId);
  const refreshed = await refresh(clientId, first.RefreshToken!);
  assert.equal(claimsOf(refreshed.AccessToken!).origin_jti, claimsOf(first.AccessToken!).origin_jti);
  const other = await signIn(clientId);

  await idp.send(new RevokeTokenCommand({ ClientId: clientId, Token: first.RefreshToken! }));
  await assert.rejects(refresh(clientId, first.RefreshToken!), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Refresh Token has been revoked');
  for (const token of [first.AccessToken!, refreshed.AccessToken!]) {
    await assert.rejects(idp.send(new GetUserCommand({ AccessToken: token })), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Access Token has been revoked');
  }
  // the user's other sign-in is untouched
  assert.equal((await idp.send(new GetUserCommand({ AccessToken: other.AccessToken }))).Username, 'gil');
  assert.ok((await refresh(clientId, other.RefreshToken!)).AccessToken);
  // revoking again, or a token Cognito never issued, is no error
  await idp.send(new RevokeTokenCommand({ ClientId: clientId, Token: first.RefreshToken! }));
  await idp.send(new RevokeTokenCommand({ ClientId: clientId, Token: 'never-issued' }));
});

test('a client with a secret revokes with it; the wrong client, a JWT or a client without revocation are refused', async () => {
  const sc = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'server', GenerateSecret: true, ExplicitAuthFlows: [...flows] }))).UserPoolClient!;
  const hash = createHmac('sha256', sc.ClientSecret!).update('gil' + sc.ClientId!).digest('base64');
  const auth = await signIn(sc.ClientId!, { SECRET_HASH: hash });
  await assert.rejects(idp.send(new RevokeTokenCommand({ ClientId: sc.ClientId!, Token: auth.RefreshToken! })), (e) => code(e) === 'UnauthorizedException');
  await assert.rejects(idp.send(new RevokeTokenCommand({ ClientId: sc.ClientId!, ClientSecret: 'x'.repeat(51), Token: auth.RefreshToken! })), (e) => code(e) === 'UnauthorizedException');
  // the token of another client
  await assert.rejects(idp.send(new RevokeTokenCommand({ ClientId: clientId, Token: auth.RefreshToken! })), (e) => code(e) === 'UnauthorizedException');
  assert.ok((await refresh(sc.ClientId!, auth.RefreshToken!, { SECRET_HASH: hash })).AccessToken, 'refused revocations revoke nothing');
  // an access token is not a refresh token
  await assert.rejects(idp.send(new RevokeTokenCommand({ ClientId: sc.ClientId!, ClientSecret: sc.ClientSecret!, Token: auth.AccessToken! })), (e) => code(e) === 'UnsupportedTokenTypeException');
  await idp.send(new RevokeTokenCommand({ ClientId: sc.ClientId!, ClientSecret: sc.ClientSecret!, Token: auth.RefreshToken! }));
  await assert.rejects(refresh(sc.ClientId!, auth.RefreshToken!, { SECRET_HASH: hash }), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Refresh Token has been revoked');

  const off = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'no-revoke', ExplicitAuthFlows: [...flows], EnableTokenRevocation: false }))).UserPoolClient!.ClientId!;
  const kept = await signIn(off);
  await assert.rejects(idp.send(new RevokeTokenCommand({ ClientId: off, Token: kept.RefreshToken! })), (e) => code(e) === 'UnsupportedOperationException');
  assert.ok((await refresh(off, kept.RefreshToken!)).AccessToken);
  await assert.rejects(idp.send(new RevokeTokenCommand({ ClientId: 'noclient0000000000000000000', Token: kept.RefreshToken! })), (e) => code(e) === 'ResourceNotFoundException');
});

test('the AWS CLI revokes a refresh token', async () => {
  const auth = await signIn(clientId);
  const r = await awsCli(c, ['cognito-idp', 'revoke-token', '--client-id', clientId, '--token', auth.RefreshToken!]);
  assert.equal(r.code, 0, r.stderr);
  await assert.rejects(refresh(clientId, auth.RefreshToken!), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Refresh Token has been revoked');
  await assert.rejects(idp.send(new GetUserCommand({ AccessToken: auth.AccessToken })), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Access Token has been revoked');
});
