// Lambda's work that runs on its own once execution is up: the asynchronous queue left by a previous run is
// resumed, the AWS/Usage concurrency metric is published every minute, and /tmp is held to EphemeralStorage
// where the compute driver does not do it.
import type { Runtime } from '../../server/context.js';
import { startAsync, stopAsync } from './async-invoke.js';
import { executionOf } from './invoke.js';
import { startTmpQuota, stopTmpQuota } from './tmp-quota.js';
import { startUsageMetrics, stopUsageMetrics } from './usage-metrics.js';

export function startBackground(runtime: Runtime): void {
  const x = executionOf(runtime);
  startAsync(x);
  startUsageMetrics(x);
  startTmpQuota(x);
}

export function stopBackground(runtime: Runtime): void {
  const x = executionOf(runtime);
  stopAsync(x);
  stopUsageMetrics(x);
  stopTmpQuota(x);
}
