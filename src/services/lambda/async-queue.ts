// The durable part of asynchronous invocation: each accepted event is a record in the store (scoped by the
// function's account and region, keyed by its request id) from the moment Lambda answers 202 until it is
// done with it (delivered, dropped for age or retries, or its function gone). After a crash or a restart
// the records left are the events still owed, and async-invoke.ts resumes them.
import type { Scope, Store, Table } from '../../state/db.js';

export interface AsyncEventRecord {
  requestId: string;
  /** unqualified ARN of the function */
  FunctionArn: string;
  /** the qualifier the caller named (alias or version), if any */
  qualifier?: string;
  /** the version the event is pinned to when the caller named one by ARN ($LATEST otherwise) */
  pinnedVersion?: string;
  /** the event, base64 */
  payload: string;
  /** clock ms when Lambda accepted the event: MaximumEventAgeInSeconds counts from here */
  enqueuedAt: number;
  /** attempts that ran the function (throttled attempts do not count) */
  attempts: number;
  /** the wait before the next attempt after a throttle (doubles up to 5 minutes) */
  throttleBackoffMs: number;
  /** clock ms of the next attempt */
  nextAttemptAt: number;
  maxRetries: number;
  maxAgeMs: number;
  onSuccess?: string;
  onFailure?: string;
}

export function asyncEvents(store: Store): Table<AsyncEventRecord> {
  return store.table<AsyncEventRecord>('lambda', 'async-event');
}

export function scopeOfArn(functionArn: string): Scope {
  const parts = functionArn.split(':');
  return { account: parts[4] ?? '', region: parts[3] ?? '' };
}

export function saveEvent(store: Store, r: AsyncEventRecord): void {
  asyncEvents(store).put(scopeOfArn(r.FunctionArn), r.requestId, r);
}

export function forgetEvent(store: Store, r: AsyncEventRecord): void {
  asyncEvents(store).delete(scopeOfArn(r.FunctionArn), r.requestId);
}

/** Every event still owed, oldest first. */
export function pendingEvents(store: Store): AsyncEventRecord[] {
  return asyncEvents(store)
    .listAll()
    .map((e) => e.record);
}
