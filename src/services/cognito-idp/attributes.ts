// Changing a user after sign-up: AdminUpdateUserAttributes / AdminDeleteUserAttributes (developer credentials),
// UpdateUserAttributes / DeleteUserAttributes and ChangePassword (the user's own access token). Attributes are
// checked against the pool's schema: unknown ones, sub and immutable ones are InvalidParameterException.
import type { AttributeType, CodeDeliveryDetailsType, CognitoIdpOperations } from '../../generated/cognito-idp.js';
import { AwsError } from '../../protocol/errors.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { userOfAccessToken } from './auth.js';
import { delivery, issueCode } from './codes.js';
import { checkPassword, hashPassword, passwordMatches } from './password.js';
import { srpMaterial } from './srp.js';
import { attr, poolOf, userOf, usersOfPool, type PoolRecord, type UserRecord } from './store.js';
import { saveUser } from './users.js';
import { badCredentials, invalidParameter } from './errors.js';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function schemaAttribute(pool: PoolRecord, name: string) {
  if (name === 'sub') throw invalidParameter('Cannot modify an already provided sub.');
  const s = pool.Schema.find((a) => a.Name === name);
  if (!s) throw invalidParameter(`Attributes did not conform to the schema: ${name}: Attribute does not exist in the schema.\n`);
  // immutable attributes are written only when the user is created, even when they were never set
  if (s.Mutable === false) throw invalidParameter(`user.${name}: Attribute cannot be updated.`);
  return s;
}

/** Writes the attributes into the user; an email or phone number that changes is no longer verified. */
function update(ctx: RequestContext, scope: Scope, pool: PoolRecord, u: UserRecord, given: AttributeType[]): CodeDeliveryDetailsType[] {
  const next = [...u.Attributes];
  const set = (name: string, value: string | undefined) => {
    const i = next.findIndex((a) => a.Name === name);
    if (value === undefined) {
      if (i >= 0) next.splice(i, 1);
    } else if (i >= 0) next[i] = { Name: name, Value: value };
    else next.push({ Name: name, Value: value });
  };
  const names = new Set(given.map((a) => a.Name));
  const changed: string[] = [];
  for (const a of given) {
    schemaAttribute(pool, a.Name);
    if (a.Name === 'email' && a.Value && !EMAIL.test(a.Value)) throw invalidParameter('Invalid email address format.');
    if ((a.Name === 'email' || a.Name === 'phone_number') && attr(u, a.Name) !== a.Value) changed.push(a.Name);
    set(a.Name, a.Value ?? '');
  }
  const emailIsId = pool.config.UsernameAttributes?.includes('email') || pool.config.AliasAttributes?.includes('email');
  const email = names.has('email') ? given.find((a) => a.Name === 'email')!.Value : undefined;
  if (email && emailIsId && usersOfPool(ctx.store, scope, pool.Id).some((o) => o.Username !== u.Username && attr(o, 'email')?.toLowerCase() === email.toLowerCase())) {
    throw new AwsError('AliasExistsException', 'An account with the given email already exists.');
  }
  for (const name of changed) if (!names.has(`${name}_verified`)) set(`${name}_verified`, 'false');
  u.Attributes = next;
  saveUser(ctx.store, scope, u, ctx.clock.now());
  // an auto-verified email that changed gets a verification code (VerifyUserAttribute), served by the code
  // endpoint since Cumulus sends no message
  const newEmail = changed.includes('email') ? attr(u, 'email') : undefined;
  if (newEmail && pool.config.AutoVerifiedAttributes?.includes('email')) {
    issueCode(ctx, scope, u, 'email', newEmail);
    return [delivery('email', newEmail)];
  }
  return [];
}

function remove(ctx: RequestContext, scope: Scope, pool: PoolRecord, u: UserRecord, names: string[]): void {
  for (const name of names) {
    const s = schemaAttribute(pool, name);
    if (s.Required) throw invalidParameter(`Attributes did not conform to the schema: ${name}: The attribute is required\n`);
  }
  u.Attributes = u.Attributes.filter((a) => !names.includes(a.Name));
  saveUser(ctx.store, scope, u, ctx.clock.now());
}

export const attributeHandlers: Handlers<CognitoIdpOperations> = {
  AdminUpdateUserAttributes(ctx, { UserPoolId, Username, UserAttributes }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    update(ctx, scope, pool, userOf(ctx.store, scope, pool.Id, Username), UserAttributes);
    return {};
  },

  AdminDeleteUserAttributes(ctx, { UserPoolId, Username, UserAttributeNames }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    remove(ctx, scope, pool, userOf(ctx.store, scope, pool.Id, Username), UserAttributeNames);
    return {};
  },

  UpdateUserAttributes(ctx, { AccessToken, UserAttributes }) {
    const { user, scope } = userOfAccessToken(ctx, AccessToken);
    const list = update(ctx, scope, poolOf(ctx.store, scope, user.poolId), user, UserAttributes);
    return list.length ? { CodeDeliveryDetailsList: list } : {};
  },

  DeleteUserAttributes(ctx, { AccessToken, UserAttributeNames }) {
    const { user, scope } = userOfAccessToken(ctx, AccessToken);
    remove(ctx, scope, poolOf(ctx.store, scope, user.poolId), user, UserAttributeNames);
    return {};
  },

  ChangePassword(ctx, { AccessToken, PreviousPassword, ProposedPassword }) {
    const { user, scope } = userOfAccessToken(ctx, AccessToken);
    const pool = poolOf(ctx.store, scope, user.poolId);
    if (PreviousPassword === undefined || !passwordMatches(user.password, PreviousPassword)) {
      throw badCredentials();
    }
    checkPassword(pool.PasswordPolicy, ProposedPassword);
    user.password = hashPassword(ProposedPassword);
    user.srp = srpMaterial(user.poolId, user.Username, ProposedPassword);
    saveUser(ctx.store, scope, user, ctx.clock.now());
    return {};
  },
};
