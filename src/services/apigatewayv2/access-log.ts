// Access logs: with AccessLogSettings (a log group ARN and a format), each request writes one line in the
// stage's format, $context variables substituted, to CloudWatch Logs through the bus ('log-events').
import type { Runtime } from '../../server/context.js';
import { clfTime, headerOf, type HttpApiRequest } from './request.js';
import type { StageRecord } from './store.js';

export interface Outcome {
  status: number;
  responseLength: number;
  responseLatency: number;
  integrationLatency?: number;
  integrationStatus?: number;
  errorMessage?: string;
}

function contextValue(req: HttpApiRequest, o: Outcome, name: string): string | undefined {
  switch (name) {
    case 'requestId':
    case 'extendedRequestId':
      return req.requestId;
    case 'apiId':
      return req.api.ApiId;
    case 'accountId':
      return req.account;
    case 'stage':
      return req.stage.StageName;
    case 'domainName':
      return req.domainName;
    case 'domainPrefix':
      return req.domainPrefix;
    case 'httpMethod':
      return req.method;
    case 'path':
      return req.rawPath;
    case 'protocol':
      return 'HTTP/1.1';
    case 'routeKey':
      return req.match?.route.RouteKey;
    case 'requestTime':
      return clfTime(req.timeEpoch);
    case 'requestTimeEpoch':
      return String(Math.floor(req.timeEpoch / 1000));
    case 'identity.sourceIp':
      return req.sourceIp;
    case 'identity.userAgent':
      return headerOf(req, 'user-agent');
    case 'status':
      return String(o.status);
    case 'responseLength':
      return String(o.responseLength);
    case 'responseLatency':
      return String(Math.round(o.responseLatency));
    case 'integrationLatency':
    case 'integration.latency':
      return o.integrationLatency === undefined ? undefined : String(Math.round(o.integrationLatency));
    case 'integrationStatus':
    case 'integration.status':
      return o.integrationStatus === undefined ? undefined : String(o.integrationStatus);
    case 'error.message':
    case 'integrationErrorMessage':
      return o.errorMessage;
    case 'authorizer.principalId':
      return req.authorizer?.principalId;
  }
  if (name.startsWith('authorizer.claims.')) return req.authorizer?.jwt?.claims[name.slice(18)];
  if (name.startsWith('authorizer.')) {
    const v = req.authorizer?.lambda?.[name.slice(11)];
    return v === undefined ? undefined : String(v);
  }
  return undefined;
}

export function accessLogLine(req: HttpApiRequest, o: Outcome, format: string): string {
  // missing values are written as "-", as API Gateway does
  return format.replace(/\$context\.([A-Za-z0-9_.]+[A-Za-z0-9_])/g, (_, n: string) => contextValue(req, o, n) ?? '-');
}

export function writeAccessLog(runtime: Runtime, req: HttpApiRequest, stage: StageRecord, o: Outcome): void {
  const s = stage.AccessLogSettings;
  if (!s?.DestinationArn || !s.Format) return;
  const m = /^arn:[^:]+:logs:([^:]+):(\d{12}):log-group:([^:]+?)(?::\*)?$/.exec(s.DestinationArn);
  if (!m) return;
  runtime.bus.emit('log-events', {
    account: m[2]!,
    region: m[1]!,
    logGroupName: m[3]!,
    logStreamName: `${req.api.ApiId}_${stage.StageName}`,
    events: [{ timestamp: runtime.clock.now(), message: accessLogLine(req, o, s.Format) }],
  });
}
