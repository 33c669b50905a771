// Connections: how API destinations authenticate (Basic, API key, OAuth client credentials) and the extra
// header, query and body parameters they send. Secrets are kept in the store and never shown back.
// OAuth connections fetch a token from their authorization endpoint after creation (AUTHORIZING →
// AUTHORIZED, or DEAUTHORIZED with the reason) and again when it expires.
import { randomUUID } from 'node:crypto';
import type {
  Connection,
  ConnectionHttpParameters,
  CreateConnectionAuthRequestParameters,
  CreateConnectionRequest,
  CreateConnectionResponse,
  DeleteConnectionResponse,
  DescribeConnectionResponse,
  ListConnectionsRequest,
  ListConnectionsResponse,
  UpdateConnectionRequest,
} from '../../generated/events.js';
import { AwsError } from '../../protocol/errors.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { regional, type RequestContext, type Runtime } from '../../server/context.js';
import type { Scope, Store, Table } from '../../state/db.js';
import { SERVICE } from './store.js';

type AuthType = 'BASIC' | 'OAUTH_CLIENT_CREDENTIALS' | 'API_KEY';
type ConnectionState = NonNullable<Connection['ConnectionState']>;

export interface ConnectionRecord {
  Name: string;
  ConnectionArn: string;
  Description?: string;
  AuthorizationType: AuthType;
  AuthParameters: CreateConnectionAuthRequestParameters;
  ConnectionState: ConnectionState;
  StateReason?: string;
  CreationTime: number;
  LastModifiedTime: number;
  LastAuthorizedTime?: number;
  /** the OAuth access token and when it expires (epoch ms) */
  Token?: { value: string; expiresAt?: number };
}

export const connectionsTable = (store: Store): Table<ConnectionRecord> => store.table<ConnectionRecord>(SERVICE, 'connection');

const PARAMS_OF: Record<AuthType, keyof CreateConnectionAuthRequestParameters> = {
  BASIC: 'BasicAuthParameters',
  API_KEY: 'ApiKeyAuthParameters',
  OAUTH_CLIENT_CREDENTIALS: 'OAuthParameters',
};

export function requireConnection(ctx: RequestContext, name: string): ConnectionRecord {
  const c = connectionsTable(ctx.store).get(regional(ctx), name);
  if (!c) throw new AwsError('ResourceNotFoundException', `Connection '${name}' does not exist.`);
  return c;
}

/** Secret values (IsValueSecret) are left out of what Describe shows. */
function publicParams(p: ConnectionHttpParameters | undefined): ConnectionHttpParameters | undefined {
  if (!p) return undefined;
  const hide = <T extends { Value?: string; IsValueSecret?: boolean }>(list: T[] | undefined) =>
    list?.map((x) => (x.IsValueSecret ? { ...x, Value: undefined } : x));
  return { HeaderParameters: hide(p.HeaderParameters), QueryStringParameters: hide(p.QueryStringParameters), BodyParameters: hide(p.BodyParameters) };
}

function summary(c: ConnectionRecord): Connection {
  return {
    ConnectionArn: c.ConnectionArn,
    Name: c.Name,
    ConnectionState: c.ConnectionState,
    StateReason: c.StateReason,
    AuthorizationType: c.AuthorizationType,
    CreationTime: new Date(c.CreationTime),
    LastModifiedTime: new Date(c.LastModifiedTime),
    LastAuthorizedTime: c.LastAuthorizedTime ? new Date(c.LastAuthorizedTime) : undefined,
  };
}

function checkAuth(type: AuthType, p: CreateConnectionAuthRequestParameters): void {
  const needed = PARAMS_OF[type];
  if (!p[needed]) throw new AwsError('ValidationException', `${needed} must be specified for AuthorizationType ${type}.`);
  for (const other of Object.values(PARAMS_OF)) {
    if (other !== needed && p[other]) throw new AwsError('ValidationException', `${other} cannot be specified for AuthorizationType ${type}.`);
  }
}

