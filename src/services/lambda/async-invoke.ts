// Asynchronous invocation (InvocationType Event, InvokeAsync, EventBridge and alarm targets, destinations):
// an accepted event is written to the store before Lambda answers 202 (async-queue.ts) and stays there until
// Lambda is done with it, so a crash or a restart loses nothing: startAsync resumes what is left. A function
// error is retried after 1 then 2 minutes (on the clock) up to MaximumRetryAttempts; a throttled attempt waits
// with backoff (1 s doubling to 5 minutes) without counting as a retry; an event older than
// MaximumEventAgeInSeconds is dropped. What is left over goes to the OnSuccess / OnFailure destination and the
// dead-letter queue, as AWS's invocation record. Delivery is at least once, as on AWS: an attempt cut short by
// a crash runs again after the restart.
import { randomUUID } from 'node:crypto';
import type { TimerHandle } from '../../clock/clock.js';
import { AwsError } from '../../protocol/errors.js';
import { type AsyncEventRecord, forgetEvent, pendingEvents, saveEvent, scopeOfArn } from './async-queue.js';
import type { Execution, InvocationResult } from './invoke.js';
import { runInvocation } from './invoke.js';
import type { ResolvedFunction } from './resolved-function.js';
import { eventInvokeConfigFor, resolveFunction } from './resolve.js';

/** AWS waits one minute before the second attempt and two before the third. */
const RETRY_DELAYS_MS = [60_000, 120_000];
const THROTTLE_BACKOFF_MIN_MS = 1000;
const THROTTLE_BACKOFF_MAX_MS = 5 * 60_000;

interface QueuedEvent {
  rec: AsyncEventRecord;
  /** the function as last resolved (undefined until the first attempt of a resumed event) */
  fn: ResolvedFunction | undefined;
  payload: Buffer;
}

interface AsyncState {
  timers: Set<TimerHandle>;
  /** bumped by stopAsync: attempts in flight from before a reset must not write their records back */
  generation: number;
  started: boolean;
}

const states = new WeakMap<Execution, AsyncState>();

function stateOf(x: Execution): AsyncState {
  let s = states.get(x);
  if (!s) states.set(x, (s = { timers: new Set(), generation: 0, started: false }));
  return s;
}

function schedule(x: Execution, ms: number, fn: () => void): void {
  const s = stateOf(x);
  // the attempt starts once the clock has settled: a test's advance of several minutes must not also
  // use up the retried invocation's own timeout within the same jump
  const t = x.runtime.clock.setTimeout(() => {
    s.timers.delete(t);
    setImmediate(fn);
  }, Math.max(0, ms));
  s.timers.add(t);
}

/** Store writes outside a request: skipped once the queue was reset (or Cumulus is stopping). */
function persist(x: Execution, generation: number, write: () => void): void {
  if (stateOf(x).generation !== generation) return;
  try {
    write();
  } catch (err) {
    x.runtime.log.warn(`lambda: async queue: ${(err as Error)?.message}`);
  }
}

/** Cancels pending attempts (Cumulus is stopping, or Lambda was reset); the stored events stay for the next start. */
export function stopAsync(x: Execution): void {
  const s = stateOf(x);
  for (const t of s.timers) t.cancel();
  s.timers.clear();
  s.generation++;
}

/** Resumes the events a previous run left in the store (once per execution). */
export function startAsync(x: Execution): void {
  const s = stateOf(x);
  if (s.started) return;
  s.started = true;
  const generation = s.generation;
  let pending: AsyncEventRecord[];
  try {
    pending = pendingEvents(x.runtime.store);
  } catch (err) {
    return x.runtime.log.warn(`lambda: async queue not resumed: ${(err as Error)?.message}`);
  }
  if (pending.length) x.runtime.log.info(`lambda: resuming ${pending.length} asynchronous event(s)`);
  const now = x.runtime.clock.now();
  for (const rec of pending) {
    const ev: QueuedEvent = { rec, fn: undefined, payload: Buffer.from(rec.payload, 'base64') };
    schedule(x, rec.nextAttemptAt - now, () => void attempt(x, ev, generation));
  }
}

/** Queues an event for a function; returns its request id at once. Inside a request, the event is stored in
 *  the request's transaction, so it is on disk before the 202 is written. */
