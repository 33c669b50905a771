// One request to a deployed HTTP API as the data plane sees it, and the answer it builds.
import type { Runtime } from '../../server/context.js';
import type { RouteMatch } from './router.js';
import type { ApiDefinition, ApiRecord, StageRecord } from './store.js';

export interface HttpApiRequest {
  runtime: Runtime;
  account: string;
  region: string;
  api: ApiRecord;
  def: ApiDefinition;
  stage: StageRecord;
  method: string;
  /** the path as the client sent it (with the stage prefix for named stages), still percent-encoded */
  rawPath: string;
  /** the path routes are matched against (without the stage) */
  path: string;
  rawQueryString: string;
  query: URLSearchParams;
  /** lower-cased names, repeated headers kept in order */
  headers: Map<string, string[]>;
  body: Buffer;
  sourceIp: string;
  domainName: string;
  domainPrefix: string;
  requestId: string;
  timeEpoch: number;
  match?: RouteMatch;
  /** what the authorizer found: JWT claims and scopes, or a Lambda authorizer's context */
  authorizer?: { jwt?: { claims: Record<string, string>; scopes?: string[] }; lambda?: Record<string, unknown>; principalId?: string; iam?: Record<string, unknown> };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** API Gateway's own error answers: a JSON body with a message. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFoundError = () => new GatewayError(404, 'Not Found');
export const unauthorized = (headers?: Record<string, string>) => new GatewayError(401, 'Unauthorized', headers);
export const forbidden = () => new GatewayError(403, 'Forbidden');
export const internalError = () => new GatewayError(500, 'Internal Server Error');
export const serviceUnavailable = () => new GatewayError(503, 'Service Unavailable');
export const tooManyRequests = () => new GatewayError(429, 'Too Many Requests');

export function headerOf(req: Pick<HttpApiRequest, 'headers'>, name: string): string | undefined {
  const v = req.headers.get(name.toLowerCase());
  return v ? v.join(',') : undefined;
}

/** The ARN authorizers and IAM see for this request: arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH. */
export function routeArn(req: HttpApiRequest): string {
  return sourceArn(req);
}

/** The ARN Lambda's resource policy is checked against: the method and path actually requested. */
export function sourceArn(req: HttpApiRequest): string {
  return `arn:aws:execute-api:${req.region}:${req.account}:${req.api.ApiId}/${req.stage.StageName}/${req.method}${req.path}`;
}

/** Apache's common-log time as API Gateway writes it: 12/Mar/2020:19:03:58 +0000 */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
