// Sign-in: InitiateAuth / AdminInitiateAuth with USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH),
// REFRESH_TOKEN_AUTH and USER_SRP_AUTH (its PASSWORD_VERIFIER challenge: srp-auth.ts); the NEW_PASSWORD_REQUIRED
// challenge of users created by an administrator; GetUser and GlobalSignOut with an access token. Custom flows
// are not served (an error says so). Pre/PostAuthentication and PreTokenGeneration triggers: auth-triggers.ts.
import { randomBytes } from 'node:crypto';
import type { AuthenticationResultType, CognitoIdpOperations } from '../../generated/cognito-idp.js';
import { AwsError } from '../../protocol/errors.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { checkSecretHash, clientContext, type ClientContext } from './client-auth.js';
import { allowedFlows } from './clients.js';
import { issueWithTriggers, preAuthentication } from './auth-triggers.js';
import { checkPassword, hashPassword, passwordMatches } from './password.js';
import { clientOf, findUser, poolOf, refreshTokens, sessions, userOf, type UserRecord } from './store.js';
import { srpMaterial } from './srp.js';
import { srpInitiate, srpRespond } from './srp-auth.js';
import { saveUser } from './users.js';
import { verifyJwt } from './verify.js';
import { badCredentials, invalidParameter, notAuthorized } from './errors.js';


interface AuthResult {
  ChallengeName?: 'NEW_PASSWORD_REQUIRED' | 'PASSWORD_VERIFIER';
  Session?: string;
  ChallengeParameters?: Record<string, string>;
  AuthenticationResult?: AuthenticationResultType;
}

function requireFlow(c: ClientContext, flow: string, name: string): void {
  if (!allowedFlows(c.client).has(flow)) throw invalidParameter(`${name} flow not enabled for this client`);
}

function param(p: Record<string, string> | undefined, name: string): string {
  const v = p?.[name];
  if (v === undefined || v === '') throw invalidParameter(`Missing required parameter ${name}`);
  return v;
}

type Meta = Record<string, string> | undefined;

async function passwordAuth(ctx: RequestContext, c: ClientContext, params: Record<string, string> | undefined, meta: Meta): Promise<AuthResult> {
  const username = param(params, 'USERNAME');
  const password = param(params, 'PASSWORD');
  checkSecretHash(c.client, username, params?.SECRET_HASH);
  const u = findUser(ctx.store, c.scope, c.pool.Id, username);
  if (!u) {
    if (c.client.PreventUserExistenceErrors === 'LEGACY') throw new AwsError('UserNotFoundException', 'User does not exist.');
    throw badCredentials();
  }
  // PreAuthentication decides before the password is checked
  await preAuthentication(ctx, c, u, meta);
  if (!passwordMatches(u.password, password)) throw badCredentials();
  return signedIn(ctx, c, u, meta);
}

/** What follows a proven password (USER_PASSWORD_AUTH or SRP): status checks, NEW_PASSWORD_REQUIRED or tokens. */
async function signedIn(ctx: RequestContext, c: ClientContext, u: UserRecord, meta: Meta): Promise<AuthResult> {
  if (!u.Enabled) throw notAuthorized('User is disabled.');
  if (u.UserStatus === 'UNCONFIRMED') throw new AwsError('UserNotConfirmedException', 'User is not confirmed.');
  if (u.UserStatus === 'RESET_REQUIRED') throw new AwsError('PasswordResetRequiredException', 'Password reset required for the user');
  if (u.UserStatus === 'FORCE_CHANGE_PASSWORD') {
    const session = randomBytes(64).toString('base64url');
    const minutes = c.client.AuthSessionValidity ?? 3;
    ctx.store.transaction(() => sessions(ctx.store).put(c.scope, session, { session, poolId: c.pool.Id, clientId: c.client.ClientId, username: u.Username, expires: ctx.clock.now() + minutes * 60_000 }));
    const attrs = Object.fromEntries(u.Attributes.filter((a) => a.Name !== 'sub').map((a) => [a.Name, a.Value ?? '']));
    const required = c.pool.Schema.filter((s) => s.Required && s.Name !== 'sub' && attrs[s.Name!] === undefined).map((s) => `userAttributes.${s.Name}`);
    return {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: session,
      ChallengeParameters: { USER_ID_FOR_SRP: u.Username, requiredAttributes: JSON.stringify(required), userAttributes: JSON.stringify(attrs) },
    };
  }
  return { ChallengeParameters: {}, AuthenticationResult: await issueWithTriggers(ctx, c, u, 'TokenGeneration_Authentication', meta) };
}

