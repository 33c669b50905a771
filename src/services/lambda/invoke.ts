// One invocation, end to end: concurrency slot (or throttle), an environment (warm or cold), the event over
// the Runtime API, the outcome mapped to what Invoke answers (payload, X-Amz-Function-Error), the log lines
// (START / END / REPORT, the tail) and the metrics. Used by Invoke, async events, function URLs and other
// services alike.
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import { EnvironmentPool } from './env-pool.js';
import type { Assignment, Environment, Outcome } from './environments.js';
import { Concurrency, type ThrottleReason } from './invoke-concurrency.js';
import { endLine, reportOf, startLine, type ReportFigures } from './lambda-logs.js';
import { LambdaMetrics } from './lambda-metrics.js';
import type { ResolvedFunction } from './resolved-function.js';
import { accountConcurrencyLimit } from './resolve.js';

export const MAX_SYNC_PAYLOAD = 6_291_456;
export const MAX_ASYNC_PAYLOAD = 262_144;

/** Everything execution keeps per running Cumulus. */
export interface Execution {
  runtime: Runtime;
  pool: EnvironmentPool;
  concurrency: Concurrency;
  metrics: LambdaMetrics;
}

const executions = new WeakMap<object, Execution>();

/** The execution state of a runtime (a RequestContext works too: it shares the runtime's clock). */
export function executionOf(rt: Pick<Runtime, 'clock'>): Execution {
  const e = executions.get(rt.clock);
  if (!e) throw new AwsError('ServiceException', 'Lambda execution is not running.', { status: 500, sender: false });
  return e;
}

export function createExecution(runtime: Runtime): Execution {
  // read when Cumulus starts: process.env is slow to read per invocation
  const limit = accountConcurrencyLimit();
  const e: Execution = {
    runtime,
    pool: new EnvironmentPool(runtime),
    concurrency: new Concurrency(() => limit),
    metrics: new LambdaMetrics(runtime),
  };
  executions.set(runtime.clock, e);
  return e;
}

export async function destroyExecution(runtime: Runtime): Promise<void> {
  const e = executions.get(runtime.clock);
  if (!e) return;
  executions.delete(runtime.clock);
  e.metrics.flush();
  await e.pool.stop();
}

export interface InvocationRequest {
  fn: ResolvedFunction;
  /** the event, JSON text (already checked) */
  payload: Buffer;
  /** the qualifier the caller named (an alias or version), if any: decides the invoked ARN and metric Resource */
  qualifier?: string;
  /** decoded client context JSON (mobile SDK) */
  clientContext?: string;
  cognitoIdentity?: string;
  tail?: boolean;
  requestId?: string;
  /** a streamed response's pieces as the runtime sends them (InvokeWithResponseStream, streaming URLs) */
  onChunk?: (chunk: Buffer) => void;
}

export interface InvocationResult {
  requestId: string;
  payload: Buffer;
  /** 'Unhandled' when the function failed */
  functionError?: string;
  /** the error type, when the function failed (for destinations and logs) */
  errorType?: string;
  logResult?: string;
  executedVersion: string;
}

export function throttleError(reason: ThrottleReason): AwsError {
  return new AwsError('TooManyRequestsException', 'Rate Exceeded.', { status: 429, fields: { Reason: reason, Type: 'User' } });
}

export function invokedArnOf(fn: ResolvedFunction, qualifier: string | undefined): string {
  return qualifier ? `${fn.FunctionArn}:${qualifier}` : fn.FunctionArn;
}

const SIGNAL_WORDS: Record<string, string> = {
  SIGKILL: 'killed',
  SIGABRT: 'aborted',
  SIGSEGV: 'segmentation fault',
  SIGTERM: 'terminated',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception',
  SIGINT: 'interrupt',
  SIGQUIT: 'quit',
};

