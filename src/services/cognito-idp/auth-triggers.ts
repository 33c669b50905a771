// The sign-in triggers around issuing tokens. PreAuthentication runs when a known user starts a password or
// SRP sign-in (before the password is checked) and rejects it by failing; PostAuthentication runs once the
// user is authenticated, before the tokens are handed out, and a failure fails the sign-in. A refresh runs
// neither, only PreTokenGeneration (TokenGeneration_RefreshTokens).
import type { AuthenticationResultType } from '../../generated/cognito-idp.js';
import { AwsError } from '../../protocol/errors.js';
import type { RequestContext } from '../../server/context.js';
import type { ClientContext } from './client-auth.js';
import { issueTokens, type SignIn } from './issue.js';
import { findUser, type UserRecord } from './store.js';
import { preTokenGeneration, type TokenSource } from './token-overrides.js';
import { eventAttributes, runTrigger, triggerArn } from './triggers.js';
import { notAuthorized } from './errors.js';

/** Runs PreAuthentication for a user about to prove a password; ClientMetadata is its validationData. */
export async function preAuthentication(ctx: RequestContext, c: ClientContext, u: UserRecord, clientMetadata: Record<string, string> | undefined): Promise<void> {
  if (!triggerArn(c.pool, 'PreAuthentication')) return;
  await runTrigger(ctx, c.scope, c.pool, 'PreAuthentication', {
    triggerSource: 'PreAuthentication_Authentication',
    userName: u.Username,
    clientId: c.client.ClientId,
    request: { userAttributes: eventAttributes(u, u.UserStatus), validationData: clientMetadata ?? {}, userNotFound: false },
  });
}

async function postAuthentication(ctx: RequestContext, c: ClientContext, u: UserRecord, clientMetadata: Record<string, string> | undefined): Promise<void> {
  if (!triggerArn(c.pool, 'PostAuthentication')) return;
  const request: Record<string, unknown> = { userAttributes: eventAttributes(u, u.UserStatus), newDeviceUsed: false };
  if (clientMetadata) request.clientMetadata = clientMetadata;
  await runTrigger(ctx, c.scope, c.pool, 'PostAuthentication', { triggerSource: 'PostAuthentication_Authentication', userName: u.Username, clientId: c.client.ClientId, request });
}

/**
 * Issues tokens for `u` with the pool's triggers: PreTokenGeneration (with `source`), then PostAuthentication
 * for a sign-in (not a refresh). The tokens (and the refresh token's record) are made only once every trigger
 * has succeeded, in a transaction of their own since the triggers were awaited.
 */
export async function issueWithTriggers(
  ctx: RequestContext,
  c: ClientContext,
  u: UserRecord,
  source: TokenSource,
  clientMetadata: Record<string, string> | undefined,
  signIn?: SignIn,
): Promise<AuthenticationResultType> {
  const overrides = await preTokenGeneration(ctx, c.scope, c.pool, c.client, u, source, clientMetadata);
  if (source !== 'TokenGeneration_RefreshTokens') await postAuthentication(ctx, c, u, clientMetadata);
  return ctx.store.transaction(() => {
    // the user as it is now: deleted or disabled while a trigger ran means no tokens
    const now = findUser(ctx.store, c.scope, c.pool.Id, u.Username);
    if (!now) throw new AwsError('UserNotFoundException', 'User does not exist.');
    if (!now.Enabled) throw notAuthorized('User is disabled.');
    return issueTokens(ctx.store, c.scope, ctx.clock.now(), c.pool, c.client, now, signIn, overrides);
  });
}
