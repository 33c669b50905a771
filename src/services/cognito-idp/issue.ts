// Issuing a sign-in's tokens: the ID token (the user's attributes, aud = client id), the access token (scope
// aws.cognito.signin.user.admin, client_id) and an opaque refresh token, with the client's lifetimes on the
// virtual clock. A refresh issues new ID and access tokens of the same sign-in (same origin_jti, auth_time).
import { randomUUID } from 'node:crypto';
import type { AuthenticationResultType } from '../../generated/cognito-idp.js';
import type { Store } from '../../state/db.js';
import type { Scope } from '../../state/db.js';
import { lifetimes } from './clients.js';
import { groupClaims } from './groups.js';
import { refreshTokens, type ClientRecord, type PoolRecord, type UserRecord } from './store.js';
import { issuerOf, newJti, newRefreshToken, signJwt } from './tokens.js';
import { adjusted, withGroupOverride, type TokenOverrides } from './token-overrides.js';

export interface SignIn {
  originJti: string;
  /** seconds */
  authTime: number;
}

function idClaims(u: UserRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of u.Attributes) {
    if (a.Value === undefined) continue;
    // verified flags are booleans in the token, as AWS writes them
    out[a.Name] = a.Name.endsWith('_verified') ? a.Value === 'true' : a.Value;
  }
  return out;
}

export function issueTokens(store: Store, scope: Scope, now: number, pool: PoolRecord, client: ClientRecord, u: UserRecord, signIn?: SignIn, overrides?: TokenOverrides): AuthenticationResultType {
  const iat = Math.floor(now / 1000);
  const life = lifetimes(client);
  const fresh = !signIn;
  const s = signIn ?? { originJti: randomUUID(), authTime: iat };
  const eventId = randomUUID();
  const iss = issuerOf(pool.Id);
  // the user's groups as they are now, so a refresh sees memberships changed since sign-in
  const groups = withGroupOverride(groupClaims(store, scope, u), overrides?.groups);
  const IdToken = signJwt(pool.key, {
    ...adjusted({ ...idClaims(u), ...groups.id }, overrides?.idAdd, overrides?.idSuppress),
    sub: u.sub,
    iss,
    'cognito:username': u.Username,
    origin_jti: s.originJti,
    aud: client.ClientId,
    event_id: eventId,
    token_use: 'id',
    auth_time: s.authTime,
    exp: iat + life.id,
    iat,
    jti: newJti(),
  });
  const scopes = new Set(['aws.cognito.signin.user.admin']);
  for (const x of overrides?.scopesAdd ?? []) scopes.add(x);
  for (const x of overrides?.scopesSuppress ?? []) scopes.delete(x);
  const AccessToken = signJwt(pool.key, {
    ...adjusted({ ...groups.access }, overrides?.accessAdd, overrides?.accessSuppress),
    sub: u.sub,
    iss,
    client_id: client.ClientId,
    origin_jti: s.originJti,
    event_id: eventId,
    token_use: 'access',
    scope: [...scopes].join(' '),
    auth_time: s.authTime,
    exp: iat + life.access,
    iat,
    jti: newJti(),
    username: u.Username,
  });
  const result: AuthenticationResultType = { AccessToken, ExpiresIn: life.access, TokenType: 'Bearer', IdToken };
  if (fresh) {
    const token = newRefreshToken();
    refreshTokens(store).put(scope, token, { token, poolId: pool.Id, clientId: client.ClientId, username: u.Username, originJti: s.originJti, authTime: s.authTime, expires: now + life.refresh * 1000 });
    result.RefreshToken = token;
  }
  return result;
}