/** What the platform says when an invocation ends without the function answering. */
function platformError(requestId: string, fn: ResolvedFunction, outcome: Outcome, now: Date): { errorType: string; errorMessage: string; logLine?: string } {
  switch (outcome.kind) {
    case 'timeout':
    case 'init-timeout': {
      const seconds = (outcome.kind === 'timeout' ? fn.Timeout : 10).toFixed(2);
      return {
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
        logLine: `${now.toISOString()} ${requestId} Task timed out after ${seconds} seconds\n`,
      };
    }
    case 'exit': {
      const { exit } = outcome;
      const oom = exit.oomKilled || (exit.signal === 'SIGKILL' && !exit.requested);
      const how = exit.error
        ? exit.error
        : exit.signal
          ? `signal: ${SIGNAL_WORDS[exit.signal] ?? exit.signal.toLowerCase()}`
          : `exit status ${exit.code ?? 0}`;
      const errorType = exit.error ? 'Runtime.InvalidEntrypoint' : oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
      const msg = `RequestId: ${requestId} Error: Runtime exited with error: ${how}`;
      return { errorType, errorMessage: msg, logLine: `${msg}\n${errorType}\n` };
    }
    case 'too-large':
      return {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (6291556 bytes).`,
      };
    case 'start-failed':
      return {
        errorType: outcome.errorType ?? 'Runtime.InvalidEntrypoint',
        errorMessage: `RequestId: ${requestId} Error: ${outcome.message}`,
        logLine: `${outcome.message}\n${outcome.errorType ?? 'Runtime.InvalidEntrypoint'}\n`,
      };
    default:
      return { errorType: 'Runtime.Unknown', errorMessage: `RequestId: ${requestId} Error: Unknown application error occurred` };
  }
}

function errorTypeOf(body: Buffer, header: string | undefined): string {
  if (header) return header;
  try {
    const v = JSON.parse(body.toString('utf8')) as { errorType?: unknown };
    if (typeof v?.errorType === 'string') return v.errorType;
  } catch {
    /* not JSON */
  }
  return 'Unhandled';
}

/** Runs one invocation; throws TooManyRequestsException when there is no concurrency for it. */
export async function runInvocation(x: Execution, req: InvocationRequest): Promise<InvocationResult> {
  const { fn } = req;
  const rt = x.runtime;
  const resource = req.qualifier ? `${fn.FunctionName}:${req.qualifier}` : fn.FunctionName;
  const faults = rt.faults.list().length ? rt.faults : undefined;
  if (faults?.find('lambda-throttle', fn.FunctionName).length) {
    x.metrics.throttle(fn, resource);
    throw throttleError(fn.ReservedConcurrentExecutions !== undefined ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : 'ConcurrentInvocationLimitExceeded');
  }
  const reason = x.concurrency.tryAcquire(fn);
  if (reason) {
    x.metrics.throttle(fn, resource);
    throw throttleError(reason);
  }
  const requestId = req.requestId ?? randomUUID();
  const concurrent = x.concurrency.current(fn);
  const started = performance.now();
  /** the slot is released by close() once the invocation is handed to it, else here */
  let handedOff = false;
  try {
    const injected = faults?.find('lambda-error', fn.FunctionName)[0];
    if (injected) {
      const message = typeof injected.spec.errorMessage === 'string' ? injected.spec.errorMessage : 'Injected fault (lambda-error)';
      const payload = Buffer.from(JSON.stringify({ errorType: 'InjectedFault', errorMessage: message }));
      x.metrics.invocation({ fn, resource, durationMs: 0, error: true, concurrent });
      return { requestId, payload, functionError: 'Unhandled', errorType: 'InjectedFault', executedVersion: fn.Version };
    }
    if (fn.ProvisionedConcurrentExecutions) x.pool.ensureProvisioned(fn, fn.ProvisionedConcurrentExecutions);
    let acquired = x.pool.acquire(fn);
    for (;;) {
      if (acquired.wait) {
        // every environment busy: one released soon is handed over, else a new one after the wait
        const env = await acquired.wait;
        acquired = env ? { env, cold: false } : x.pool.acquire(fn, false);
        continue;
      }
      if (!acquired.queued) break;
      const env = acquired.env;
      if (await new Promise<boolean>((r) => env.follow(r))) break;
      acquired = x.pool.acquire(fn);
    }
    const e = acquired.env;
    if (req.tail) e.log.startCapture();
    e.log.line(startLine(fn, requestId, x.runtime.clock.date()));
    let a!: Assignment;
    const outcome = await new Promise<Outcome>((resolve) => {
      a = {
        event: {
          requestId,
          payload: req.payload,
          deadlineMs: 0,
          invokedFunctionArn: invokedArnOf(fn, req.qualifier),
          traceId: traceId(rt.clock.now(), fn.TracingMode === 'Active'),
          clientContext: req.clientContext,
          cognitoIdentity: req.cognitoIdentity,
        },
        timeoutMs: fn.Timeout * 1000,
        done: resolve,
        onChunk: req.onChunk,
      };
      e.assign(a);
      if (acquired.cold) void e.start();
    });
    const durationMs = (performance.now() - (a.deliveredAt ?? started)) * rt.clock.getSpeed();
    const { result, status } = resultOf(x, e, fn, requestId, outcome);
    const close = () => {
      closeOut(x, e, req, result, requestId, durationMs, status, resource, concurrent);
      x.concurrency.release(fn);
    };
    handedOff = true;
    // Output the runtime wrote before answering may still sit in its pipe: END / REPORT go after one turn of
    // the event loop. The caller waits for that only when it asked for the tail; otherwise it has its answer
    // first, and the environment and the concurrency slot are free before the next request can be read.
    if (req.tail) {
      await new Promise<void>((r) => setImmediate(r));
      close();
    } else setImmediate(close);
    return result;
  } finally {
    if (!handedOff) x.concurrency.release(fn);
  }
}

type Status = ReportFigures['status'];

/** What the caller gets for an outcome. */
function resultOf(x: Execution, env: Environment, fn: ResolvedFunction, requestId: string, outcome: Outcome): { result: InvocationResult; status: Status } {
  if (outcome.kind === 'response') return { result: { requestId, payload: outcome.body, executedVersion: fn.Version }, status: undefined };
  if (outcome.kind === 'error' || outcome.kind === 'init-error') {
    const errorType = errorTypeOf(outcome.body, outcome.errorType);
    const payload = outcome.body.length ? outcome.body : Buffer.from(JSON.stringify({ errorType, errorMessage: '' }));
    return {
      result: { requestId, payload, functionError: 'Unhandled', errorType, executedVersion: fn.Version },
      status: outcome.kind === 'init-error' ? { kind: 'error', errorType } : undefined,
    };
  }
  const p = platformError(requestId, fn, outcome, x.runtime.clock.date());
  if (p.logLine) env.log.line(p.logLine);
  const payload = Buffer.from(JSON.stringify({ errorType: p.errorType, errorMessage: p.errorMessage }));
  return {
    result: { requestId, payload, functionError: 'Unhandled', errorType: p.errorType, executedVersion: fn.Version },
    status: outcome.kind === 'timeout' || outcome.kind === 'init-timeout' ? { kind: 'timeout' } : { kind: 'error', errorType: p.errorType },
  };
}

/** END and REPORT lines, the tail, metrics; the environment is free again. */
function closeOut(
  x: Execution,
  env: Environment,
  req: InvocationRequest,
  result: InvocationResult,
  requestId: string,
  durationMs: number,
  status: Status,
  resource: string,
  concurrent: { account: number; unreserved: number; fn: number },
): void {
  const { fn } = req;
  const end = endLine(fn, requestId);
  if (end) env.log.line(end);
  const initDurationMs = env.initUnreported && env.initDurationMs !== undefined && !env.provisioned ? env.initDurationMs : undefined;
  if (initDurationMs !== undefined) env.initUnreported = false;
  env.log.line(reportOf(fn, { requestId, durationMs, memorySize: fn.MemorySize, maxMemoryUsedMB: env.maxMemoryMB || env.sampleMemory(), initDurationMs, status }, x.runtime.clock.date()));
  if (req.tail) result.logResult = env.log.takeTail();
  if (env.state === 'busy') env.release();
  x.metrics.invocation({ fn, resource, durationMs, error: result.functionError !== undefined, concurrent, provisioned: env.provisioned });
}

/** An X-Ray trace header (Root=1-<epoch hex>-<24 hex>). */
function traceId(now: number, sampled: boolean): string {
  const hex = randomHex();
  return `Root=1-${Math.floor(now / 1000).toString(16)}-${hex.slice(0, 24)};Parent=${hex.slice(24)};Sampled=${sampled ? 1 : 0}`;
}

// 20 random bytes (40 hex digits) per trace id, drawn from a pool: one randomBytes call per 256 invocations
const POOL_IDS = 256;
let pool = '';
let poolAt = 0;
function randomHex(): string {
  if (poolAt >= pool.length) {
    pool = randomBytes(20 * POOL_IDS).toString('hex');
    poolAt = 0;
  }
  poolAt += 40;
  return pool.slice(poolAt - 40, poolAt);
}