export function enqueueEvent(x: Execution, fn: ResolvedFunction, payload: Buffer, qualifier?: string, requestId?: string): string {
  const cfg = eventInvokeConfigFor({ store: x.runtime.store, account: fn.account, region: fn.region }, fn.FunctionArn, qualifier ?? fn.Version);
  const now = x.runtime.clock.now();
  const rec: AsyncEventRecord = {
    requestId: requestId ?? randomUUID(),
    FunctionArn: fn.FunctionArn,
    qualifier,
    pinnedVersion: qualifier === undefined && fn.Version !== '$LATEST' ? fn.Version : undefined,
    payload: payload.toString('base64'),
    enqueuedAt: now,
    attempts: 0,
    throttleBackoffMs: THROTTLE_BACKOFF_MIN_MS,
    nextAttemptAt: now,
    maxRetries: cfg.MaximumRetryAttempts ?? 2,
    maxAgeMs: (cfg.MaximumEventAgeInSeconds ?? 21_600) * 1000,
    onSuccess: cfg.OnSuccess,
    onFailure: cfg.OnFailure,
  };
  saveEvent(x.runtime.store, rec);
  x.metrics.asyncEvent(fn, 'AsyncEventsReceived');
  const generation = stateOf(x).generation;
  setImmediate(() => void attempt(x, { rec, fn, payload }, generation));
  return rec.requestId;
}

/** What the metrics need of a function that could not be resolved. */
function nameOnly(rec: AsyncEventRecord): ResolvedFunction {
  const { account, region } = scopeOfArn(rec.FunctionArn);
  return { account, region, FunctionName: rec.FunctionArn.split(':')[6] ?? rec.FunctionArn } as ResolvedFunction;
}

async function attempt(x: Execution, ev: QueuedEvent, generation: number): Promise<void> {
  if (stateOf(x).generation !== generation) return;
  const { rec } = ev;
  const age = x.runtime.clock.now() - rec.enqueuedAt;
  // what the function is now (its concurrency, code and configuration may have changed while the event waited)
  try {
    ev.fn = resolveFunction({ store: x.runtime.store, ...scopeOfArn(rec.FunctionArn) }, rec.FunctionArn, rec.qualifier ?? rec.pinnedVersion);
  } catch (err) {
    x.metrics.asyncEvent(ev.fn ?? nameOnly(rec), 'AsyncEventsDropped');
    x.runtime.log.warn(`lambda: async event ${rec.requestId} dropped: ${(err as Error)?.message}`);
    return persist(x, generation, () => forgetEvent(x.runtime.store, rec));
  }
  const fn = ev.fn;
  if (age > rec.maxAgeMs) {
    x.metrics.asyncEvent(fn, 'AsyncEventsDropped');
    return settle(x, ev, generation, 'EventAgeExceeded', undefined);
  }
  x.metrics.asyncEventAge(fn, age);
  let result: InvocationResult;
  try {
    result = await runInvocation(x, { fn, payload: ev.payload, qualifier: rec.qualifier, requestId: rec.requestId });
  } catch (err) {
    if (err instanceof AwsError && err.code === 'TooManyRequestsException') {
      // throttled: back off and try again, without spending a retry
      const wait = rec.throttleBackoffMs;
      rec.throttleBackoffMs = Math.min(THROTTLE_BACKOFF_MAX_MS, rec.throttleBackoffMs * 2);
      return later(x, ev, generation, wait);
    }
    x.runtime.log.warn(`lambda: async event ${rec.requestId} for ${fn.FunctionName} failed: ${(err as Error)?.message}`);
    rec.attempts++;
    return retryOrGiveUp(x, ev, generation, undefined);
  }
  rec.attempts++;
  if (!result.functionError) return settle(x, ev, generation, 'Success', result);
  return retryOrGiveUp(x, ev, generation, result);
}

/** The next attempt, on disk first so that a restart keeps its time. */
function later(x: Execution, ev: QueuedEvent, generation: number, delayMs: number): void {
  if (stateOf(x).generation !== generation) return;
  ev.rec.nextAttemptAt = x.runtime.clock.now() + delayMs;
  persist(x, generation, () => saveEvent(x.runtime.store, ev.rec));
  schedule(x, delayMs, () => void attempt(x, ev, generation));
}

