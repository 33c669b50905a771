// Users: administrators create them (FORCE_CHANGE_PASSWORD with a temporary password), set passwords, read,
// list (with AWS's Filter syntax), delete and confirm them; people sign up through an app client
// (UNCONFIRMED) and confirm with a code. Cumulus sends no mail or SMS: the code is logged and served at
// GET /_aws/cognito/codes/{poolId}/{username} (see well-known.ts). SignUp and AdminCreateUser run the pool's
// PreSignUp trigger before anything is written (signup-triggers.ts); confirmations run PostConfirmation after.
import { randomInt, randomUUID } from 'node:crypto';
import type { AttributeType, CognitoIdpOperations, UserType } from '../../generated/cognito-idp.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { checkSecretHash, clientContext } from './client-auth.js';
import { maskEmail } from './codes.js';
import { removeUserMemberships } from './groups.js';
import { checkPassword, generatePassword, hashPassword } from './password.js';
import { srpMaterial } from './srp.js';
import { attr, findUser, poolOf, refreshTokens, userKey, userOf, users, usersOfPool, type PoolRecord, type UserRecord } from './store.js';
import { invalidParameter } from './errors.js';
import { applyPreSignUp, postConfirmation, preSignUp } from './signup-triggers.js';
import { customMessage } from './custom-message.js';

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function describeUser(u: UserRecord): UserType {
  return {
    Username: u.Username,
    Attributes: u.Attributes,
    UserCreateDate: new Date(u.UserCreateDate),
    UserLastModifiedDate: new Date(u.UserLastModifiedDate),
    Enabled: u.Enabled,
    UserStatus: u.UserStatus,
  };
}

/** Attributes checked against the schema; sub is Cognito's own. */
function attributesOf(pool: PoolRecord, given: AttributeType[] | undefined): AttributeType[] {
  const out: AttributeType[] = [];
  for (const a of given ?? []) {
    if (a.Name === 'sub') throw invalidParameter('Cannot modify an already provided sub.');
    if (!pool.Schema.some((s) => s.Name === a.Name)) throw invalidParameter(`Attributes did not conform to the schema: ${a.Name}: Attribute does not exist in the schema.\n`);
    if (a.Name === 'email' && a.Value !== undefined && !EMAIL.test(a.Value)) throw invalidParameter('Invalid email address format.');
    const i = out.findIndex((x) => x.Name === a.Name);
    if (i >= 0) out[i] = a;
    else out.push(a);
  }
  for (const s of pool.Schema) {
    if (s.Required && s.Name !== 'sub' && !out.some((a) => a.Name === s.Name)) {
      throw invalidParameter(`Attributes did not conform to the schema: ${s.Name}: The attribute is required\n`);
    }
  }
  return out;
}

/**
 * The stored username and attributes for a new user. In pools whose UsernameAttributes include email, the
 * username given must be an email: it becomes the email attribute and the user's username is its sub.
 */
function identityOf(store: RequestContext['store'], scope: Scope, pool: PoolRecord, username: string, attributes: AttributeType[], exists: string, sub: string = randomUUID()): { username: string; sub: string; attributes: AttributeType[] } {
  let name = username;
  const attrs = attributes.filter((a) => a.Name !== 'sub');
  if (pool.config.UsernameAttributes?.includes('email')) {
    if (!EMAIL.test(username)) throw invalidParameter('Username should be an email.');
    name = sub;
    const i = attrs.findIndex((a) => a.Name === 'email');
    if (i >= 0) attrs.splice(i, 1);
    attrs.push({ Name: 'email', Value: username });
  }
  if (findUser(store, scope, pool.Id, username)) throw new AwsError('UsernameExistsException', exists);
  const email = attrs.find((a) => a.Name === 'email')?.Value;
  const emailIsId = pool.config.UsernameAttributes?.includes('email') || pool.config.AliasAttributes?.includes('email');
  if (email && emailIsId && usersOfPool(store, scope, pool.Id).some((u) => attr(u, 'email')?.toLowerCase() === email.toLowerCase())) {
    throw new AwsError(pool.config.UsernameAttributes?.includes('email') ? 'UsernameExistsException' : 'AliasExistsException', pool.config.UsernameAttributes?.includes('email') ? exists : 'An account with the given email already exists.');
  }
  return { username: name, sub, attributes: [{ Name: 'sub', Value: sub }, ...attrs] };
}

export function saveUser(store: RequestContext['store'], scope: Scope, u: UserRecord, now: number): void {
  u.UserLastModifiedDate = now;
  users(store).put(scope, userKey(u.poolId, u.Username), u);
}

/** Deletes a user with its group memberships and refresh tokens (a user created again later under the same
 *  name must not inherit the old sign-ins). */
