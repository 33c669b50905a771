// Execution logging: a stage whose method settings have loggingLevel INFO or ERROR writes the lines API Gateway
// writes, each prefixed by "(requestId) ", to the log group API-Gateway-Execution-Logs_{restApiId}/{stageName}.
// INFO writes the request's progress, ERROR only its failures; dataTraceEnabled adds the full request and
// response data (headers and bodies). Lines are collected per request and sent once it is answered.
import { createHash } from 'node:crypto';
import type { MethodSetting } from '../../generated/apigateway.js';
import type { ApiRequest } from './request.js';

/** Bodies in the log are cut, as AWS does, past this many characters. */
const MAX_BODY = 1000;

export class ExecutionLog {
  readonly lines: { timestamp: number; message: string }[] = [];
  constructor(
    readonly level: 'INFO' | 'ERROR',
    readonly dataTrace: boolean,
  ) {}
}

/** The method's setting (its own, else the stage-wide one). */
export function settingOf(req: ApiRequest): MethodSetting | undefined {
  const s = req.stage.methodSettings;
  if (req.route) {
    const own = s[req.route.settingKey];
    if (own) return own;
  }
  return s['*/*'];
}

/** Starts (or, once the method is known, re-evaluates) the request's execution log. */
export function startExecutionLog(req: ApiRequest): void {
  const s = settingOf(req);
  const level = s?.loggingLevel;
  if (level !== 'INFO' && level !== 'ERROR') {
    req.execLog = undefined;
    return;
  }
  const prev = req.execLog;
  req.execLog = new ExecutionLog(level, !!s?.dataTraceEnabled && level === 'INFO');
  if (prev) req.execLog.lines.push(...prev.lines);
}

/** What writing to a request's execution log reads of it (HTTP APIs' service integrations pass their own). */
export type LoggedRequest = Pick<ApiRequest, 'runtime' | 'apiId' | 'requestId' | 'execLog'> & { stage: Pick<ApiRequest['stage'], 'stageName'> };

function push(req: LoggedRequest, message: string): void {
  req.execLog!.lines.push({ timestamp: req.runtime.clock.now(), message: `(${req.requestId}) ${message}` });
}

export function logInfo(req: ApiRequest, message: string): void {
  if (req.execLog?.level === 'INFO') push(req, message);
}

/** Full request/response data: only with dataTraceEnabled. */
export function logData(req: ApiRequest, message: string): void {
  if (req.execLog?.dataTrace) push(req, message);
}

/** Failures: at both levels; also Cumulus's own log, where configuration errors have always gone. */
export function logError(req: LoggedRequest, message: string): void {
  req.runtime.log.warn(`apigateway ${req.apiId}/${req.stage.stageName} ${req.requestId}: ${message}`);
  if (req.execLog) push(req, message);
}

/** {Name=value, …} as API Gateway prints maps. */
export function mapText(m: Record<string, string | string[] | undefined>): string {
  return `{${Object.entries(m)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
    .join(', ')}}`;
}

export function bodyText(body: Buffer | string): string {
  const s = typeof body === 'string' ? body : body.toString('utf8');
  return s.length > MAX_BODY ? `${s.slice(0, MAX_BODY)} [TRUNCATED]` : s;
}

/** The stream API Gateway writes to: a hashed name, one per stage and day here. */
function streamName(req: ApiRequest): string {
  const day = new Date(req.requestTimeEpoch).toISOString().slice(0, 10);
  return createHash('md5').update(`${req.account}/${req.apiId}/${req.stage.stageName}/${day}`).digest('hex');
}

export function flushExecutionLog(req: ApiRequest): void {
  const log = req.execLog;
  if (!log?.lines.length) return;
  req.runtime.bus.emit('log-events', {
    account: req.account,
    region: req.region,
    logGroupName: `API-Gateway-Execution-Logs_${req.apiId}/${req.stage.stageName}`,
    logStreamName: streamName(req),
    events: log.lines,
  });
  log.lines.length = 0;
}

/** Lines written at both levels without being a Cumulus warning (the final status of a failed request). */
export function logOutcome(req: ApiRequest, message: string): void {
  if (req.execLog) push(req, message);
}
