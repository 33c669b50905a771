// CloudWatch's in-memory state for one running Cumulus: the metric store and the alarm engine.
// Keyed by the store object, which every request context shares with the runtime.
import type { Runtime } from '../../server/context.js';
import type { Store } from '../../state/db.js';
import { MetricStore } from './metric-store.js';

const stores = new WeakMap<Store, MetricStore>();

export function metricsOf(runtime: Pick<Runtime, 'store' | 'clock'>): MetricStore {
  let m = stores.get(runtime.store);
  if (!m) stores.set(runtime.store, (m = new MetricStore(runtime)));
  return m;
}
