// In strict SigV4 mode, the operations AWS serves unsigned (SignUp, InitiateAuth …) still work without a
// signature, while every other operation needs one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Cumulus } from '../../src/server/server.js';
import { startTestCumulus } from '../helpers/cumulus.js';

let c: Cumulus;
before(async () => {
  c = await startTestCumulus({ strictSigV4: true });
});
after(() => c.stop());

const call = (op: string, body: unknown) =>
  fetch(`${c.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}` },
    body: JSON.stringify(body),
  });

test('an unsigned InitiateAuth reaches Cognito; an unsigned ListUserPools is refused', async () => {
  const auth = await call('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'abcdefghijklmnopqrstuvwxyz', AuthParameters: { USERNAME: 'u', PASSWORD: 'p' } });
  const body = (await auth.json()) as { __type: string };
  assert.notEqual(body.__type, 'MissingAuthenticationToken');
  assert.ok(auth.status === 400 || auth.status === 404, `${auth.status} ${JSON.stringify(body)}`);

  const list = await call('ListUserPools', { MaxResults: 10 });
  assert.equal(list.status, 403);
  assert.match(((await list.json()) as { __type: string }).__type, /MissingAuthenticationToken/);
});
