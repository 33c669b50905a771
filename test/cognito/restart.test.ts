// Pools keep their signing key across a restart (--data-dir): tokens issued before it still verify, the JWKS
// is the same, and refresh tokens still work.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, GetUserCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { clientConfig, spawnCumulus } from '../helpers/cumulus.js';
import { createConfirmedUser } from './helpers.js';

test('tokens issued before a restart still verify after it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cumulus-cognito-'));
  try {
    let c = await spawnCumulus(['--data-dir', dir]);
    let idp = new CognitoIdentityProviderClient(clientConfig(c));
    const poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'durable' }))).UserPool!.Id!;
    const clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
    await createConfirmedUser(idp, poolId, 'jo', 'Jo-pass-123');
    const auth = (await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'jo', PASSWORD: 'Jo-pass-123' } }))).AuthenticationResult!;
    const before = await (await fetch(`${c.url}/${poolId}/.well-known/jwks.json`)).json();
    idp.destroy();
    await c.kill();
    c = await spawnCumulus(['--data-dir', dir]);
    idp = new CognitoIdentityProviderClient(clientConfig(c));
    try {
      assert.deepEqual(await (await fetch(`${c.url}/${poolId}/.well-known/jwks.json`)).json(), before);
      assert.equal((await idp.send(new GetUserCommand({ AccessToken: auth.AccessToken }))).Username, 'jo');
      const refreshed = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: auth.RefreshToken! } }));
      assert.ok(refreshed.AuthenticationResult?.IdToken);
    } finally {
      idp.destroy();
      await c.kill();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
