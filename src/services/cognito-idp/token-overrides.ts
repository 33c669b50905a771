// The PreTokenGeneration trigger: before every issue of tokens (sign-in, refresh, the new-password challenge)
// the function sees the user's attributes and groups and may add, override or suppress claims and override the
// groups. The V1_0 event (version "1", claimsOverrideDetails) changes the ID token only; V2_0/V3_0 (version
// "2"/"3", claimsAndScopeOverrideDetails) change the ID and access tokens and the access token's scopes.
// Claims Cognito itself vouches for (issuer, subject, times, token ids…) are never changed by a function.
import type { RequestContext } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { groupClaims } from './groups.js';
import type { ClientRecord, PoolRecord, UserRecord } from './store.js';
import { eventAttributes, runTrigger, triggerArn, unrecognizable } from './triggers.js';

export interface GroupOverride {
  groups?: string[];
  roles?: string[];
  preferredRole?: string | null;
}

export interface TokenOverrides {
  idAdd?: Record<string, unknown>;
  idSuppress?: string[];
  accessAdd?: Record<string, unknown>;
  accessSuppress?: string[];
  scopesAdd?: string[];
  scopesSuppress?: string[];
  groups?: GroupOverride;
}

export type TokenSource = 'TokenGeneration_Authentication' | 'TokenGeneration_RefreshTokens' | 'TokenGeneration_NewPasswordChallenge';

const PROTECTED = new Set([
  'acr', 'amr', 'aud', 'at_hash', 'auth_time', 'azp', 'client_id', 'cognito:username', 'event_id', 'exp', 'iat', 'identities', 'iss',
  'jti', 'nonce', 'origin_jti', 'scope', 'sub', 'token_use', 'username', 'cognito:groups', 'cognito:roles', 'cognito:preferred_role',
]);

/** `claims` with the function's additions and suppressions; protected claims stay Cognito's. */
export function adjusted(claims: Record<string, unknown>, add: Record<string, unknown> | undefined, suppress: string[] | undefined): Record<string, unknown> {
  const out = { ...claims };
  for (const [k, v] of Object.entries(add ?? {})) if (!PROTECTED.has(k)) out[k] = v;
  for (const k of suppress ?? []) if (!PROTECTED.has(k)) delete out[k];
  return out;
}

/** The group claims with the function's groupOverrideDetails in place of the user's memberships. */
export function withGroupOverride(g: { id: Record<string, unknown>; access: Record<string, unknown> }, o: GroupOverride | undefined): typeof g {
  if (!o) return g;
  const id = { ...g.id };
  const access = { ...g.access };
  if (o.groups) {
    id['cognito:groups'] = o.groups;
    access['cognito:groups'] = o.groups;
    if (!o.groups.length) {
      delete id['cognito:groups'];
      delete access['cognito:groups'];
    }
  }
  if (o.roles) {
    if (o.roles.length) id['cognito:roles'] = o.roles;
    else delete id['cognito:roles'];
  }
  if (o.preferredRole !== undefined) {
    if (o.preferredRole) id['cognito:preferred_role'] = o.preferredRole;
    else delete id['cognito:preferred_role'];
  }
  return { id, access };
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function strings(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw unrecognizable();
  return v as string[];
}

function claimsOf(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) throw unrecognizable();
  return v;
}

function groupsOf(v: unknown): GroupOverride | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) throw unrecognizable();
  const pr = v.preferredRole;
  if (pr !== undefined && pr !== null && typeof pr !== 'string') throw unrecognizable();
  return { groups: strings(v.groupsToOverride), roles: strings(v.iamRolesToOverride), preferredRole: pr as string | null | undefined };
}

/** Runs the pool's PreTokenGeneration trigger; undefined when the pool has none. */
export async function preTokenGeneration(
  ctx: RequestContext,
  scope: Scope,
  pool: PoolRecord,
  client: ClientRecord,
  u: UserRecord,
  source: TokenSource,
  clientMetadata: Record<string, string> | undefined,
): Promise<TokenOverrides | undefined> {
  if (!triggerArn(pool, 'PreTokenGeneration')) return undefined;
  const lambdaVersion = pool.config.LambdaConfig?.PreTokenGenerationConfig?.LambdaVersion ?? 'V1_0';
  const v1 = lambdaVersion === 'V1_0';
  const g = groupClaims(ctx.store, scope, u).id;
  const request: Record<string, unknown> = {
    userAttributes: eventAttributes(u, u.UserStatus),
    groupConfiguration: {
      groupsToOverride: (g['cognito:groups'] as string[] | undefined) ?? [],
      iamRolesToOverride: (g['cognito:roles'] as string[] | undefined) ?? [],
      preferredRole: (g['cognito:preferred_role'] as string | undefined) ?? null,
    },
  };
  if (!v1) request.scopes = ['aws.cognito.signin.user.admin'];
  if (clientMetadata) request.clientMetadata = clientMetadata;
  const r = await runTrigger(ctx, scope, pool, 'PreTokenGeneration', {
    version: v1 ? '1' : lambdaVersion === 'V2_0' ? '2' : '3',
    triggerSource: source,
    userName: u.Username,
    clientId: client.ClientId,
    request,
    response: v1 ? { claimsOverrideDetails: null } : { claimsAndScopeOverrideDetails: null },
  });
  if (!r) return undefined;
  if (v1) {
    const d = r.claimsOverrideDetails;
    if (d === undefined || d === null) return {};
    if (!isMap(d)) throw unrecognizable();
    return { idAdd: claimsOf(d.claimsToAddOrOverride), idSuppress: strings(d.claimsToSuppress), groups: groupsOf(d.groupOverrideDetails) };
  }
  const d = r.claimsAndScopeOverrideDetails;
  if (d === undefined || d === null) return {};
  if (!isMap(d)) throw unrecognizable();
  const id = d.idTokenGeneration ?? {};
  const access = d.accessTokenGeneration ?? {};
  if (!isMap(id) || !isMap(access)) throw unrecognizable();
  return {
    idAdd: claimsOf(id.claimsToAddOrOverride),
    idSuppress: strings(id.claimsToSuppress),
    accessAdd: claimsOf(access.claimsToAddOrOverride),
    accessSuppress: strings(access.claimsToSuppress),
    scopesAdd: strings(access.scopesToAdd),
    scopesSuppress: strings(access.scopesToSuppress),
    groups: groupsOf(d.groupOverrideDetails),
  };
}
