// App clients: create (optional secret, explicit auth flows, token validities with their units), update (what
// it leaves out returns to its default), describe, list, delete. Token lifetimes are resolved here for the auth flows.
import { randomInt } from 'node:crypto';
import type { CognitoIdpOperations, UpdateUserPoolClientRequest, UserPoolClientType } from '../../generated/cognito-idp.js';
import { paginate } from '../../protocol/pagination.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { clientOf, clients, GLOBAL, owners, poolOf, type ClientRecord } from './store.js';
import { invalidParameter } from './errors.js';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number) => Array.from({ length: n }, () => LOWER_ALNUM[randomInt(LOWER_ALNUM.length)]).join('');


type Unit = 'seconds' | 'minutes' | 'hours' | 'days';
const UNIT_SECONDS: Record<Unit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/** Lifetimes in seconds of the client's tokens (AWS's defaults: 60 minutes, 60 minutes, 30 days). */
export function lifetimes(c: ClientRecord): { id: number; access: number; refresh: number } {
  const u = c.TokenValidityUnits ?? {};
  return {
    id: (c.IdTokenValidity ?? 60) * UNIT_SECONDS[(u.IdToken ?? 'minutes') as Unit],
    access: (c.AccessTokenValidity ?? 60) * UNIT_SECONDS[(u.AccessToken ?? 'minutes') as Unit],
    refresh: (c.RefreshTokenValidity ?? 30) * UNIT_SECONDS[(u.RefreshToken ?? 'days') as Unit],
  };
}

const LEGACY: Record<string, string> = { ADMIN_NO_SRP_AUTH: 'ALLOW_ADMIN_USER_PASSWORD_AUTH', USER_PASSWORD_AUTH: 'ALLOW_USER_PASSWORD_AUTH', CUSTOM_AUTH_FLOW_ONLY: 'ALLOW_CUSTOM_AUTH' };