export function removeUser(store: RequestContext['store'], scope: Scope, u: UserRecord): void {
  users(store).delete(scope, userKey(u.poolId, u.Username));
  removeUserMemberships(store, scope, u.poolId, u.Username);
  for (const r of refreshTokens(store).list(scope)) if (r.poolId === u.poolId && r.username === u.Username) refreshTokens(store).delete(scope, r.token);
}

// AWS's Filter: "attribute = \"value\"" (exact) or "attribute ^= \"value\"" (prefix)
const FILTERABLE = new Set(['username', 'email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username', 'cognito:user_status', 'status', 'sub']);

function filterOf(filter: string | undefined): ((u: UserRecord) => boolean) | undefined {
  if (!filter?.trim()) return undefined;
  const m = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!m || !FILTERABLE.has(m[1]!)) throw invalidParameter('Error while parsing filter.');
  const [, name, op, value] = m as unknown as [string, string, string, string];
  const read = (u: UserRecord) =>
    name === 'username' ? u.Username : name === 'cognito:user_status' ? u.UserStatus : name === 'status' ? (u.Enabled ? 'Enabled' : 'Disabled') : attr(u, name);
  return (u) => {
    const v = read(u);
    return v !== undefined && (op === '=' ? v === value : v.startsWith(value));
  };
}

