// API destinations: an HTTP endpoint that rules deliver events to, authenticated by a connection. A target's
// HttpParameters fill the endpoint's `*` path segments and add headers and query parameters.
// Failures answered with 401, 407, 409, 429 or 5xx are retried (as AWS does); other statuses are not.
import { randomUUID } from 'node:crypto';
import type {
  ApiDestination,
  CreateApiDestinationRequest,
  CreateApiDestinationResponse,
  DescribeApiDestinationResponse,
  HttpParameters,
  ListApiDestinationsRequest,
  ListApiDestinationsResponse,
  UpdateApiDestinationRequest,
  UpdateApiDestinationResponse,
} from '../../generated/events.js';
import type { TargetInvocation, TargetResult } from '../../events/targets.js';
import { AwsError } from '../../protocol/errors.js';
import { arn, parseArn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { regional, type RequestContext, type Runtime } from '../../server/context.js';
import type { Store, Table } from '../../state/db.js';
import { authorize, type ConnectionRecord, connectionsTable } from './connections.js';
import { SERVICE } from './store.js';

type Method = CreateApiDestinationRequest['HttpMethod'];

export interface ApiDestinationRecord {
  Name: string;
  ApiDestinationArn: string;
  Description?: string;
  ConnectionArn: string;
  InvocationEndpoint: string;
  HttpMethod: Method;
  InvocationRateLimitPerSecond: number;
  CreationTime: number;
  LastModifiedTime: number;
}

const destinationsTable = (store: Store): Table<ApiDestinationRecord> => store.table<ApiDestinationRecord>(SERVICE, 'api-destination');

/** The message of failures EventBridge does not retry; delivery.ts recognises the words. */
export const NOT_RETRIED = '(not retried)';

function requireDestination(ctx: RequestContext, name: string): ApiDestinationRecord {
  const d = destinationsTable(ctx.store).get(regional(ctx), name);
  if (!d) throw new AwsError('ResourceNotFoundException', `An api-destination '${name}' does not exist.`);
  return d;
}

function connectionByArn(ctx: RequestContext, connectionArn: string): ConnectionRecord {
  const name = parseArn(connectionArn)?.resource.split('/')[1];
  const c = name ? connectionsTable(ctx.store).get(regional(ctx), name) : undefined;
  if (!c || c.ConnectionArn !== connectionArn) throw new AwsError('ResourceNotFoundException', `Connection '${name ?? connectionArn}' does not exist.`);
  return c;
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new AwsError('ValidationException', `Parameter InvocationEndpoint is not valid. Reason: ${endpoint} is not a valid URL.`);
  }
  // AWS accepts only HTTPS; Cumulus also lets plain HTTP reach services on this machine
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AwsError('ValidationException', 'Parameter InvocationEndpoint is not valid. Reason: The endpoint must be an HTTPS URL.');
  }
}

function view(d: ApiDestinationRecord): ApiDestination & DescribeApiDestinationResponse {
  return {
    ApiDestinationArn: d.ApiDestinationArn,
    Name: d.Name,
    Description: d.Description,
    ApiDestinationState: 'ACTIVE',
    ConnectionArn: d.ConnectionArn,
    InvocationEndpoint: d.InvocationEndpoint,
    HttpMethod: d.HttpMethod,
    InvocationRateLimitPerSecond: d.InvocationRateLimitPerSecond,
    CreationTime: new Date(d.CreationTime),
    LastModifiedTime: new Date(d.LastModifiedTime),
  };
}

export function createApiDestination(ctx: RequestContext, input: CreateApiDestinationRequest): CreateApiDestinationResponse {
  const scope = regional(ctx);
  if (destinationsTable(ctx.store).has(scope, input.Name)) throw new AwsError('ResourceAlreadyExistsException', `An api-destination '${input.Name}' already exists.`);
  connectionByArn(ctx, input.ConnectionArn);
  checkEndpoint(input.InvocationEndpoint);
  const now = ctx.clock.now();
  const d: ApiDestinationRecord = {
    Name: input.Name,
    ApiDestinationArn: arn({ service: 'events', region: ctx.region, account: ctx.account, resource: `api-destination/${input.Name}/${randomUUID()}` }),
    Description: input.Description,
    ConnectionArn: input.ConnectionArn,
    InvocationEndpoint: input.InvocationEndpoint,
    HttpMethod: input.HttpMethod,
    InvocationRateLimitPerSecond: input.InvocationRateLimitPerSecond ?? 300,
    CreationTime: now,
    LastModifiedTime: now,
  };
  destinationsTable(ctx.store).put(scope, d.Name, d);
  return { ApiDestinationArn: d.ApiDestinationArn, ApiDestinationState: 'ACTIVE', CreationTime: new Date(now), LastModifiedTime: new Date(now) };
}

export function describeApiDestination(ctx: RequestContext, name: string): DescribeApiDestinationResponse {
  return view(requireDestination(ctx, name));
}

export function listApiDestinations(ctx: RequestContext, input: ListApiDestinationsRequest): ListApiDestinationsResponse {
  const all = destinationsTable(ctx.store)
    .list(regional(ctx))
    .filter((d) => (!input.NamePrefix || d.Name.startsWith(input.NamePrefix)) && (!input.ConnectionArn || d.ConnectionArn === input.ConnectionArn))
    .sort((a, b) => a.Name.localeCompare(b.Name));
  const page = paginate(all, (d) => d.Name, { token: input.NextToken, max: input.Limit, defaultMax: 100, invalidTokenCode: 'ValidationException' });
  return {
    ApiDestinations: page.items.map((d) => {
      const { Description: _d, ...rest } = view(d);
      return rest;
    }),
    NextToken: page.next,
  };
}

