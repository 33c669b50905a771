// One driver per running Cumulus, shared by every service that runs workloads (EC2, Lambda, ECS, Batch).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Runtime } from '../server/context.js';
import type { Driver } from './driver.js';
import { createDriver } from './index.js';

const drivers = new WeakMap<object, Driver>();

/** The runtime's driver, created on first use: workloads live under <dataDir>/compute, or a temp dir. */
export function driverFor(runtime: Pick<Runtime, 'clock' | 'config'>): Driver {
  let driver = drivers.get(runtime.clock);
  if (!driver) {
    const baseDir = runtime.config.dataDir
      ? path.join(runtime.config.dataDir, 'compute')
      : fs.mkdtempSync(path.join(os.tmpdir(), 'cumulus-compute-'));
    driver = createDriver('process', { baseDir, clock: runtime.clock });
    drivers.set(runtime.clock, driver);
  }
  return driver;
}

/** Stops every workload of the runtime's driver (when Cumulus stops). */
export async function shutdownDriver(runtime: Pick<Runtime, 'clock'>): Promise<void> {
  const driver = drivers.get(runtime.clock);
  if (!driver) return;
  drivers.delete(runtime.clock);
  await driver.shutdown();
}
