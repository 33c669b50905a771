// USER_SRP_AUTH through the SDK with a client-side SRP written here after amazon-cognito-identity-js's
// AuthenticationHelper (a = 128 random bytes, A = g^a, x = H(salt || H(poolName || userId || ':' || password)),
// S = (B - k·g^x)^(a + u·x), HKDF 'Caldera Derived Key', HMAC claim over poolName, userId, secret block and
// timestamp): tokens that work with GetUser, wrong passwords, clients with a secret, NEW_PASSWORD_REQUIRED after
// the verifier, email-as-username pools (USER_ID_FOR_SRP is the sub), unknown users, disallowed flows.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  AdminCreateUserCommand, AdminInitiateAuthCommand, AdminRespondToAuthChallengeCommand, CognitoIdentityProviderClient,
  CreateUserPoolClientCommand, CreateUserPoolCommand, GetUserCommand, InitiateAuthCommand, RespondToAuthChallengeCommand, SignUpCommand, AdminConfirmSignUpCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { code, message, createConfirmedUser } from './helpers.js';

// ---- the client side of Cognito's SRP ----
const N = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
const g = 2n;
const big = (hex: string) => BigInt(`0x${hex}`);
function padHex(n: bigint): string {
  const h = n.toString(16);
  if (h.length % 2) return `0${h}`;
  return /^[89a-f]/.test(h) ? `00${h}` : h;
}
const hexHash = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex').padStart(64, '0');
const hash = (s: string) => createHash('sha256').update(s).digest('hex').padStart(64, '0');
function powMod(base: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let b = ((base % m) + m) % m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}
const k = big(hexHash(`${padHex(N)}${padHex(g)}`));
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
/** 'Tue Mar 5 09:04:05 UTC 2024', as the helper's DateHelper writes it */
function nowString(d = new Date()): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

class SrpClient {
  private readonly a: bigint;
  readonly A: bigint;
  constructor(private readonly poolId: string) {
    let a = 0n;
    let A = 0n;
    while (A % N === 0n) {
      a = big(randomBytes(128).toString('hex')) % N;
      A = powMod(g, a, N);
    }
    this.a = a;
    this.A = A;
  }
  get srpA() {
    return this.A.toString(16);
  }
  /** The PASSWORD_VERIFIER responses for a challenge's parameters. */
  respond(params: Record<string, string>, password: string, timestamp = nowString()): Record<string, string> {
    const poolName = this.poolId.split('_')[1]!;
    const userId = params.USER_ID_FOR_SRP!;
    const B = big(params.SRP_B!);
    assert.notEqual(B % N, 0n);
    const u = big(hexHash(padHex(this.A) + padHex(B)));
    assert.notEqual(u, 0n);
    const x = big(hexHash(padHex(big(params.SALT!)) + hash(`${poolName}${userId}:${password}`)));
    const S = powMod(B - k * powMod(g, x, N), this.a + u * x, N);
    const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex')).update(Buffer.from(padHex(S), 'hex')).digest();
    const key = createHmac('sha256', prk).update(Buffer.concat([Buffer.from('Caldera Derived Key'), Buffer.from([1])])).digest().subarray(0, 16);
    const message = Buffer.concat([Buffer.from(poolName), Buffer.from(userId), Buffer.from(params.SECRET_BLOCK!, 'base64'), Buffer.from(timestamp)]);
    return {
      USERNAME: userId,
      PASSWORD_CLAIM_SECRET_BLOCK: params.SECRET_BLOCK!,
      TIMESTAMP: timestamp,
      PASSWORD_CLAIM_SIGNATURE: createHmac('sha256', key).update(message).digest('base64'),
    };
  }
}

// ---- the tests ----
let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let poolId: string;
let clientId: string;
let legacyClientId: string;