function responseTimes(c: ConnectionRecord) {
  return {
    ConnectionArn: c.ConnectionArn,
    ConnectionState: c.ConnectionState,
    CreationTime: new Date(c.CreationTime),
    LastModifiedTime: new Date(c.LastModifiedTime),
    LastAuthorizedTime: c.LastAuthorizedTime ? new Date(c.LastAuthorizedTime) : undefined,
  };
}

export function createConnection(ctx: RequestContext, input: CreateConnectionRequest): CreateConnectionResponse {
  const scope = regional(ctx);
  if (connectionsTable(ctx.store).has(scope, input.Name)) throw new AwsError('ResourceAlreadyExistsException', `Connection ${input.Name} already exists.`);
  if (input.InvocationConnectivityParameters) throw new AwsError('ValidationException', 'Private connectivity (InvocationConnectivityParameters) is not supported by Cumulus.');
  checkAuth(input.AuthorizationType, input.AuthParameters);
  const now = ctx.clock.now();
  const oauth = input.AuthorizationType === 'OAUTH_CLIENT_CREDENTIALS';
  const record: ConnectionRecord = {
    Name: input.Name,
    ConnectionArn: arn({ service: 'events', region: ctx.region, account: ctx.account, resource: `connection/${input.Name}/${randomUUID()}` }),
    Description: input.Description,
    AuthorizationType: input.AuthorizationType,
    AuthParameters: JSON.parse(JSON.stringify(input.AuthParameters)),
    ConnectionState: oauth ? 'AUTHORIZING' : 'AUTHORIZED',
    CreationTime: now,
    LastModifiedTime: now,
    LastAuthorizedTime: oauth ? undefined : now,
  };
  connectionsTable(ctx.store).put(scope, record.Name, record);
  if (oauth) setImmediate(() => void authorize(ctx, scope, record.Name));
  return responseTimes(record);
}

export function describeConnection(ctx: RequestContext, name: string): DescribeConnectionResponse {
  const c = requireConnection(ctx, name);
  const p = c.AuthParameters;
  return {
    ...summary(c),
    Description: c.Description,
    AuthParameters: {
      BasicAuthParameters: p.BasicAuthParameters ? { Username: p.BasicAuthParameters.Username } : undefined,
      ApiKeyAuthParameters: p.ApiKeyAuthParameters ? { ApiKeyName: p.ApiKeyAuthParameters.ApiKeyName } : undefined,
      OAuthParameters: p.OAuthParameters
        ? {
            ClientParameters: { ClientID: p.OAuthParameters.ClientParameters.ClientID },
            AuthorizationEndpoint: p.OAuthParameters.AuthorizationEndpoint,
            HttpMethod: p.OAuthParameters.HttpMethod,
            OAuthHttpParameters: publicParams(p.OAuthParameters.OAuthHttpParameters),
          }
        : undefined,
      InvocationHttpParameters: publicParams(p.InvocationHttpParameters),
    },
  };
}

export function listConnections(ctx: RequestContext, input: ListConnectionsRequest): ListConnectionsResponse {
  const all = connectionsTable(ctx.store)
    .list(regional(ctx))
    .filter((c) => (!input.NamePrefix || c.Name.startsWith(input.NamePrefix)) && (!input.ConnectionState || c.ConnectionState === input.ConnectionState))
    .sort((a, b) => a.Name.localeCompare(b.Name));
  const page = paginate(all, (c) => c.Name, { token: input.NextToken, max: input.Limit, defaultMax: 100, invalidTokenCode: 'ValidationException' });
  return { Connections: page.items.map(summary), NextToken: page.next };
}