export function updateApiDestination(ctx: RequestContext, input: UpdateApiDestinationRequest): UpdateApiDestinationResponse {
  const d = requireDestination(ctx, input.Name);
  if (input.ConnectionArn) {
    connectionByArn(ctx, input.ConnectionArn);
    d.ConnectionArn = input.ConnectionArn;
  }
  if (input.InvocationEndpoint) {
    checkEndpoint(input.InvocationEndpoint);
    d.InvocationEndpoint = input.InvocationEndpoint;
  }
  if (input.Description !== undefined) d.Description = input.Description;
  if (input.HttpMethod) d.HttpMethod = input.HttpMethod;
  if (input.InvocationRateLimitPerSecond) d.InvocationRateLimitPerSecond = input.InvocationRateLimitPerSecond;
  d.LastModifiedTime = ctx.clock.now();
  destinationsTable(ctx.store).put(regional(ctx), d.Name, d);
  return { ApiDestinationArn: d.ApiDestinationArn, ApiDestinationState: 'ACTIVE', CreationTime: new Date(d.CreationTime), LastModifiedTime: new Date(d.LastModifiedTime) };
}

export function deleteApiDestination(ctx: RequestContext, name: string): Record<string, never> {
  requireDestination(ctx, name);
  destinationsTable(ctx.store).delete(regional(ctx), name);
  return {};
}

const API_DESTINATION_ARN = /^arn:[^:]+:events:([^:]+):(\d{12}):api-destination\/([^/]+)\/.+$/;

export function isApiDestinationArn(value: string): boolean {
  return API_DESTINATION_ARN.test(value);
}

const pairs = (list: { Key?: string; Value?: string }[] | undefined) => (list ?? []).filter((p) => p.Key).map((p) => [p.Key!, p.Value ?? ''] as const);

/** Statuses EventBridge retries for API destinations. */
const RETRIED = new Set([401, 407, 409, 429]);

/** Sends an event to an API destination over HTTP, authenticated by its connection. */
export async function invokeApiDestination(runtime: Runtime, inv: TargetInvocation): Promise<TargetResult> {
  const m = API_DESTINATION_ARN.exec(inv.arn)!;
  const scope = { region: m[1]!, account: m[2]! };
  const d = destinationsTable(runtime.store).get(scope, m[3]!);
  if (!d || d.ApiDestinationArn !== inv.arn) return { ok: false, message: `API destination ${inv.arn} does not exist.` };
  const connectionName = parseArn(d.ConnectionArn)?.resource.split('/')[1] ?? '';
  let c = connectionsTable(runtime.store).get(scope, connectionName);
  if (!c) return { ok: false, message: `Connection ${d.ConnectionArn} does not exist.` };
  // an expired token is renewed; a deauthorized connection stays so until UpdateConnection
  const expired = !c.Token || (c.Token.expiresAt !== undefined && c.Token.expiresAt <= runtime.clock.now());
  if (c.AuthorizationType === 'OAUTH_CLIENT_CREDENTIALS' && c.ConnectionState !== 'DEAUTHORIZED' && expired) {
    c = (await authorize(runtime, scope, connectionName)) ?? c;
  }
  if (c.ConnectionState !== 'AUTHORIZED') return { ok: false, message: `Connection ${c.Name} is not authorized (${c.ConnectionState}) ${NOT_RETRIED}` };

  const http = inv.context?.httpParameters as HttpParameters | undefined;
  let endpoint = d.InvocationEndpoint;
  for (const value of http?.PathParameterValues ?? []) endpoint = endpoint.replace('*', encodeURIComponent(value));
  const url = new URL(endpoint);
  const auth = c.AuthParameters;
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Amazon/EventBridge/ApiDestinations' };
  for (const [k, v] of pairs(auth.InvocationHttpParameters?.HeaderParameters)) headers[k] = v;
  for (const [k, v] of pairs(auth.InvocationHttpParameters?.QueryStringParameters)) url.searchParams.set(k, v);
  for (const [k, v] of Object.entries(http?.HeaderParameters ?? {})) headers[k] = v;
  for (const [k, v] of Object.entries(http?.QueryStringParameters ?? {})) url.searchParams.set(k, v);
  if (auth.BasicAuthParameters) {
    headers.Authorization = `Basic ${Buffer.from(`${auth.BasicAuthParameters.Username}:${auth.BasicAuthParameters.Password}`).toString('base64')}`;
  } else if (auth.ApiKeyAuthParameters) {
    headers[auth.ApiKeyAuthParameters.ApiKeyName] = auth.ApiKeyAuthParameters.ApiKeyValue;
  } else if (c.Token) {
    headers.Authorization = `Bearer ${c.Token.value}`;
  }
  const bodyless = d.HttpMethod === 'GET' || d.HttpMethod === 'HEAD';
  try {
    const res = await fetch(url, { method: d.HttpMethod, headers, body: bodyless ? undefined : inv.payload, signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { ok: true, message: `${d.HttpMethod} ${url.origin}${url.pathname} answered ${res.status}` };
    const retried = RETRIED.has(res.status) || res.status >= 500;
    return { ok: false, message: `${d.HttpMethod} ${url.origin}${url.pathname} answered ${res.status}${retried ? '' : ` ${NOT_RETRIED}`}` };
  } catch (err) {
    return { ok: false, message: `${d.HttpMethod} ${url.origin}${url.pathname} failed: ${(err as Error).message}` };
  }
}