async function srpSignIn(client: string, username: string, password: string, extra: { secret?: string; pool?: string } = {}) {
  const pool = extra.pool ?? poolId;
  const srp = new SrpClient(pool);
  const hashFor = (name: string) => createHmac('sha256', extra.secret!).update(name + client).digest('base64');
  const first: InitiateAuthCommandOutput = await idp.send(
    new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: username, SRP_A: srp.srpA, ...(extra.secret ? { SECRET_HASH: hashFor(username) } : {}) } }),
  );
  assert.equal(first.ChallengeName, 'PASSWORD_VERIFIER');
  const responses = srp.respond(first.ChallengeParameters!, password);
  // pycognito signs the second step with the name the user typed, not USER_ID_FOR_SRP
  if (extra.secret) responses.SECRET_HASH = hashFor(username);
  const second = await idp.send(new RespondToAuthChallengeCommand({ ClientId: client, ChallengeName: 'PASSWORD_VERIFIER', Session: first.Session, ChallengeResponses: responses }));
  return { first, second };
}

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'srp' }))).UserPool!.Id!;
  // no ExplicitAuthFlows: AWS's defaults include ALLOW_USER_SRP_AUTH
  clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web' }))).UserPoolClient!.ClientId!;
  legacyClientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'legacy', PreventUserExistenceErrors: 'LEGACY', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] }))).UserPoolClient!.ClientId!;
  await createConfirmedUser(idp, poolId, 'sam', 'Sam-pass-1!');
});
after(async () => {
  idp.destroy();
  await c.stop();
});

test('USER_SRP_AUTH: PASSWORD_VERIFIER challenge, then tokens that GetUser accepts', async () => {
  const { first, second } = await srpSignIn(clientId, 'sam', 'Sam-pass-1!');
  const p = first.ChallengeParameters!;
  assert.deepEqual(Object.keys(p).sort(), ['SALT', 'SECRET_BLOCK', 'SRP_B', 'USERNAME', 'USER_ID_FOR_SRP']);
  assert.equal(p.USER_ID_FOR_SRP, 'sam');
  assert.equal(p.USERNAME, 'sam');
  assert.match(p.SRP_B!, /^[0-9a-f]+$/);
  assert.match(p.SALT!, /^[0-9a-f]+$/);
  const auth = second.AuthenticationResult!;
  assert.ok(auth.IdToken && auth.AccessToken && auth.RefreshToken);
  assert.equal(auth.TokenType, 'Bearer');
  const me = await idp.send(new GetUserCommand({ AccessToken: auth.AccessToken }));
  assert.equal(me.Username, 'sam');
  // a secret block answers one proof only
  const srp = new SrpClient(poolId);
  const again = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'sam', SRP_A: srp.srpA } }));
  const responses = srp.respond(again.ChallengeParameters!, 'Sam-pass-1!');
  await idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: responses }));
  await assert.rejects(idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: responses })), (e) => code(e) === 'NotAuthorizedException');
});

test('a wrong password or a tampered signature is NotAuthorizedException', async () => {
  await assert.rejects(srpSignIn(clientId, 'sam', 'Wrong-pass-1!'), (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Incorrect username or password.');
  const srp = new SrpClient(poolId);
  const first = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'sam', SRP_A: srp.srpA } }));
  const honest = srp.respond(first.ChallengeParameters!, 'Sam-pass-1!');
  // the timestamp is part of what is signed
  const responses = { ...honest, TIMESTAMP: nowString(new Date(Date.UTC(2020, 0, 2, 3, 4, 5))) };
  await assert.rejects(
    idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: responses })),
    (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Incorrect username or password.',
  );
  // a failed proof used the challenge up: the right answer to it no longer counts
  await assert.rejects(
    idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: honest })),
    (e) => code(e) === 'NotAuthorizedException',
  );
  await assert.rejects(
    idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'sam' } })),
    (e) => code(e) === 'InvalidParameterException' && /SRP_A/.test(message(e)),
  );
});

test('unknown users: a stable simulated challenge that fails at the proof (ENABLED), UserNotFoundException (LEGACY)', async () => {
  const srp = new SrpClient(poolId);
  const one = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'nobody', SRP_A: srp.srpA } }));
  const two = await idp.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'nobody', SRP_A: srp.srpA } }));
  assert.equal(one.ChallengeName, 'PASSWORD_VERIFIER');
  assert.equal(one.ChallengeParameters!.SALT, two.ChallengeParameters!.SALT);
  assert.equal(one.ChallengeParameters!.USER_ID_FOR_SRP, two.ChallengeParameters!.USER_ID_FOR_SRP);
  assert.match(one.ChallengeParameters!.USER_ID_FOR_SRP!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  await assert.rejects(
    idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: srp.respond(one.ChallengeParameters!, 'Any-pass-1!') })),
    (e) => code(e) === 'NotAuthorizedException' && message(e) === 'Incorrect username or password.',
  );
  await assert.rejects(
    idp.send(new InitiateAuthCommand({ ClientId: legacyClientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'nobody', SRP_A: srp.srpA } })),
    (e) => code(e) === 'UserNotFoundException',
  );
});

