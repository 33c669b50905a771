// Checking a token Cognito issued: the pool it names (its iss), the pool's key and signature, exp on the
// virtual clock. Used by GetUser/GlobalSignOut (access tokens) and by API Gateway's COGNITO_USER_POOLS
// authorizers (through index.ts).
import type { Store } from '../../state/db.js';
import type { Scope } from '../../state/db.js';
import { GLOBAL, owners, pools, type PoolRecord } from './store.js';
import { decodeJwt, poolIdOfIssuer, signatureValid } from './tokens.js';

export type Verified =
  | { ok: true; claims: Record<string, unknown>; pool: PoolRecord; scope: Scope }
  | { ok: false; reason: 'invalid' | 'expired' };

export function verifyJwt(store: Store, token: string, nowMs: number): Verified {
  const d = decodeJwt(token);
  const poolId = d && poolIdOfIssuer(d.claims.iss);
  if (!d || !poolId) return { ok: false, reason: 'invalid' };
  const o = owners(store).get(GLOBAL, `pool/${poolId}`);
  const scope = o && { account: o.account, region: o.region };
  const pool = scope && pools(store).get(scope, poolId);
  if (!pool || !scope || !signatureValid(pool.key, token)) return { ok: false, reason: 'invalid' };
  if (typeof d.claims.exp !== 'number' || d.claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: d.claims, pool, scope };
}