export function updateConnection(ctx: RequestContext, input: UpdateConnectionRequest) {
  const c = requireConnection(ctx, input.Name);
  if (input.Description !== undefined) c.Description = input.Description;
  if (input.AuthorizationType) c.AuthorizationType = input.AuthorizationType;
  if (input.AuthParameters) {
    // members given replace those stored; secrets left out keep their stored values
    const merged = JSON.parse(JSON.stringify(c.AuthParameters)) as Record<string, Record<string, unknown>>;
    for (const [k, v] of Object.entries(input.AuthParameters)) if (v) merged[k] = { ...(merged[k] ?? {}), ...JSON.parse(JSON.stringify(v)) };
    c.AuthParameters = merged as CreateConnectionAuthRequestParameters;
  }
  checkAuth(c.AuthorizationType, c.AuthParameters);
  const oauth = c.AuthorizationType === 'OAUTH_CLIENT_CREDENTIALS';
  c.ConnectionState = oauth ? 'AUTHORIZING' : 'AUTHORIZED';
  c.StateReason = undefined;
  c.Token = undefined;
  c.LastModifiedTime = ctx.clock.now();
  if (!oauth) c.LastAuthorizedTime = c.LastModifiedTime;
  const scope = regional(ctx);
  connectionsTable(ctx.store).put(scope, c.Name, c);
  if (oauth) setImmediate(() => void authorize(ctx, scope, c.Name));
  return responseTimes(c);
}

export function deauthorizeConnection(ctx: RequestContext, name: string) {
  const c = requireConnection(ctx, name);
  c.ConnectionState = 'DEAUTHORIZED';
  c.Token = undefined;
  c.LastModifiedTime = ctx.clock.now();
  connectionsTable(ctx.store).put(regional(ctx), name, c);
  return responseTimes(c);
}

export function deleteConnection(ctx: RequestContext, name: string): DeleteConnectionResponse {
  const c = requireConnection(ctx, name);
  connectionsTable(ctx.store).delete(regional(ctx), name);
  return { ...responseTimes(c), ConnectionState: 'DELETING' };
}

const pairs = (list: { Key?: string; Value?: string }[] | undefined) => (list ?? []).filter((p) => p.Key).map((p) => [p.Key!, p.Value ?? ''] as const);

/** Fetches an OAuth token with the client credentials; records the outcome on the connection. */
export async function authorize(runtime: Runtime, scope: Scope, name: string): Promise<ConnectionRecord | undefined> {
  const table = connectionsTable(runtime.store);
  const c = table.get(scope, name);
  const oauth = c?.AuthParameters.OAuthParameters;
  if (!c || !oauth) return c;
  const url = new URL(oauth.AuthorizationEndpoint);
  const extra = oauth.OAuthHttpParameters;
  for (const [k, v] of pairs(extra?.QueryStringParameters)) url.searchParams.set(k, v);
  const headers: Record<string, string> = {
    Authorization: `Basic ${Buffer.from(`${oauth.ClientParameters.ClientID}:${oauth.ClientParameters.ClientSecret}`).toString('base64')}`,
  };
  for (const [k, v] of pairs(extra?.HeaderParameters)) headers[k] = v;
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  for (const [k, v] of pairs(extra?.BodyParameters)) body.set(k, v);
  let update: Partial<ConnectionRecord>;
  try {
    const res = await fetch(url, {
      method: oauth.HttpMethod,
      headers: oauth.HttpMethod === 'GET' ? headers : { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: oauth.HttpMethod === 'GET' ? undefined : body.toString(),
      signal: AbortSignal.timeout(5000),
    });
    const json = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number };
    if (!res.ok || !json.access_token) throw new Error(`The authorization endpoint answered ${res.status} without an access_token.`);
    const now = runtime.clock.now();
    update = {
      ConnectionState: 'AUTHORIZED',
      StateReason: undefined,
      LastAuthorizedTime: now,
      Token: { value: json.access_token, expiresAt: json.expires_in ? now + json.expires_in * 1000 : undefined },
    };
  } catch (err) {
    update = { ConnectionState: 'DEAUTHORIZED', StateReason: `Failed to authorize: ${(err as Error).message}`, Token: undefined };
  }
  const current = table.get(scope, name);
  if (!current) return undefined;
  const next = { ...current, ...update };
  table.put(scope, name, next);
  return next;
}
