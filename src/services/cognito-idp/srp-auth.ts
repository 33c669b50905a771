// The USER_SRP_AUTH flow: InitiateAuth (or AdminInitiateAuth) with USERNAME and SRP_A answers the
// PASSWORD_VERIFIER challenge (SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP, USERNAME); RespondToAuthChallenge
// proves the password with PASSWORD_CLAIM_SIGNATURE over the echoed SECRET_BLOCK and TIMESTAMP. Clients such as
// pycognito answer without the Session, so the challenge's state is kept server-side under the secret block.
// Unknown users get a simulated challenge (the same salt and UUID user id for the same name, as AWS does when
// PreventUserExistenceErrors is ENABLED) and fail at the proof; LEGACY clients get UserNotFoundException.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../../protocol/errors.js';
import type { RequestContext } from '../../server/context.js';
import type { Store } from '../../state/db.js';
import { checkSecretHash, type ClientContext } from './client-auth.js';
import { claimSignature, fromHex, N, padHex, serverEphemeral, serverKey } from './srp.js';
import { findUser, type UserRecord } from './store.js';
import { badCredentials, invalidParameter } from './errors.js';

interface SrpChallenge {
  id: string;
  poolId: string;
  clientId: string;
  /** the stored username (USER_ID_FOR_SRP); absent for a simulated challenge */
  username?: string;
  /** the name the client signed in with: clients with a secret may hash it rather than USER_ID_FOR_SRP */
  signInName: string;
  A: string;
  B: string;
  b: string;
  verifier: string;
  expires: number;
}

const challenges = (s: Store) => s.table<SrpChallenge>('cognito-idp', 'srp-challenge');
const idOf = (secretBlock: string) => createHash('sha256').update(Buffer.from(secretBlock, 'base64')).digest('hex');


function param(p: Record<string, string> | undefined, name: string): string {
  const v = p?.[name];
  if (v === undefined || v === '') throw invalidParameter(`Missing required parameter ${name}`);
  return v;
}

/** A stable salt, user id and verifier for a name that has no SRP material, so probing reveals nothing. */
function simulated(c: ClientContext, name: string): { salt: string; userId: string; verifier: bigint } {
  const mac = (what: string) => createHmac('sha256', c.pool.key.privatePem).update(`${c.pool.Id}/${name}/${what}`).digest('hex');
  const id = mac('id');
  const userId = `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-${'89ab'[parseInt(id[16]!, 16) % 4]}${id.slice(17, 20)}-${id.slice(20, 32)}`;
  return { salt: padHex(fromHex(mac('salt').slice(0, 32))), userId, verifier: fromHex(mac('verifier')) % N };
}

export function srpInitiate(ctx: RequestContext, c: ClientContext, params: Record<string, string> | undefined) {
  const name = param(params, 'USERNAME');
  const srpA = param(params, 'SRP_A');
  checkSecretHash(c.client, name, params?.SECRET_HASH);
  if (!/^[0-9a-fA-F]+$/.test(srpA) || fromHex(srpA) % N === 0n) throw invalidParameter('Invalid SRP_A value.');
  const u = findUser(ctx.store, c.scope, c.pool.Id, name);
  if (!u && c.client.PreventUserExistenceErrors === 'LEGACY') throw new AwsError('UserNotFoundException', 'User does not exist.');
  const real = u?.srp ? { salt: u.srp.salt, userId: u.Username, verifier: fromHex(u.srp.verifier) } : undefined;
  const s = real ?? simulated(c, name);
  const { b, B } = serverEphemeral(s.verifier);
  const secretBlock = randomBytes(64).toString('base64');
  const now = ctx.clock.now();
  const table = challenges(ctx.store);
  // challenges nobody answered are dropped as new ones are made
  for (const old of table.list(c.scope)) if (old.expires <= now) table.delete(c.scope, old.id);
  const id = idOf(secretBlock);
  table.put(c.scope, id, {
    id,
    poolId: c.pool.Id,
    clientId: c.client.ClientId,
    username: real ? u!.Username : undefined,
    signInName: name,
    A: srpA,
    B: B.toString(16),
    b: b.toString(16),
    verifier: s.verifier.toString(16),
    expires: now + (c.client.AuthSessionValidity ?? 3) * 60_000,
  });
  return {
    ChallengeName: 'PASSWORD_VERIFIER' as const,
    ChallengeParameters: { SALT: s.salt, SRP_B: B.toString(16), SECRET_BLOCK: secretBlock, USER_ID_FOR_SRP: s.userId, USERNAME: u?.Username ?? s.userId },
  };
}

/** Verifies the password claim; `signedIn` continues as a correct password does (status checks, tokens). */
export function srpRespond<R>(ctx: RequestContext, c: ClientContext, responses: Record<string, string> | undefined, signedIn: (u: UserRecord) => R): R {
  const name = param(responses, 'USERNAME');
  const secretBlock = param(responses, 'PASSWORD_CLAIM_SECRET_BLOCK');
  const signature = param(responses, 'PASSWORD_CLAIM_SIGNATURE');
  const timestamp = param(responses, 'TIMESTAMP');
  const table = challenges(ctx.store);
  const id = idOf(secretBlock);
  const ch = table.get(c.scope, id);
  if (!ch || ch.clientId !== c.client.ClientId || ch.poolId !== c.pool.Id) throw badCredentials();
  // one proof per challenge, right or wrong: the deletion stands even when a wrong proof rolls the request back
  ctx.store.afterTransaction(() => table.delete(c.scope, id));
  if (ch.expires <= ctx.clock.now()) throw new AwsError('NotAuthorizedException', 'Invalid session for the user, session is expired.');
  checkSecretHash(c.client, [name, ch.signInName], responses?.SECRET_HASH);
  if (!ch.username) throw badCredentials();
  const u = findUser(ctx.store, c.scope, c.pool.Id, name);
  if (!u || u.Username !== ch.username || !u.srp || u.srp.verifier !== ch.verifier) throw badCredentials();
  const key = serverKey(fromHex(ch.A), fromHex(ch.B), fromHex(ch.b), fromHex(ch.verifier));
  const want = Buffer.from(claimSignature(key, c.pool.Id, ch.username, secretBlock, timestamp));
  const got = Buffer.from(signature);
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw badCredentials();
  return signedIn(u);
}
