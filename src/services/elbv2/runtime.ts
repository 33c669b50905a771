// One ELBv2 engine per running Cumulus (keyed by its store), created at init.
import type { Runtime } from '../../server/context.js';
import { Engine } from './engine.js';
import { reconcileHealth } from './health.js';
import { reconcileListeners, stopListeners } from './listener-servers.js';

const engines = new WeakMap<object, Engine>();

export function engineFor(runtime: Runtime): Engine {
  let e = engines.get(runtime.store);
  if (!e) {
    e = new Engine(runtime, { reconcileHealth, reconcileListeners, stop: stopListeners });
    engines.set(runtime.store, e);
  }
  return e;
}

export function dropEngine(runtime: Pick<Runtime, 'store'>): void {
  engines.delete(runtime.store);
}
