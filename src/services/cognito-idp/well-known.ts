// HTTP served on Cumulus's port for user pools (a data plane, not AWS API calls):
//   GET /{poolId}/.well-known/jwks.json               the pool's signing keys (what AWS serves at its issuer URL)
//   GET /{poolId}/.well-known/openid-configuration    the discovery document (jwks_uri points back here)
//   GET /_aws/cognito/codes/{poolId}/{username}        the user's pending code: Cumulus sends no mail, so tests
//                                                       and local apps read the code here. Without a query, the
//                                                       most recently issued pending code; ?purpose=signup |
//                                                       forgot_password | email | phone_number picks the latest
//                                                       code of that purpose (codes.ts). The answer names its
//                                                       purpose (and its expiry, ms since the epoch, when known)
//                                                       and, when a CustomMessage trigger wrote one, its message.
// Only pools that exist answer; anything else falls through to the next plane.
import type { WireRequest } from '../../protocol/identify.js';
import type { Runtime } from '../../server/context.js';
import type { PlaneInfo } from '../../server/http-planes.js';
import type { HttpResult } from '../../protocol/wire.js';
import { PURPOSES, pendingCode, type CodePurpose } from './codes.js';
import { messageFor } from './custom-message.js';
import { findUser, GLOBAL, owners, pools, type PoolRecord } from './store.js';
import { jwks, openIdConfiguration } from './tokens.js';

const json = (status: number, body: unknown): HttpResult => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function poolById(runtime: Runtime, poolId: string): { pool: PoolRecord; scope: { account: string; region: string } } | undefined {
  const o = owners(runtime.store).get(GLOBAL, `pool/${poolId}`);
  if (!o) return undefined;
  const scope = { account: o.account, region: o.region };
  const pool = pools(runtime.store).get(scope, poolId);
  return pool && { pool, scope };
}

export function serveWellKnown(runtime: Runtime): void {
  runtime.http.addDataPlane((req: WireRequest, info: PlaneInfo) => {
    if (req.method !== 'GET') return undefined;
    const wk = /^\/([a-z]{2}(?:-[a-z]+)+-\d_[0-9A-Za-z]+)\/\.well-known\/(jwks\.json|openid-configuration)$/.exec(req.path);
    if (wk) {
      const found = poolById(runtime, wk[1]!);
      if (!found) return undefined;
      return json(200, wk[2] === 'jwks.json' ? jwks(found.pool) : openIdConfiguration(found.pool, `http://${info.host}`));
    }
    const code = /^\/_aws\/cognito\/codes\/([^/]+)\/([^/]+)$/.exec(req.path);
    if (code) {
      const found = poolById(runtime, decodeURIComponent(code[1]!));
      if (!found) return json(404, { message: 'User pool not found' });
      const u = findUser(runtime.store, found.scope, found.pool.Id, decodeURIComponent(code[2]!));
      if (!u) return json(404, { message: 'User not found' });
      const purpose = req.query.get('purpose') ?? undefined;
      if (purpose !== undefined && !PURPOSES.includes(purpose as CodePurpose)) return json(400, { message: `purpose must be one of ${PURPOSES.join(', ')}` });
      const pending = pendingCode(runtime.store, found.scope, u, purpose as CodePurpose | undefined);
      if (!pending) return json(404, { message: 'No pending confirmation code', userStatus: u.UserStatus });
      // the text a CustomMessage function wrote for this code, when the pool has one
      const message = messageFor(runtime.store, found.scope, u, pending.purpose, pending.code);
      return json(200, { userPoolId: found.pool.Id, username: u.Username, code: pending.code, purpose: pending.purpose, expires: pending.expires, message });
    }
    return undefined;
  });
}
