// Codes that prove a sign-up or an attribute: ResendConfirmationCode (a new sign-up code for an UNCONFIRMED
// user; the earlier one stops working), GetUserAttributeVerificationCode and VerifyUserAttribute (a signed-in
// user proves their email or phone number: email_verified / phone_number_verified become true). Cumulus sends
// nothing: codes are logged and served by the code endpoint (codes.ts).
import type { CognitoIdpOperations } from '../../generated/cognito-idp.js';
import type { Handlers } from '../define.js';
import { userOfAccessToken } from './auth.js';
import { checkSecretHash, clientContext } from './client-auth.js';
import { delivery, issueCode, useCode } from './codes.js';
import { publicUser, simulatedDelivery } from './forgot-password.js';
import { attr, poolOf } from './store.js';
import { customMessage } from './custom-message.js';
import { saveUser } from './users.js';
import { invalidParameter } from './errors.js';


function verifiable(name: string): 'email' | 'phone_number' {
  if (name !== 'email' && name !== 'phone_number') throw invalidParameter(`Invalid attribute name: ${name}. Only email and phone_number can be verified.`);
  return name;
}

export const verificationHandlers: Handlers<CognitoIdpOperations> = {
  async ResendConfirmationCode(ctx, { ClientId, Username, SecretHash, ClientMetadata }) {
    const c = clientContext(ctx.store, ClientId);
    checkSecretHash(c.client, Username, SecretHash);
    const u = publicUser(c, ctx, Username);
    if (!u) return { CodeDeliveryDetails: simulatedDelivery(c.pool, Username) };
    if (u.UserStatus !== 'UNCONFIRMED') throw invalidParameter('User is already confirmed.');
    // the code goes to an attribute the pool verifies automatically, as SignUp's did
    const auto = c.pool.config.AutoVerifiedAttributes ?? [];
    const to = (['email', 'phone_number'] as const).find((a) => auto.includes(a) && attr(u, a));
    if (!to) throw invalidParameter('Cannot resend codes. Auto verification not turned on.');
    // the sign-up code lives on the user record (ConfirmSignUp checks it); the code store keeps its issue time
    const code = issueCode(ctx, c.scope, u, 'signup');
    u.confirmationCode = code;
    saveUser(ctx.store, c.scope, u, ctx.clock.now());
    await customMessage(ctx, c.scope, c.pool, u, 'CustomMessage_ResendCode', 'signup', code, c.client.ClientId, ClientMetadata);
    return { CodeDeliveryDetails: delivery(to, attr(u, to)!) };
  },

  async GetUserAttributeVerificationCode(ctx, { AccessToken, AttributeName, ClientMetadata }) {
    const { user, scope } = userOfAccessToken(ctx, AccessToken);
    const name = verifiable(AttributeName);
    const value = attr(user, name);
    if (!value) throw invalidParameter(`User does not have the ${name} attribute.`);
    const code = issueCode(ctx, scope, user, name, value);
    const pool = poolOf(ctx.store, scope, user.poolId);
    await customMessage(ctx, scope, pool, user, 'CustomMessage_VerifyUserAttribute', name, code, undefined, ClientMetadata);
    return { CodeDeliveryDetails: delivery(name, value) };
  },

  VerifyUserAttribute(ctx, { AccessToken, AttributeName, Code }) {
    const { user, scope } = userOfAccessToken(ctx, AccessToken);
    const name = verifiable(AttributeName);
    const value = attr(user, name);
    if (!value) throw invalidParameter(`User does not have the ${name} attribute.`);
    useCode(ctx, scope, user, name, Code, value);
    user.Attributes = [...user.Attributes.filter((a) => a.Name !== `${name}_verified`), { Name: `${name}_verified`, Value: 'true' }];
    saveUser(ctx.store, scope, user, ctx.clock.now());
    return {};
  },
};
