// Values derived from a service's records, kept while none of that service's records has been written
// (Store.generation): for what a data plane reads on every request (a function to invoke, its resource
// policy), which a JSON parse of its SQLite row per request made a tenth of the request's CPU.
import type { Store } from './db.js';

export class RecordCache<V> {
  private readonly byStore = new WeakMap<Store, Map<string, { generation: number; value: V }>>();

  /** `max` entries per store at most (past that the cache starts over: many keys only cost recomputing) */
  constructor(
    readonly service: string,
    private readonly max = 1000,
  ) {}

  /**
   * The value for `key` while the service's records are as they were when it was computed, else compute()'s.
   * A value that may change on its own (on the clock, at random) is not kept: `keep` says which are. Values
   * are shared between callers: they must not be changed.
   */
  get(store: Store, key: string, compute: () => V, keep: (value: V) => boolean = () => true): V {
    // read before computing: a write that computing makes (a settle on read) leaves the entry outdated
    const generation = store.generation(this.service);
    let entries = this.byStore.get(store);
    const hit = entries?.get(key);
    if (hit && hit.generation === generation) return hit.value;
    const value = compute();
    if (keep(value)) {
      if (!entries) this.byStore.set(store, (entries = new Map()));
      else if (entries.size >= this.max) entries.clear();
      entries.set(key, { generation, value });
    }
    return value;
  }
}