async function refreshAuth(ctx: RequestContext, c: ClientContext, params: Record<string, string> | undefined, meta: Meta): Promise<AuthResult> {
  const token = params?.REFRESH_TOKEN;
  if (!token) throw invalidParameter('Missing required parameter REFRESH_TOKEN');
  const r = refreshTokens(ctx.store).get(c.scope, token);
  if (!r || r.clientId !== c.client.ClientId) throw notAuthorized('Invalid Refresh Token');
  if (r.expires <= ctx.clock.now()) throw notAuthorized('Refresh Token has expired');
  const u = findUser(ctx.store, c.scope, c.pool.Id, r.username);
  if (!u) throw notAuthorized('Invalid Refresh Token');
  if (!u.Enabled) throw notAuthorized('User is disabled.');
  if (r.revoked) throw notAuthorized('Refresh Token has been revoked');
  // clients with a secret sign the refresh with the user's username (or sub)
  if (c.client.ClientSecret) checkSecretHash(c.client, params?.USERNAME ?? u.Username, params?.SECRET_HASH);
  return { ChallengeParameters: {}, AuthenticationResult: await issueWithTriggers(ctx, c, u, 'TokenGeneration_RefreshTokens', meta, { originJti: r.originJti, authTime: r.authTime }) };
}

async function initiate(ctx: RequestContext, c: ClientContext, flow: string, params: Record<string, string> | undefined, admin: boolean, meta: Meta): Promise<AuthResult> {
  switch (flow) {
    case 'USER_PASSWORD_AUTH':
      if (admin) break;
      requireFlow(c, 'ALLOW_USER_PASSWORD_AUTH', 'USER_PASSWORD_AUTH');
      return passwordAuth(ctx, c, params, meta);
    case 'ADMIN_USER_PASSWORD_AUTH':
    case 'ADMIN_NO_SRP_AUTH':
      if (!admin) break;
      requireFlow(c, 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_USER_PASSWORD_AUTH');
      return passwordAuth(ctx, c, params, meta);
    case 'REFRESH_TOKEN_AUTH':
    case 'REFRESH_TOKEN':
      requireFlow(c, 'ALLOW_REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN');
      return refreshAuth(ctx, c, params, meta);
    case 'USER_SRP_AUTH':
      requireFlow(c, 'ALLOW_USER_SRP_AUTH', 'USER_SRP_AUTH');
      return srpWithTrigger(ctx, c, params, meta);
    case 'CUSTOM_AUTH':
    case 'USER_AUTH':
      throw invalidParameter(`${flow} is not supported by Cumulus; use USER_PASSWORD_AUTH or ADMIN_USER_PASSWORD_AUTH`);
  }
  throw invalidParameter(`Initiate Auth method not supported.`);
}

/** USER_SRP_AUTH's first step: PreAuthentication for a known user, then the PASSWORD_VERIFIER challenge. */
async function srpWithTrigger(ctx: RequestContext, c: ClientContext, params: Record<string, string> | undefined, meta: Meta): Promise<AuthResult> {
  const u = params?.USERNAME ? findUser(ctx.store, c.scope, c.pool.Id, params.USERNAME) : undefined;
  if (u) await preAuthentication(ctx, c, u, meta);
  return ctx.store.transaction(() => srpInitiate(ctx, c, params));
}

async function respond(ctx: RequestContext, c: ClientContext, name: string, session: string | undefined, responses: Record<string, string> | undefined, meta: Meta): Promise<AuthResult> {
  if (name === 'PASSWORD_VERIFIER') return srpRespond(ctx, c, responses, (u) => signedIn(ctx, c, u, meta));
  if (name !== 'NEW_PASSWORD_REQUIRED') throw invalidParameter(`${name} is not supported by Cumulus`);
  const username = param(responses, 'USERNAME');
  const password = param(responses, 'NEW_PASSWORD');
  checkSecretHash(c.client, username, responses?.SECRET_HASH);
  const s = session ? sessions(ctx.store).get(c.scope, session) : undefined;
  const u = findUser(ctx.store, c.scope, c.pool.Id, username);
  if (!s || s.clientId !== c.client.ClientId || s.expires <= ctx.clock.now() || !u || u.Username !== s.username) {
    throw notAuthorized('Invalid session for the user, session is expired.');
  }
  checkPassword(c.pool.PasswordPolicy, password);
  for (const [k, v] of Object.entries(responses ?? {})) {
    if (!k.startsWith('userAttributes.')) continue;
    const name = k.slice(15);
    if (!c.pool.Schema.some((a) => a.Name === name) || name === 'sub') throw invalidParameter(`Attributes did not conform to the schema: ${name}: Attribute does not exist in the schema.\n`);
    u.Attributes = [...u.Attributes.filter((a) => a.Name !== name), { Name: name, Value: v }];
  }
  u.password = hashPassword(password);
  u.srp = srpMaterial(c.pool.Id, u.Username, password);
  u.UserStatus = 'CONFIRMED';
  // the new password stands (written before any trigger is awaited) even if a token trigger then fails
  saveUser(ctx.store, c.scope, u, ctx.clock.now());
  sessions(ctx.store).delete(c.scope, s.session);
  return { ChallengeParameters: {}, AuthenticationResult: await issueWithTriggers(ctx, c, u, 'TokenGeneration_NewPasswordChallenge', meta) };
}

function adminClient(ctx: RequestContext, poolId: string, clientId: string): ClientContext {
  const scope = regional(ctx);
  const pool = poolOf(ctx.store, scope, poolId);
  return { scope, pool, client: clientOf(ctx.store, scope, pool.Id, clientId) };
}

/** The user of a valid, unrevoked access token (NotAuthorizedException otherwise, with AWS's messages). */
export function userOfAccessToken(ctx: RequestContext, token: string): { user: UserRecord; scope: Scope } {
  const v = verifyJwt(ctx.store, token, ctx.clock.now());
  if (!v.ok) throw notAuthorized(v.reason === 'expired' ? 'Access Token has expired' : 'Invalid Access Token');
  if (v.claims.token_use !== 'access') throw notAuthorized('Invalid Access Token');
  const u = findUser(ctx.store, v.scope, v.pool.Id, String(v.claims.username));
  // a well-signed token of a user since deleted (or deleted and created again: another sub)
  if (!u || u.sub !== v.claims.sub) throw new AwsError('UserNotFoundException', 'User does not exist.');
  if (u.revokedOrigins?.includes(String(v.claims.origin_jti))) throw notAuthorized('Access Token has been revoked');
  return { user: u, scope: v.scope };
}

/**
 * Revokes every sign-in of the user (GlobalSignOut, AdminUserGlobalSignOut, AdminDisableUser): refresh tokens
 * answer 'revoked' until they expire (expired ones are dropped), access tokens answer 'revoked'.
 */
export function signOut(ctx: RequestContext, scope: Scope, u: UserRecord): void {
  const now = ctx.clock.now();
  const origins: string[] = [];
  for (const r of refreshTokens(ctx.store).list(scope)) {
    if (r.poolId !== u.poolId || r.username !== u.Username) continue;
    if (r.expires <= now) refreshTokens(ctx.store).delete(scope, r.token);
    else if (!r.revoked) refreshTokens(ctx.store).put(scope, r.token, { ...r, revoked: true });
    origins.push(r.originJti);
  }
  revokeOrigins(u, origins);
  saveUser(ctx.store, scope, u, now);
}

/** Marks sign-ins (origin_jti) whose access tokens answer 'Access Token has been revoked'; the latest 50 are kept. */
export function revokeOrigins(u: UserRecord, origins: string[]): void {
  const all = new Set(u.revokedOrigins ?? []);
  for (const o of origins) {
    all.delete(o);
    all.add(o);
  }
  u.revokedOrigins = [...all].slice(-50);
}

export const authHandlers: Handlers<CognitoIdpOperations> = {
  InitiateAuth(ctx, { ClientId, AuthFlow, AuthParameters, ClientMetadata }) {
    return initiate(ctx, clientContext(ctx.store, ClientId), AuthFlow, AuthParameters, false, ClientMetadata);
  },
  AdminInitiateAuth(ctx, { UserPoolId, ClientId, AuthFlow, AuthParameters, ClientMetadata }) {
    return initiate(ctx, adminClient(ctx, UserPoolId, ClientId), AuthFlow, AuthParameters, true, ClientMetadata);
  },
  RespondToAuthChallenge(ctx, { ClientId, ChallengeName, Session, ChallengeResponses, ClientMetadata }) {
    return respond(ctx, clientContext(ctx.store, ClientId), ChallengeName, Session, ChallengeResponses, ClientMetadata);
  },
  AdminRespondToAuthChallenge(ctx, { UserPoolId, ClientId, ChallengeName, Session, ChallengeResponses, ClientMetadata }) {
    return respond(ctx, adminClient(ctx, UserPoolId, ClientId), ChallengeName, Session, ChallengeResponses, ClientMetadata);
  },
  GetUser(ctx, { AccessToken }) {
    const { user } = userOfAccessToken(ctx, AccessToken);
    return { Username: user.Username, UserAttributes: user.Attributes };
  },
  GlobalSignOut(ctx, { AccessToken }) {
    const { user, scope } = userOfAccessToken(ctx, AccessToken);
    signOut(ctx, scope, user);
    return {};
  },
  AdminUserGlobalSignOut(ctx, { UserPoolId, Username }) {
    const scope = regional(ctx);
    signOut(ctx, scope, userOf(ctx.store, scope, poolOf(ctx.store, scope, UserPoolId).Id, Username));
    return {};
  },
};
