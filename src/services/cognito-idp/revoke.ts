// RevokeToken: an app revokes one of its refresh tokens (with its client secret when it has one). As AWS
// documents, the access and ID tokens issued from it — at sign-in and by later refreshes, all sharing its
// origin_jti — are revoked with it; the user's other sign-ins are untouched.
import { timingSafeEqual } from 'node:crypto';
import type { CognitoIdpOperations } from '../../generated/cognito-idp.js';
import { AwsError } from '../../protocol/errors.js';
import type { Handlers } from '../define.js';
import { revokeOrigins } from './auth.js';
import { clientContext } from './client-auth.js';
import { findUser, refreshTokens } from './store.js';
import { decodeJwt } from './tokens.js';
import { saveUser } from './users.js';

const unauthorized = (message: string) => new AwsError('UnauthorizedException', message);

function secretMatches(want: string, given: string): boolean {
  const a = Buffer.from(want);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const revokeHandlers: Handlers<CognitoIdpOperations> = {
  RevokeToken(ctx, { Token, ClientId, ClientSecret }) {
    const { scope, client } = clientContext(ctx.store, ClientId);
    // the client authenticates first (RFC 7009, which Cognito's revocation follows)
    if (client.ClientSecret) {
      if (!ClientSecret) throw unauthorized(`Client ${ClientId} is configured with secret but ClientSecret was not received`);
      if (!secretMatches(client.ClientSecret, ClientSecret)) throw unauthorized(`Unable to verify secret for client ${ClientId}`);
    }
    if (client.EnableTokenRevocation === false) throw new AwsError('UnsupportedOperationException', `Token revocation is not enabled for client ${ClientId}`);
    // only refresh tokens are revoked this way; Cognito's access and ID tokens are JWTs
    if (decodeJwt(Token)) throw new AwsError('UnsupportedTokenTypeException', 'Unsupported token type. Only refresh tokens can be revoked.');
    const r = refreshTokens(ctx.store).get(scope, Token);
    // an unknown, expired or already revoked token: nothing left to revoke, and RFC 7009 answers success
    if (!r || r.expires <= ctx.clock.now()) return {};
    if (r.clientId !== client.ClientId) throw unauthorized(`The refresh token was not issued to client ${ClientId}`);
    if (!r.revoked) refreshTokens(ctx.store).put(scope, r.token, { ...r, revoked: true });
    const u = findUser(ctx.store, scope, r.poolId, r.username);
    if (u) {
      revokeOrigins(u, [r.originJti]);
      saveUser(ctx.store, scope, u, ctx.clock.now());
    }
    return {};
  },
};