test('a client with a secret needs SECRET_HASH in both steps', async () => {
  const sc = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'server', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!;
  const srp = new SrpClient(poolId);
  await assert.rejects(
    idp.send(new InitiateAuthCommand({ ClientId: sc.ClientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'sam', SRP_A: srp.srpA } })),
    (e) => code(e) === 'NotAuthorizedException' && /SECRET_HASH was not received/.test(message(e)),
  );
  const { second } = await srpSignIn(sc.ClientId!, 'sam', 'Sam-pass-1!', { secret: sc.ClientSecret! });
  assert.ok(second.AuthenticationResult?.AccessToken);
  // the proof without SECRET_HASH is refused
  const first = await idp.send(
    new InitiateAuthCommand({ ClientId: sc.ClientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'sam', SRP_A: srp.srpA, SECRET_HASH: createHmac('sha256', sc.ClientSecret!).update(`sam${sc.ClientId}`).digest('base64') } }),
  );
  await assert.rejects(
    idp.send(new RespondToAuthChallengeCommand({ ClientId: sc.ClientId, ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: srp.respond(first.ChallengeParameters!, 'Sam-pass-1!') })),
    (e) => code(e) === 'NotAuthorizedException' && /SECRET_HASH/.test(message(e)),
  );
});

test('FORCE_CHANGE_PASSWORD: NEW_PASSWORD_REQUIRED after the verifier; the new password then signs in with SRP', async () => {
  await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'tess', TemporaryPassword: 'Temp-pass-2', MessageAction: 'SUPPRESS' }));
  const { second } = await srpSignIn(clientId, 'tess', 'Temp-pass-2');
  assert.equal(second.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  assert.ok(second.Session);
  assert.equal(second.AuthenticationResult, undefined);
  const done = await idp.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: second.Session, ChallengeResponses: { USERNAME: 'tess', NEW_PASSWORD: 'Tess-pass-2!' } }));
  assert.ok(done.AuthenticationResult?.AccessToken);
  await assert.rejects(srpSignIn(clientId, 'tess', 'Temp-pass-2'), (e) => code(e) === 'NotAuthorizedException');
  assert.ok((await srpSignIn(clientId, 'tess', 'Tess-pass-2!')).second.AuthenticationResult?.IdToken);
});

test('email as username: USER_ID_FOR_SRP is the sub; signed-up users sign in with SRP; AdminInitiateAuth serves the flow', async () => {
  const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'by-email', UsernameAttributes: ['email'] }))).UserPool!.Id!;
  const client = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
  const up = await idp.send(new SignUpCommand({ ClientId: client, Username: 'uma@example.com', Password: 'Uma-pass-1!' }));
  await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: pool, Username: 'uma@example.com' }));
  const { first, second } = await srpSignIn(client, 'uma@example.com', 'Uma-pass-1!', { pool });
  assert.equal(first.ChallengeParameters!.USER_ID_FOR_SRP, up.UserSub);
  const me = await idp.send(new GetUserCommand({ AccessToken: second.AuthenticationResult!.AccessToken }));
  assert.equal(me.UserAttributes!.find((a) => a.Name === 'email')?.Value, 'uma@example.com');
  const srp = new SrpClient(pool);
  const a1 = await idp.send(new AdminInitiateAuthCommand({ UserPoolId: pool, ClientId: client, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'uma@example.com', SRP_A: srp.srpA } }));
  assert.equal(a1.ChallengeName, 'PASSWORD_VERIFIER');
  const a2 = await idp.send(new AdminRespondToAuthChallengeCommand({ UserPoolId: pool, ClientId: client, ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: srp.respond(a1.ChallengeParameters!, 'Uma-pass-1!') }));
  assert.ok(a2.AuthenticationResult?.AccessToken);
});

test('a client without ALLOW_USER_SRP_AUTH refuses the flow', async () => {
  const only = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'pw', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
  const srp = new SrpClient(poolId);
  await assert.rejects(
    idp.send(new InitiateAuthCommand({ ClientId: only, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'sam', SRP_A: srp.srpA } })),
    (e) => code(e) === 'InvalidParameterException' && message(e) === 'USER_SRP_AUTH flow not enabled for this client',
  );
});
