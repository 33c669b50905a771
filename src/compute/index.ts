// The compute drivers: services ask one for workloads and get handles back (see driver.ts).
import type { Clock } from '../clock/clock.js';
import type { Driver, DriverKind } from './driver.js';
import { ProcessDriver, type ProcessDriverOptions } from './process-driver.js';

export * from './driver.js';
export { ProcessDriver, type ProcessDriverOptions } from './process-driver.js';
export { DEFAULT_GRACE_MS } from './process-workload.js';
export { EPHEMERAL_RANGE, PortAllocator, anyFreePort, isPortFree, portEnv } from './ports.js';

export interface DriverOptions extends Partial<ProcessDriverOptions> {
  baseDir: string;
  clock: Clock;
}

export function createDriver(kind: DriverKind, options: DriverOptions): Driver {
  switch (kind) {
    case 'process':
      return new ProcessDriver(options);
    default:
      throw new Error(`unknown compute driver: ${String(kind)}`);
  }
}
