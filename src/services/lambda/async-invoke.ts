// Asynchronous invocation (InvocationType Event, InvokeAsync, EventBridge and alarm targets, destinations):
// events wait in an in-memory queue; a function error is retried after 1 then 2 minutes (on the clock) up to
// MaximumRetryAttempts, a throttled attempt waits with backoff without counting as a retry, and an event
// older than MaximumEventAgeInSeconds is dropped. What is left over goes to the OnSuccess / OnFailure
// destination and the dead-letter queue, as AWS's invocation record. The queue does not survive a restart.
import { randomUUID } from 'node:crypto';
import type { TimerHandle } from '../../clock/clock.js';
import { AwsError } from '../../protocol/errors.js';
import type { Execution, InvocationResult } from './invoke.js';
import { runInvocation } from './invoke.js';
import type { ResolvedFunction } from './resolved-function.js';
import { eventInvokeConfigFor, resolveFunction } from './resolve.js';

/** AWS waits one minute before the second attempt and two before the third. */
const RETRY_DELAYS_MS = [60_000, 120_000];
const THROTTLE_BACKOFF_MIN_MS = 1000;
const THROTTLE_BACKOFF_MAX_MS = 5 * 60_000;

interface QueuedEvent {
  requestId: string;
  fn: ResolvedFunction;
  qualifier?: string;
  payload: Buffer;
  enqueuedAt: number;
  attempts: number;
  throttleBackoffMs: number;
  maxRetries: number;
  maxAgeMs: number;
  onSuccess?: string;
  onFailure?: string;
}

const timers = new WeakMap<Execution, Set<TimerHandle>>();

function schedule(x: Execution, ms: number, fn: () => void): void {
  let set = timers.get(x);
  if (!set) timers.set(x, (set = new Set()));
  const s = set;
  // the attempt starts once the clock has settled: a test's advance of several minutes must not also
  // use up the retried invocation's own timeout within the same jump
  const t = x.runtime.clock.setTimeout(() => {
    s.delete(t);
    setImmediate(fn);
  }, ms);
  s.add(t);
}

/** Cancels pending retries (Cumulus is stopping). */
export function stopAsync(x: Execution): void {
  for (const t of timers.get(x) ?? []) t.cancel();
  timers.delete(x);
}

/** Queues an event for a function; returns its request id at once. */
export function enqueueEvent(x: Execution, fn: ResolvedFunction, payload: Buffer, qualifier?: string, requestId?: string): string {
  const cfg = eventInvokeConfigFor({ store: x.runtime.store, account: fn.account, region: fn.region }, fn.FunctionArn, qualifier ?? fn.Version);
  const ev: QueuedEvent = {
    requestId: requestId ?? randomUUID(),
    fn,
    qualifier,
    payload,
    enqueuedAt: x.runtime.clock.now(),
    attempts: 0,
    throttleBackoffMs: THROTTLE_BACKOFF_MIN_MS,
    maxRetries: cfg.MaximumRetryAttempts ?? 2,
    maxAgeMs: (cfg.MaximumEventAgeInSeconds ?? 21_600) * 1000,
    onSuccess: cfg.OnSuccess,
    onFailure: cfg.OnFailure,
  };
  x.metrics.asyncEvent(fn, 'AsyncEventsReceived');
  setImmediate(() => void attempt(x, ev));
  return ev.requestId;
}

async function attempt(x: Execution, ev: QueuedEvent): Promise<void> {
  const age = x.runtime.clock.now() - ev.enqueuedAt;
  if (age > ev.maxAgeMs) {
    x.metrics.asyncEvent(ev.fn, 'AsyncEventsDropped');
    return void settle(x, ev, 'EventAgeExceeded', undefined);
  }
  x.metrics.asyncEventAge(ev.fn, age);
  // what the function is now (its concurrency, code and configuration may have changed while the event waited)
  try {
    const pinned = ev.qualifier ?? (ev.fn.Version !== '$LATEST' ? ev.fn.Version : undefined);
    ev.fn = resolveFunction({ store: x.runtime.store, account: ev.fn.account, region: ev.fn.region }, ev.fn.FunctionArn, pinned);
  } catch (err) {
    x.metrics.asyncEvent(ev.fn, 'AsyncEventsDropped');
    x.runtime.log.warn(`lambda: async event ${ev.requestId} dropped: ${(err as Error)?.message}`);
    return;
  }
  let result: InvocationResult;
  try {
    result = await runInvocation(x, { fn: ev.fn, payload: ev.payload, qualifier: ev.qualifier, requestId: ev.requestId });
  } catch (err) {
    if (err instanceof AwsError && err.code === 'TooManyRequestsException') {
      // throttled: back off and try again, without spending a retry
      const wait = ev.throttleBackoffMs;
      ev.throttleBackoffMs = Math.min(THROTTLE_BACKOFF_MAX_MS, ev.throttleBackoffMs * 2);
      return schedule(x, wait, () => void attempt(x, ev));
    }
    x.runtime.log.warn(`lambda: async event ${ev.requestId} for ${ev.fn.FunctionName} failed: ${(err as Error)?.message}`);
    ev.attempts++;
    return retryOrGiveUp(x, ev, undefined);
  }
  ev.attempts++;
  if (!result.functionError) return void settle(x, ev, 'Success', result);
  retryOrGiveUp(x, ev, result);
}

function retryOrGiveUp(x: Execution, ev: QueuedEvent, result: InvocationResult | undefined): void {
  if (ev.attempts <= ev.maxRetries) {
    const delay = RETRY_DELAYS_MS[Math.min(ev.attempts - 1, RETRY_DELAYS_MS.length - 1)]!;
    return schedule(x, delay, () => void attempt(x, ev));
  }
  void settle(x, ev, 'RetriesExhausted', result);
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

async function settle(x: Execution, ev: QueuedEvent, condition: string, result: InvocationResult | undefined): Promise<void> {
  const success = condition === 'Success';
  const destination = success ? ev.onSuccess : ev.onFailure;
  if (destination) {
    const record = JSON.stringify(invocationRecord(x, ev, condition, result));
    const ok = await deliver(x, ev.fn, destination, record, undefined);
    if (!ok) x.metrics.asyncEvent(ev.fn, 'DestinationDeliveryFailures');
  }
  if (!success && ev.fn.DeadLetterTargetArn) {
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
    const attributes = { RequestID: ev.requestId, ErrorCode: errorCode, ErrorMessage: errorMessage };
    const ok = await deliver(x, ev.fn, ev.fn.DeadLetterTargetArn, ev.payload.toString('utf8'), { messageAttributes: attributes });
    if (!ok) x.metrics.asyncEvent(ev.fn, 'DeadLetterErrors');
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