export const userHandlers: Handlers<CognitoIdpOperations> = {
  async AdminCreateUser(ctx, input) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, input.UserPoolId);
    if (input.MessageAction === 'RESEND') {
      const u = userOf(ctx.store, scope, pool.Id, input.Username);
      if (u.UserStatus !== 'FORCE_CHANGE_PASSWORD') throw new AwsError('UnsupportedUserStateException', `Resend not possible. ${u.Username} status is not FORCE_CHANGE_PASSWORD`);
      return { User: describeUser(u) };
    }
    const temporary = input.TemporaryPassword ?? generatePassword(pool.PasswordPolicy);
    if (input.TemporaryPassword !== undefined) checkPassword(pool.PasswordPolicy, temporary);
    const given = attributesOf(pool, input.UserAttributes);
    const first = identityOf(ctx.store, scope, pool, input.Username, given, 'User account already exists');
    // the trigger decides before anything is written: a rejected user leaves nothing behind
    const verdict = await preSignUp(ctx, scope, pool, 'PreSignUp_AdminCreateUser', first, input.ValidationData, input.ClientMetadata);
    return ctx.store.transaction(() => {
      const id = identityOf(ctx.store, scope, pool, input.Username, given, 'User account already exists', first.sub);
      const now = ctx.clock.now();
      const u: UserRecord = { poolId: pool.Id, Username: id.username, sub: id.sub, Attributes: id.attributes, UserCreateDate: now, UserLastModifiedDate: now, Enabled: true, UserStatus: 'FORCE_CHANGE_PASSWORD', password: hashPassword(temporary), srp: srpMaterial(pool.Id, id.username, temporary) };
      // an administrator's user always starts with FORCE_CHANGE_PASSWORD: only the verified flags apply
      applyPreSignUp(u, verdict);
      saveUser(ctx.store, scope, u, now);
      if (input.MessageAction !== 'SUPPRESS') ctx.log.info(`cognito-idp ${pool.Id}: temporary password of ${u.Username} (no invitation is sent by Cumulus): ${temporary}`);
      return { User: describeUser(u) };
    });
  },

  AdminSetUserPassword(ctx, { UserPoolId, Username, Password, Permanent }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    const u = userOf(ctx.store, scope, pool.Id, Username);
    checkPassword(pool.PasswordPolicy, Password);
    u.password = hashPassword(Password);
    u.srp = srpMaterial(pool.Id, u.Username, Password);
    u.UserStatus = Permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD';
    saveUser(ctx.store, scope, u, ctx.clock.now());
    return {};
  },

  AdminGetUser(ctx, { UserPoolId, Username }) {
    const scope = regional(ctx);
    const u = userOf(ctx.store, scope, poolOf(ctx.store, scope, UserPoolId).Id, Username);
    const d = describeUser(u);
    return { Username: d.Username!, UserAttributes: d.Attributes, UserCreateDate: d.UserCreateDate, UserLastModifiedDate: d.UserLastModifiedDate, Enabled: d.Enabled, UserStatus: d.UserStatus };
  },

  ListUsers(ctx, { UserPoolId, AttributesToGet, Limit, PaginationToken, Filter }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    const keep = filterOf(Filter);
    const all = usersOfPool(ctx.store, scope, pool.Id).filter((u) => !keep || keep(u));
    const page = paginate(all, (u) => u.Username, { token: PaginationToken, max: Limit, defaultMax: 60, invalidTokenCode: 'InvalidParameterException' });
    return {
      Users: page.items.map((u) => {
        const d = describeUser(u);
        return AttributesToGet ? { ...d, Attributes: d.Attributes!.filter((a) => AttributesToGet.includes(a.Name)) } : d;
      }),
      PaginationToken: page.next,
    };
  },

  AdminDeleteUser(ctx, { UserPoolId, Username }) {
    const scope = regional(ctx);
    removeUser(ctx.store, scope, userOf(ctx.store, scope, poolOf(ctx.store, scope, UserPoolId).Id, Username));
  },

  async AdminConfirmSignUp(ctx, { UserPoolId, Username, ClientMetadata }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    const u = userOf(ctx.store, scope, pool.Id, Username);
    if (u.UserStatus !== 'UNCONFIRMED') throw new AwsError('NotAuthorizedException', `User cannot be confirmed. Current status is ${u.UserStatus}`);
    // an administrator's confirmation proves no attribute: email_verified stays as it was
    u.UserStatus = 'CONFIRMED';
    u.confirmationCode = undefined;
    saveUser(ctx.store, scope, u, ctx.clock.now());
    // as in AWS, the user stays confirmed when the PostConfirmation function then fails
    await postConfirmation(ctx, scope, pool, 'PostConfirmation_ConfirmSignUp', u, undefined, ClientMetadata);
    return {};
  },

  async SignUp(ctx, input) {
    const { scope, pool, client } = clientContext(ctx.store, input.ClientId);
    checkSecretHash(client, input.Username, input.SecretHash);
    if (input.Password === undefined) throw invalidParameter('Password is required.');
    checkPassword(pool.PasswordPolicy, input.Password);
    const given = attributesOf(pool, input.UserAttributes);
    const first = identityOf(ctx.store, scope, pool, input.Username, given, 'User already exists');
    const verdict = await preSignUp(ctx, scope, pool, 'PreSignUp_SignUp', first, input.ValidationData, input.ClientMetadata, client.ClientId);
    const password = input.Password;
    const out = ctx.store.transaction(() => {
      // checked again: another sign-up of the same name may have landed while the trigger ran
      const id = identityOf(ctx.store, scope, pool, input.Username, given, 'User already exists', first.sub);
      const now = ctx.clock.now();
      const confirmed = verdict?.autoConfirmUser === true;
      const code = confirmed ? undefined : String(randomInt(1_000_000)).padStart(6, '0');
      const u: UserRecord = { poolId: pool.Id, Username: id.username, sub: id.sub, Attributes: id.attributes, UserCreateDate: now, UserLastModifiedDate: now, Enabled: true, UserStatus: confirmed ? 'CONFIRMED' : 'UNCONFIRMED', password: hashPassword(password), srp: srpMaterial(pool.Id, id.username, password), confirmationCode: code };
      applyPreSignUp(u, verdict);
      saveUser(ctx.store, scope, u, now);
      if (code) ctx.log.info(`cognito-idp ${pool.Id}: confirmation code of ${u.Username}: ${code} (also at /_aws/cognito/codes/${pool.Id}/${u.Username})`);
      const email = attr(u, 'email');
      const byEmail = !confirmed && email && pool.config.AutoVerifiedAttributes?.includes('email');
      return {
        user: u,
        code,
        result: {
          UserConfirmed: confirmed,
          UserSub: u.sub,
          CodeDeliveryDetails: byEmail ? { Destination: maskEmail(email), DeliveryMedium: 'EMAIL' as const, AttributeName: 'email' } : undefined,
        },
      };
    });
    if (out.code) await customMessage(ctx, scope, pool, out.user, 'CustomMessage_SignUp', 'signup', out.code, client.ClientId, input.ClientMetadata);
    return out.result;
  },

  async ConfirmSignUp(ctx, input) {
    const { scope, pool, client } = clientContext(ctx.store, input.ClientId);
    checkSecretHash(client, input.Username, input.SecretHash);
    const u = userOf(ctx.store, scope, pool.Id, input.Username);
    if (u.UserStatus !== 'UNCONFIRMED') throw new AwsError('NotAuthorizedException', `User cannot be confirmed. Current status is ${u.UserStatus}`);
    if (!u.confirmationCode || input.ConfirmationCode !== u.confirmationCode) throw new AwsError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    confirm(pool, u);
    saveUser(ctx.store, scope, u, ctx.clock.now());
    await postConfirmation(ctx, scope, pool, 'PostConfirmation_ConfirmSignUp', u, client.ClientId, input.ClientMetadata);
    return {};
  },
};

/** UNCONFIRMED → CONFIRMED; auto-verified attributes become verified, as the code proved them. */
function confirm(pool: PoolRecord, u: UserRecord): void {
  u.UserStatus = 'CONFIRMED';
  u.confirmationCode = undefined;
  if (pool.config.AutoVerifiedAttributes?.includes('email') && attr(u, 'email')) {
    u.Attributes = [...u.Attributes.filter((a) => a.Name !== 'email_verified'), { Name: 'email_verified', Value: 'true' }];
  }
}
