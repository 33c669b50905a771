// CloudWatch Logs lines of Lambda: each execution environment writes its own stream
// (`YYYY/MM/DD/[VERSION]<32 hex>`) in the function's log group; the function's own output plus the
// platform's INIT_START / START / END / REPORT lines, or with LoggingConfig.LogFormat JSON the platform.initStart /
// platform.start / platform.report records AWS writes instead. Lines go to the bus ('log-events'), batched per turn of the event
// loop so the invoke path does not pay for them; LogType Tail reads the invocation's own lines back.
import { createHash, randomBytes } from 'node:crypto';
import type { Runtime } from '../../server/context.js';
import type { ResolvedFunction } from './resolved-function.js';

/** How much of an invocation's log LogType Tail returns (AWS: the last 4 KB). */
const TAIL_BYTES = 4096;

export function logStreamName(version: string, at: Date): string {
  const d = at.toISOString();
  return `${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/[${version}]${randomBytes(16).toString('hex')}`;
}

export interface ReportFigures {
  requestId: string;
  durationMs: number;
  memorySize: number;
  maxMemoryUsedMB: number;
  initDurationMs?: number;
  /** 'timeout' | 'error' with the error type, when the invocation did not complete */
  status?: { kind: 'timeout' } | { kind: 'error'; errorType: string };
}

/** The REPORT line as AWS writes it (tab-separated, trailing tab). */
export function reportLine(r: ReportFigures): string {
  let s =
    `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(r.durationMs))} ms\t` +
    `Memory Size: ${r.memorySize} MB\tMax Memory Used: ${r.maxMemoryUsedMB} MB\t`;
  if (r.initDurationMs !== undefined) s += `Init Duration: ${r.initDurationMs.toFixed(2)} ms\t`;
  if (r.status?.kind === 'timeout') s += 'Status: timeout';
  else if (r.status?.kind === 'error') s += `Status: error\tError Type: ${r.status.errorType}`;
  return s;
}

/** The runtime version INIT_START names (nodejs:20.v1, python:3.12.v1, provided:al2023.v1): Cumulus has one of each. */
export function runtimeVersionOf(runtime: string): string {
  const m = /^(nodejs|python|java|dotnet|ruby|provided)\.?(.*?)(?:\.x)?$/.exec(runtime);
  return m ? `${m[1]}:${m[2]}.v1` : `${runtime}.v1`;
}

function runtimeVersionArn(region: string, runtime: string): string {
  return `arn:aws:lambda:${region}::runtime:${createHash('sha256').update(runtime).digest('hex')}`;
}

const json = (fn: ResolvedFunction) => fn.LoggingConfig?.LogFormat === 'JSON';
/** The platform's records are INFO events: SystemLogLevel WARN (JSON format only) drops them; DEBUG and INFO
 *  keep them (Cumulus writes no DEBUG-level platform records). */
const systemQuiet = (fn: ResolvedFunction) => json(fn) && fn.LoggingConfig?.SystemLogLevel === 'WARN';
const record = (at: Date, type: string, rec: object) => `${JSON.stringify({ time: at.toISOString(), type, record: rec })}\n`;

/** The line an environment's initialization starts with (once per environment). */
export function initStartLine(fn: ResolvedFunction, provisioned: boolean, at: Date): string | undefined {
  if (systemQuiet(fn)) return undefined;
  const runtime = fn.Runtime ?? 'provided.al2023';
  const version = runtimeVersionOf(runtime);
  const arn = runtimeVersionArn(fn.region, runtime);
  if (json(fn)) return record(at, 'platform.initStart', { initializationType: provisioned ? 'provisioned-concurrency' : 'on-demand', phase: 'init', runtimeVersion: version, runtimeVersionArn: arn });
  return `INIT_START Runtime Version: ${version}\tRuntime Version ARN: ${arn}\n`;
}

export function startLine(fn: ResolvedFunction, requestId: string, at: Date): string | undefined {
  if (systemQuiet(fn)) return undefined;
  return json(fn) ? record(at, 'platform.start', { requestId, version: fn.Version }) : `START RequestId: ${requestId} Version: ${fn.Version}\n`;
}

/** END (text format only: the JSON format has no end record). */
export function endLine(fn: ResolvedFunction, requestId: string): string | undefined {
  return json(fn) ? undefined : `END RequestId: ${requestId}\n`;
}

/** REPORT, or the platform.report record. */
export function reportOf(fn: ResolvedFunction, r: ReportFigures, at: Date): string | undefined {
  if (!json(fn)) return `${reportLine(r)}\n`;
  if (systemQuiet(fn)) return undefined;
  const metrics = {
    durationMs: Math.round(r.durationMs * 1000) / 1000,
    billedDurationMs: Math.max(1, Math.ceil(r.durationMs)),
    memorySizeMB: r.memorySize,
    maxMemoryUsedMB: r.maxMemoryUsedMB,
    ...(r.initDurationMs !== undefined ? { initDurationMs: Math.round(r.initDurationMs * 1000) / 1000 } : {}),
  };
  const status = r.status?.kind ?? 'success';
  return record(at, 'platform.report', { requestId: r.requestId, metrics, status, ...(r.status?.kind === 'error' ? { errorType: r.status.errorType } : {}) });
}

interface LogEvent {
  timestamp: number;
  message: string;
}

/** The log stream of one execution environment. */
export class EnvironmentLog {
  readonly group: string;
  readonly stream: string;
  private pending: LogEvent[] = [];
  private scheduled = false;
  /** lines of the invocation in progress, kept only when its caller asked for the tail */
  private capture: string[] | undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly fn: ResolvedFunction,
  ) {
    this.group = fn.LoggingConfig?.LogGroup || `/aws/lambda/${fn.FunctionName}`;
    this.stream = logStreamName(fn.Version, runtime.clock.date());
  }

  /** Appends a line (none: a platform record the function's SystemLogLevel drops). */
  line(message: string | undefined, timestamp = this.runtime.clock.now()): void {
    if (message === undefined) return;
    this.pending.push({ timestamp, message });
    if (this.capture) this.capture.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Starts keeping the lines of one invocation (for LogType Tail). */
  startCapture(): void {
    this.capture = [];
  }

  /** The last 4 KB of the captured lines, base64, as X-Amz-Log-Result carries them; stops capturing. */
  takeTail(): string {
    const lines = this.capture ?? [];
    this.capture = undefined;
    const text = Buffer.from(lines.map((l) => (l.endsWith('\n') ? l : `${l}\n`)).join(''), 'utf8');
    return (text.length > TAIL_BYTES ? text.subarray(text.length - TAIL_BYTES) : text).toString('base64');
  }

  flush(): void {
    this.scheduled = false;
    if (!this.pending.length) return;
    const events = this.pending;
    this.pending = [];
    // CloudWatch Logs wants ascending timestamps within a batch
    for (let i = 1; i < events.length; i++) if (events[i]!.timestamp < events[i - 1]!.timestamp) events[i]!.timestamp = events[i - 1]!.timestamp;
    this.runtime.bus.emit('log-events', {
      account: this.fn.account,
      region: this.fn.region,
      logGroupName: this.group,
      logStreamName: this.stream,
      events,
    });
  }
}