/** The ALLOW_ flows a client permits (no list: SRP, custom and refresh, as AWS does). */
export function allowedFlows(c: ClientRecord): Set<string> {
  const flows = c.ExplicitAuthFlows?.length ? c.ExplicitAuthFlows : ['ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
  const out = new Set<string>(flows.map((f) => LEGACY[f] ?? f));
  // legacy flows always allowed refreshing
  if (flows.some((f) => LEGACY[f])) out.add('ALLOW_REFRESH_TOKEN_AUTH');
  return out;
}

function check(c: ClientRecord): void {
  const flows = c.ExplicitAuthFlows ?? [];
  if (flows.some((f) => LEGACY[f]) && flows.some((f) => f.startsWith('ALLOW_'))) {
    throw invalidParameter('The legacy values (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) and the new values (ALLOW_*) of ExplicitAuthFlows cannot be combined.');
  }
  const t = lifetimes(c);
  if (t.access < 300 || t.access > 86400) throw invalidParameter('Access token validity must be between 5 minutes and 1 day.');
  if (t.id < 300 || t.id > 86400) throw invalidParameter('Id token validity must be between 5 minutes and 1 day.');
  if (t.refresh < 3600 || t.refresh > 315360000) throw invalidParameter('Refresh token validity must be between 60 minutes and 10 years.');
  if (t.refresh < t.access || t.refresh < t.id) throw invalidParameter('Refresh token validity must be greater than the access and id token validities.');
}

type ClientSettings = Omit<UpdateUserPoolClientRequest, 'UserPoolId' | 'ClientId' | 'ClientName'>;

/** The settings CreateUserPoolClient and UpdateUserPoolClient both take, each given or at AWS's default. */
function settingsOf(input: ClientSettings): Omit<ClientRecord, 'UserPoolId' | 'ClientId' | 'ClientName' | 'ClientSecret' | 'CreationDate' | 'LastModifiedDate'> {
  return {
    ...input,
    RefreshTokenValidity: input.RefreshTokenValidity ?? 30,
    AccessTokenValidity: input.AccessTokenValidity ?? 60,
    IdTokenValidity: input.IdTokenValidity ?? 60,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days', ...input.TokenValidityUnits },
    AllowedOAuthFlowsUserPoolClient: input.AllowedOAuthFlowsUserPoolClient ?? false,
    EnableTokenRevocation: input.EnableTokenRevocation ?? true,
    EnablePropagateAdditionalUserContextData: input.EnablePropagateAdditionalUserContextData ?? false,
    AuthSessionValidity: input.AuthSessionValidity ?? 3,
    PreventUserExistenceErrors: input.PreventUserExistenceErrors ?? 'ENABLED',
  };
}

export function describeClient(c: ClientRecord): UserPoolClientType {
  const { CreationDate, LastModifiedDate, ...rest } = c;
  return { ...rest, CreationDate: new Date(CreationDate), LastModifiedDate: new Date(LastModifiedDate) };
}

export const clientHandlers: Handlers<CognitoIdpOperations> = {
  CreateUserPoolClient(ctx, input) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, input.UserPoolId);
    if (input.ClientSecret !== undefined && !input.GenerateSecret) throw invalidParameter('ClientSecret can only be set when GenerateSecret is true.');
    const now = ctx.clock.now();
    const { UserPoolId: _p, ClientName, GenerateSecret, ClientSecret, ...settings } = input;
    const c: ClientRecord = {
      ...settingsOf(settings),
      UserPoolId: pool.Id,
      ClientName,
      ClientId: rand(26),
      ClientSecret: GenerateSecret ? (ClientSecret ?? rand(51)) : undefined,
      CreationDate: now,
      LastModifiedDate: now,
    };
    check(c);
    clients(ctx.store).put(scope, c.ClientId, c);
    owners(ctx.store).put(GLOBAL, `client/${c.ClientId}`, { account: ctx.account, region: ctx.region, poolId: pool.Id });
    return { UserPoolClient: describeClient(c) };
  },

  /**
   * As AWS warns: every setting the request leaves out goes back to its default (its auth flows, token
   * validities, OAuth settings …). The client's id, secret, pool and creation date stay; so does its name
   * when none is given (a client always has one).
   */
  UpdateUserPoolClient(ctx, input) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, input.UserPoolId);
    const old = clientOf(ctx.store, scope, pool.Id, input.ClientId);
    const { UserPoolId: _p, ClientId: _c, ClientName, ...settings } = input;
    const c: ClientRecord = {
      ...settingsOf(settings),
      UserPoolId: old.UserPoolId,
      ClientName: ClientName ?? old.ClientName,
      ClientId: old.ClientId,
      ClientSecret: old.ClientSecret,
      CreationDate: old.CreationDate,
      LastModifiedDate: ctx.clock.now(),
    };
    check(c);
    clients(ctx.store).put(scope, c.ClientId, c);
    return { UserPoolClient: describeClient(c) };
  },

  DescribeUserPoolClient(ctx, { UserPoolId, ClientId }) {
    poolOf(ctx.store, regional(ctx), UserPoolId);
    return { UserPoolClient: describeClient(clientOf(ctx.store, regional(ctx), UserPoolId, ClientId)) };
  },

  ListUserPoolClients(ctx, { UserPoolId, MaxResults, NextToken }) {
    const scope = regional(ctx);
    poolOf(ctx.store, scope, UserPoolId);
    const all = clients(ctx.store).list(scope).filter((c) => c.UserPoolId === UserPoolId);
    const page = paginate(all, (c) => c.ClientId, { token: NextToken, max: MaxResults, defaultMax: 60, invalidTokenCode: 'InvalidParameterException' });
    return { UserPoolClients: page.items.map((c) => ({ ClientId: c.ClientId, UserPoolId: c.UserPoolId, ClientName: c.ClientName })), NextToken: page.next };
  },

  DeleteUserPoolClient(ctx, { UserPoolId, ClientId }) {
    const scope = regional(ctx);
    poolOf(ctx.store, scope, UserPoolId);
    clientOf(ctx.store, scope, UserPoolId, ClientId);
    clients(ctx.store).delete(scope, ClientId);
    owners(ctx.store).delete(GLOBAL, `client/${ClientId}`);
  },
};
