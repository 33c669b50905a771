// AWS service integrations (type AWS, other than Lambda): `arn:aws:apigateway:{region}:{subdomain.}{service}:action/{Action}`
// (query-style: Action={Action} with the mapped parameters) or `…:{service}:path/{path}` (REST-style). API Gateway
// assumes the integration's `credentials` role and signs the request as that role; here the request goes to
// Cumulus's own listener on 127.0.0.1, signed with SigV4 by credentials STS issues for the role, so the service's
// handler sees the role session as its caller (and strict SigV4 mode verifies the signature).
import { createHash, createHmac } from 'node:crypto';
import type { Integration } from '../../generated/apigateway.js';
import { accessKeyById, roleByArn, trustPolicyAllows, trustPolicyOf } from '../iam/index.js';
import { issueRoleCredentials, sessionByAccessKey } from '../sts/index.js';
import { logError, type LoggedRequest } from './execution-log.js';
import { internalError } from './gateway-errors.js';
import { callHttp, type BackendAnswer } from './http-call.js';
import type { ApiRequest } from './request.js';

export interface AwsTarget {
  region: string;
  /** the service's endpoint prefix, e.g. sts, ec2, events, lambda */
  service: string;
  kind: 'action' | 'path';
  /** the action name, or the path (without its leading slash) */
  value: string;
}

export function awsTargetOf(uri: string, defaultRegion: string): AwsTarget | undefined {
  const m = /^arn:aws[a-z-]*:apigateway:([^:]*):([^:]+):(action|path)\/(.+)$/.exec(uri);
  if (!m) return undefined;
  const host = m[2]!;
  return { region: m[1] || defaultRegion, service: host.slice(host.lastIndexOf('.') + 1), kind: m[3] as 'action' | 'path', value: m[4]! };
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** SigV4 headers for a request to Cumulus (the canonical form server/sigv4.ts verifies). */
function sign(keys: Keys, method: string, path: string, query: URLSearchParams, headers: Record<string, string>, body: Buffer, region: string, service: string, now: number): void {
  const amzDate = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  headers['x-amz-date'] = amzDate;
  if (keys.sessionToken) headers['x-amz-security-token'] = keys.sessionToken;
  headers['x-amz-content-sha256'] = sha256hex(body);
  const names = Object.keys(headers).map((k) => k.toLowerCase()).sort();
  const signedHeaders = names.join(';');
  const lines = names.map((n) => `${n}:${(headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalPath = (path || '/').split('/').map(rfc3986).join('/') || '/';
  const pairs: [string, string][] = [...query].map(([k, v]) => [rfc3986(k), rfc3986(v)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const canonical = [method, canonicalPath, pairs.map(([k, v]) => `${k}=${v}`).join('&'), lines, signedHeaders, headers['x-amz-content-sha256']].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${keys.secretAccessKey}`, date), region), service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

/** What calling a service as API Gateway reads of the request: REST APIs pass theirs, HTTP APIs' service
 *  integrations a request of their own. */
export type AwsCallRequest = LoggedRequest & Pick<ApiRequest, 'account' | 'region'> & Partial<Pick<ApiRequest, 'caller'>>;

/** Where Cumulus's own listener is reachable from inside the process. */
function selfAddress(req: Pick<ApiRequest, 'runtime'>): string {
  const host = req.runtime.config.host;
  const local = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${local}:${req.runtime.config.port}`;
}

/** Whether API Gateway may assume the role: it exists and trusts apigateway.amazonaws.com. */
export function assumable(req: Pick<ApiRequest, 'runtime' | 'account'>, roleArn: string): boolean {
  const role = roleByArn(req.runtime, roleArn);
  return role !== undefined && trustPolicyAllows(trustPolicyOf(role), { arn: '', account: req.account, service: 'apigateway.amazonaws.com' }, 'sts:AssumeRole');
}

export const cannotAssume = (roleArn: string) => `Execution failed due to configuration error: API Gateway does not have permission to assume the provided role ${roleArn}`;

/** The role's keys, or a configuration error as API Gateway reports when it cannot assume the role. */
function roleKeys(req: AwsCallRequest, roleArn: string): Keys {
  try {
    if (!assumable(req, roleArn)) throw new Error('not trusted');
    const c = issueRoleCredentials(req.runtime, { region: req.region }, roleArn, `BackplaneAssumeRoleSession-${req.requestId.slice(0, 8)}`, 900).Credentials;
    return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
  } catch {
    logError(req, cannotAssume(roleArn));
    throw internalError(500);
  }
}

/** The keys of the caller an IAM-authorized method identified (an IAM user's key or an STS session's). */
function callerKeys(req: AwsCallRequest): Keys | undefined {
  const id = req.caller?.accessKey;
  if (!id) return undefined;
  const user = accessKeyById(req.runtime, id);
  if (user?.Status === 'Active') return { accessKeyId: id, secretAccessKey: user.SecretAccessKey };
  const session = sessionByAccessKey(req.runtime, id);
  if (session) return { accessKeyId: id, secretAccessKey: session.SecretAccessKey, sessionToken: session.SessionToken };
  // a key Cumulus takes without a secret (an account id, test keys) signs only where signatures are not verified
  return req.runtime.config.strictSigV4 ? undefined : { accessKeyId: id, secretAccessKey: 'unverified' };
}

export interface AwsCall {
  target: AwsTarget;
  method: string;
  /** the path from the URI (percent-encoded as given), path parameters substituted */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
}

/** The endpoint URI API Gateway names in its logs. */
export function endpointUri(t: AwsTarget, path: string, query: URLSearchParams): string {
  const q = query.toString();
  return `https://${t.service}.${t.region}.amazonaws.com${path}${q ? `?${q}` : ''}`;
}

export function callAwsService(req: AwsCallRequest, integ: Integration, call: AwsCall): Promise<BackendAnswer> {
  const creds = integ.credentials;
  const headers: Record<string, string> = { ...call.headers, host: selfAddress(req) };
  if (creds && /^arn:aws[a-z-]*:iam::\d{12}:role\//.test(creds)) {
    sign(roleKeys(req, creds), call.method, call.path, call.query, headers, call.body, call.target.region, call.target.service, req.runtime.clock.now());
  } else if (creds && /^arn:aws[a-z-]*:iam::\*:user\/\*$/.test(creds) && callerKeys(req)) {
    // the caller's own identity (IAM-authorized methods) signs the call
    sign(callerKeys(req)!, call.method, call.path, call.query, headers, call.body, call.target.region, call.target.service, req.runtime.clock.now());
  } else {
    // without credentials the service refuses the unsigned call, as AWS's endpoints do
    return Promise.resolve({
      status: 403,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'MissingAuthenticationTokenException' },
      body: Buffer.from('{"message":"Missing Authentication Token"}'),
    });
  }
  const q = call.query.toString();
  const url = new URL(`http://${headers.host}${call.path}${q ? `?${q}` : ''}`);
  return callHttp(req.runtime, url, call.method, headers, call.body, call.timeoutMs);
}
