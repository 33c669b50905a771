// What other services may use of Cognito user pools: verifying the tokens a pool issued (API Gateway's
// COGNITO_USER_POOLS authorizers).
import type { Runtime } from '../../server/context.js';
import { parseArn } from '../../protocol/ids.js';
import { verifyJwt } from './verify.js';

export type TokenCheck = { ok: true; claims: Record<string, unknown>; userPoolArn: string } | { ok: false; reason: 'invalid' | 'expired' | 'wrong-pool' };

/**
 * Verifies `token` (an ID or access token) against the user pools named by `providerArns`
 * (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL): signature by the pool's key, issuer among those pools,
 * exp on the virtual clock.
 */
export function verifyToken(runtime: Runtime, providerArns: string[], token: string): TokenCheck {
  const v = verifyJwt(runtime.store, token, runtime.clock.now());
  if (!v.ok) return v;
  const match = providerArns.find((a) => {
    const p = parseArn(a);
    return p?.service === 'cognito-idp' && p.resource === `userpool/${v.pool.Id}` && p.account === v.scope.account && p.region === v.scope.region;
  });
  if (!match) return { ok: false, reason: 'wrong-pool' };
  return { ok: true, claims: v.claims, userPoolArn: match };
}

export { issuerOf } from './tokens.js';
export { secretHash } from './client-auth.js';
