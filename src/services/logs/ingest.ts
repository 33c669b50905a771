// Appending events to a stream, the one write path for PutLogEvents and for the lines other services emit
// on the bus ('log-events': Lambda, ECS awslogs …). Bus lines are buffered per stream and written together
// in one transaction on the next turn of the event loop, so a burst of invocations costs one commit.
import type { LogEventsEvent } from '../../events/bus.js';
import type { Runtime } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';
import { eventsTable } from './events-table.js';
import { applyMetricFilters } from './metric-publish.js';
import { applySubscriptionFilters } from './subscription-filters.js';
import { groupsTable, type LogGroupRecord, type LogStreamRecord, streamKey, streamsTable } from './store.js';

export interface InputEvent {
  timestamp: number;
  message: string;
}

/** AWS's sequence tokens are long decimal strings; ours count the appends to the stream. */
export function sequenceToken(sequence: number): string {
  return String(sequence).padStart(56, '0');
}

/**
 * Stores events in a stream and applies the group's metric filters; returns the stream's new sequence number.
 * The caller holds the store's transaction and has checked that the group and stream exist.
 */
export function appendEvents(runtime: Runtime, scope: Scope, group: string, stream: string, events: InputEvent[]): number {
  const sequence = eventsTable(runtime.store).insert(scope, group, stream, events, runtime.clock.now());
  if (events.length) {
    applyMetricFilters(runtime, scope, group, events);
    applySubscriptionFilters(runtime, scope, group, stream, events);
  }
  return sequence;
}

export function newGroup(name: string, now: number): LogGroupRecord {
  return { logGroupName: name, creationTime: now, logGroupClass: 'STANDARD', tags: {} };
}

export function newStream(group: string, name: string, now: number): LogStreamRecord {
  return { logGroupName: group, logStreamName: name, creationTime: now };
}

/** The bus ingestion of each running Cumulus (tests may run several in one process), by its store. */
const ingestions = new WeakMap<Store, BusIngestion>();

export function ingestionFor(store: Store): BusIngestion | undefined {
  return ingestions.get(store);
}

/** Subscribes to 'log-events' (and 'reset') for this Cumulus. */
export function startBusIngestion(runtime: Runtime): BusIngestion {
  const ingestion = new BusIngestion(runtime);
  ingestions.set(runtime.store, ingestion);
  return ingestion;
}

/**
 * Under a steady stream of lines (a flush less than BUSY_MS ago), the next flush waits BUSY_MS instead of a
 * turn: each flush costs a transaction and a few statements per stream besides the rows, and at thousands of
 * invocations a second a turn holds only a few of them. Reads flush first, so nothing they ask for is missed.
 */
const BUSY_MS = 20;

/** Buffers bus lines per stream and writes them on the next turn of the event loop (see BUSY_MS). */
export class BusIngestion {
  private pending = new Map<string, LogEventsEvent>();
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() of the last flush that wrote something */
  private flushedAt = -Infinity;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly runtime: Runtime) {
    this.unsubscribe.push(runtime.bus.on('log-events', (e) => this.accept(e)));
    this.unsubscribe.push(
      runtime.bus.on('reset', ({ service }) => {
        if (service && service !== 'logs') return;
        this.pending.clear();
        eventsTable(runtime.store).reset();
      }),
    );
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  private accept(e: LogEventsEvent): void {
    if (!e.events.length) return;
    const key = `${e.account}\u0000${e.region}\u0000${e.logGroupName}\u0000${e.logStreamName}`;
    const buffered = this.pending.get(key);
    if (buffered) buffered.events.push(...e.events);
    else this.pending.set(key, { ...e, events: [...e.events] });
    if (!this.scheduled) {
      this.scheduled = true;
      if (performance.now() - this.flushedAt < BUSY_MS) {
        this.timer = setTimeout(() => this.flush(), BUSY_MS);
        this.timer.unref();
      } else setImmediate(() => this.flush());
    }
  }

  /** Writes what is buffered (also called by reads so that they see lines emitted just before). */
  flush(): void {
    this.scheduled = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.size) return;
    this.flushedAt = performance.now();
    const batches = [...this.pending.values()];
    this.pending.clear();
    const { runtime } = this;
    const now = runtime.clock.now();
    try {
      runtime.store.transaction(() => {
        for (const b of batches) {
          const scope = { account: b.account, region: b.region };
          // as Lambda does on AWS: the group and stream appear with the first line
          if (!groupsTable(runtime.store).has(scope, b.logGroupName)) {
            groupsTable(runtime.store).put(scope, b.logGroupName, newGroup(b.logGroupName, now));
          }
          const key = streamKey(b.logGroupName, b.logStreamName);
          if (!streamsTable(runtime.store).has(scope, key)) {
            streamsTable(runtime.store).put(scope, key, newStream(b.logGroupName, b.logStreamName, now));
          }
          const events = b.events.slice().sort((x, y) => x.timestamp - y.timestamp);
          appendEvents(runtime, scope, b.logGroupName, b.logStreamName, events);
        }
      });
    } catch (err) {
      runtime.log.error(`logs: could not store ${batches.length} batch(es) of log events: ${(err as Error).message}`);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const u of this.unsubscribe) u();
    this.pending.clear();
    ingestions.delete(this.runtime.store);
  }
}
