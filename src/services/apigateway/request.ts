// One request to a deployed stage as the data plane sees it, and the $context variables built from it.
import type { Runtime } from '../../server/context.js';
import type { ExecutionLog } from './execution-log.js';
import type { Route } from './router.js';
import type { ApiDefinition, StageRecord } from './store.js';

export interface ApiRequest {
  runtime: Runtime;
  account: string;
  region: string;
  apiId: string;
  def: ApiDefinition;
  stage: StageRecord;
  httpMethod: string;
  /** the path inside the stage, percent-encoded as received, e.g. /pets/1 */
  path: string;
  segments: string[];
  query: URLSearchParams;
  /** name, value, name, value … with the client's case (node's rawHeaders) */
  rawHeaders: string[];
  /** lower-cased names */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
  domainName: string;
  domainPrefix: string;
  requestId: string;
  extendedRequestId: string;
  requestTimeEpoch: number;
  /** the path as the client sent it, when that is not /{stage}/{path} (custom domain names) */
  publicPath?: string;
  route?: Route;
  /** X-Amzn-Trace-Id of the request */
  traceId?: string;
  /** the port the client connected to (X-Forwarded-Port) */
  port?: number;
  /** served by the stage's canary */
  isCanaryRequest?: boolean;
  /** principalId, the authorizer's context, claims … */
  authorizer?: Record<string, unknown>;
  apiKey?: { id: string; value: string };
  /** the API key a Lambda authorizer named (apiKeySource AUTHORIZER) */
  usageIdentifierKey?: string;
  /** the caller, when IAM authorization identified one */
  caller?: { accountId: string; arn: string; userId: string; accessKey: string };
  /** what request validation found, for $context.error.validationErrorString */
  validationError?: string;
  /** the execution log lines of this request, when the stage logs its method */
  execLog?: ExecutionLog;
  /** reached through this interface VPC endpoint (private APIs) */
  sourceVpce?: { id: string; vpcId: string };
  /** the API is PRIVATE: it needs a resource policy that allows the call */
  privateApi?: boolean;
  /** set once the error that answers the request is known, for $context.error */
  error?: { message: string; responseType: string };
}

export function header(req: Pick<ApiRequest, 'headers'>, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Headers with the client's case: the last value of each, and every value. */
export function headerMaps(rawHeaders: string[]): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

let lastSecond = NaN;
let lastText = '';

/** e.g. 30/Nov/2026:12:00:00 +0000 (the same text for every request of a second, formatted once) */
export function requestTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = formatRequestTime(second * 1000);
    lastSecond = second;
  }
  return lastText;
}

function formatRequestTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function identityOf(req: ApiRequest): Record<string, unknown> {
  return {
    cognitoIdentityPoolId: null,
    accountId: req.caller?.accountId ?? null,
    cognitoIdentityId: null,
    caller: req.caller?.userId ?? null,
    sourceIp: req.sourceIp,
    principalOrgId: null,
    accessKey: req.caller?.accessKey ?? null,
    cognitoAuthenticationType: null,
    cognitoAuthenticationProvider: null,
    userArn: req.caller?.arn ?? null,
    userAgent: header(req, 'user-agent') ?? null,
    user: req.caller?.userId ?? null,
    ...(req.apiKey ? { apiKey: req.apiKey.value, apiKeyId: req.apiKey.id } : {}),
    ...(req.sourceVpce ? { vpceId: req.sourceVpce.id, vpcId: req.sourceVpce.vpcId } : {}),
  };
}

/** The request's path as API Gateway reports it: /{stage}/{path} (a custom domain would drop the stage). */
export const stagePath = (req: ApiRequest) => req.publicPath ?? `/${req.stage.stageName}${req.path === '/' ? '/' : req.path}`;

/** $context in mapping templates, and the requestContext of proxy events. */
export function requestContext(req: ApiRequest): Record<string, unknown> {
  return {
    resourceId: req.route?.resource.id,
    resourcePath: req.route?.resource.path,
    httpMethod: req.httpMethod,
    extendedRequestId: req.extendedRequestId,
    requestTime: requestTime(req.requestTimeEpoch),
    path: stagePath(req),
    accountId: req.account,
    protocol: 'HTTP/1.1',
    stage: req.stage.stageName,
    domainPrefix: req.domainPrefix,
    requestTimeEpoch: req.requestTimeEpoch,
    requestId: req.requestId,
    identity: identityOf(req),
    domainName: req.domainName,
    deploymentId: req.stage.deploymentId,
    apiId: req.apiId,
    ...(req.authorizer ? { authorizer: req.authorizer } : {}),
  };
}

/** arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH, with the resource path or the request path. */
export function executeApiArn(req: ApiRequest, method: string, path: string): string {
  return `arn:aws:execute-api:${req.region}:${req.account}:${req.apiId}/${req.stage.stageName}/${method}${path.startsWith('/') ? path : '/' + path}`;
}