function retryOrGiveUp(x: Execution, ev: QueuedEvent, generation: number, result: InvocationResult | undefined): Promise<void> | void {
  if (ev.rec.attempts <= ev.rec.maxRetries) {
    return later(x, ev, generation, RETRY_DELAYS_MS[Math.min(ev.rec.attempts - 1, RETRY_DELAYS_MS.length - 1)]!);
  }
  return settle(x, ev, generation, 'RetriesExhausted', result);
}

function parseJson(b: Buffer): unknown {
  if (!b.length) return null;
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return b.toString('utf8');
  }
}

/** AWS's invocation record, as destinations receive it. */
export function invocationRecord(
  x: Execution,
  ev: { requestId: string; fn: ResolvedFunction; payload: Buffer; attempts: number },
  condition: string,
  result: InvocationResult | undefined,
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    version: '1.0',
    timestamp: x.runtime.clock.date().toISOString(),
    requestContext: {
      requestId: ev.requestId,
      functionArn: `${ev.fn.FunctionArn}:${ev.fn.Version}`,
      condition,
      approximateInvokeCount: ev.attempts,
    },
    requestPayload: parseJson(ev.payload),
  };
  if (result) {
    const responseContext: Record<string, unknown> = { statusCode: 200, executedVersion: result.executedVersion };
    if (result.functionError) responseContext.functionError = result.functionError;
    record.responseContext = responseContext;
    record.responsePayload = parseJson(result.payload);
  }
  return record;
}

/** Destinations and the dead-letter queue, then the event is done with (and leaves the store). */
async function settle(x: Execution, ev: QueuedEvent, generation: number, condition: string, result: InvocationResult | undefined): Promise<void> {
  const { rec } = ev;
  const fn = ev.fn!;
  const success = condition === 'Success';
  const destination = success ? rec.onSuccess : rec.onFailure;
  try {
    if (destination) {
      const record = JSON.stringify(invocationRecord(x, { requestId: rec.requestId, fn, payload: ev.payload, attempts: rec.attempts }, condition, result));
      const ok = await deliver(x, fn, destination, record, undefined);
      if (!ok) x.metrics.asyncEvent(fn, 'DestinationDeliveryFailures');
    }
    if (!success && fn.DeadLetterTargetArn) {
      let errorMessage = condition === 'EventAgeExceeded' ? 'Event age exceeded' : 'Retries exhausted';
      let errorCode = '200';
      if (result?.functionError) {
        try {
          const p = JSON.parse(result.payload.toString('utf8')) as { errorMessage?: string };
          if (typeof p.errorMessage === 'string') errorMessage = p.errorMessage;
        } catch {
          /* keep the generic message */
        }
      } else if (!result) errorCode = '429';
      const attributes = { RequestID: rec.requestId, ErrorCode: errorCode, ErrorMessage: errorMessage };
      const ok = await deliver(x, fn, fn.DeadLetterTargetArn, ev.payload.toString('utf8'), { messageAttributes: attributes });
      if (!ok) x.metrics.asyncEvent(fn, 'DeadLetterErrors');
    }
  } finally {
    persist(x, generation, () => forgetEvent(x.runtime.store, rec));
  }
}

/** To another function (asynchronously, no resource policy needed: the execution role is what counts), or through the target registry. */
async function deliver(x: Execution, fn: ResolvedFunction, arn: string, payload: string, context: Record<string, unknown> | undefined): Promise<boolean> {
  if (/^arn:aws[\w-]*:lambda:/.test(arn)) {
    try {
      const parts = arn.split(':');
      const target = resolveFunction({ store: x.runtime.store, account: parts[4]!, region: parts[3]! }, arn);
      enqueueEvent(x, target, Buffer.from(payload), parts.length > 7 ? parts[7] : undefined);
      return true;
    } catch (err) {
      x.runtime.log.warn(`lambda: destination ${arn} of ${fn.FunctionName}: ${(err as Error)?.message}`);
      return false;
    }
  }
  const outcome = await x.runtime.targets.invoke({
    arn,
    payload,
    source: { principal: 'lambda.amazonaws.com', arn: fn.FunctionArn, account: fn.account, region: fn.region },
    context,
  });
  if (!outcome.ok) x.runtime.log.warn(`lambda: destination ${arn} of ${fn.FunctionName}: ${outcome.message}`);
  return outcome.ok;
}
