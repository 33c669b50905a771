// Password reset by code: ForgotPassword (the user asks through an app client), AdminResetUserPassword (an
// administrator forces it: the user becomes RESET_REQUIRED and sign-in answers PasswordResetRequiredException)
// and ConfirmForgotPassword (the code and a new password; the user becomes CONFIRMED). The code goes to a
// verified email or phone number; Cumulus sends nothing, the code is served by the code endpoint (codes.ts).
import type { CodeDeliveryDetailsType, CognitoIdpOperations } from '../../generated/cognito-idp.js';
import { AwsError } from '../../protocol/errors.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { checkSecretHash, clientContext, type ClientContext } from './client-auth.js';
import { codeMismatch, delivery, issueCode, maskEmail, maskPhone, recoveryDestination, useCode } from './codes.js';
import { checkPassword, hashPassword } from './password.js';
import { srpMaterial } from './srp.js';
import { findUser, poolOf, userOf, type PoolRecord, type UserRecord } from './store.js';
import { saveUser } from './users.js';
import { postConfirmation } from './signup-triggers.js';
import { customMessage } from './custom-message.js';

const noDestination = () => new AwsError('InvalidParameterException', 'Cannot reset password for the user as there is no registered/verified email or phone_number');
const userNotFound = () => new AwsError('UserNotFoundException', 'User does not exist.');

/**
 * What a client with PreventUserExistenceErrors ENABLED answers for a user that does not exist: a delivery to a
 * simulated destination, shaped by the username given and the pool's verification settings, so the answer
 * does not tell whether the user exists.
 */
export function simulatedDelivery(pool: PoolRecord, username: string): CodeDeliveryDetailsType {
  if (/^[^@\s]+@[^@\s]+$/.test(username)) return delivery('email', username);
  if (/^\+\d{5,}$/.test(username)) return delivery('phone_number', username);
  const phone = pool.config.AutoVerifiedAttributes?.includes('phone_number') && !pool.config.AutoVerifiedAttributes?.includes('email');
  return phone ? { Destination: maskPhone(`+${'0'.repeat(11)}`), DeliveryMedium: 'SMS', AttributeName: 'phone_number' } : { Destination: maskEmail(`${username}@${username}`), DeliveryMedium: 'EMAIL', AttributeName: 'email' };
}

/** The user a public (client id) operation names; undefined when it is hidden behind a simulated answer. */
export function publicUser(c: ClientContext, ctx: RequestContext, username: string): UserRecord | undefined {
  const u = findUser(ctx.store, c.scope, c.pool.Id, username);
  if (!u && c.client.PreventUserExistenceErrors === 'LEGACY') throw userNotFound();
  return u;
}

/** Issues a password-reset code to the user's verified destination (InvalidParameterException without one). */
function sendResetCode(ctx: RequestContext, scope: ReturnType<typeof regional>, pool: PoolRecord, u: UserRecord): { details: CodeDeliveryDetailsType; code: string } {
  const to = recoveryDestination(pool, u);
  if (!to) throw noDestination();
  const code = issueCode(ctx, scope, u, 'forgot_password');
  return { details: delivery(to.attribute, to.value), code };
}

export const forgotPasswordHandlers: Handlers<CognitoIdpOperations> = {
  async ForgotPassword(ctx, { ClientId, Username, SecretHash, ClientMetadata }) {
    const c = clientContext(ctx.store, ClientId);
    checkSecretHash(c.client, Username, SecretHash);
    const u = publicUser(c, ctx, Username);
    if (!u || (!u.Enabled && c.client.PreventUserExistenceErrors !== 'LEGACY')) return { CodeDeliveryDetails: simulatedDelivery(c.pool, Username) };
    if (!u.Enabled) throw new AwsError('NotAuthorizedException', 'User is disabled.');
    const sent = sendResetCode(ctx, c.scope, c.pool, u);
    await customMessage(ctx, c.scope, c.pool, u, 'CustomMessage_ForgotPassword', 'forgot_password', sent.code, c.client.ClientId, ClientMetadata);
    return { CodeDeliveryDetails: sent.details };
  },

  async ConfirmForgotPassword(ctx, { ClientId, Username, SecretHash, ConfirmationCode, Password, ClientMetadata }) {
    const c = clientContext(ctx.store, ClientId);
    checkSecretHash(c.client, Username, SecretHash);
    const u = publicUser(c, ctx, Username);
    // an unknown user behind PreventUserExistenceErrors looks like a wrong code
    if (!u) throw codeMismatch();
    if (!u.Enabled) throw new AwsError('NotAuthorizedException', 'User is disabled.');
    // the password is checked before the code is consumed, so a weak password does not cost the code
    checkPassword(c.pool.PasswordPolicy, Password);
    useCode(ctx, c.scope, u, 'forgot_password', ConfirmationCode);
    u.password = hashPassword(Password);
    u.srp = srpMaterial(c.pool.Id, u.Username, Password);
    u.UserStatus = 'CONFIRMED';
    saveUser(ctx.store, c.scope, u, ctx.clock.now());
    // the new password stands even when the PostConfirmation function then fails, as in AWS
    await postConfirmation(ctx, c.scope, c.pool, 'PostConfirmation_ConfirmForgotPassword', u, c.client.ClientId, ClientMetadata);
    return {};
  },

  async AdminResetUserPassword(ctx, { UserPoolId, Username, ClientMetadata }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    const u = userOf(ctx.store, scope, pool.Id, Username);
    const sent = sendResetCode(ctx, scope, pool, u);
    // the password stays stored but is no longer accepted: sign-in answers PasswordResetRequiredException
    u.UserStatus = 'RESET_REQUIRED';
    saveUser(ctx.store, scope, u, ctx.clock.now());
    await customMessage(ctx, scope, pool, u, 'CustomMessage_ForgotPassword', 'forgot_password', sent.code, undefined, ClientMetadata);
    return {};
  },
};
