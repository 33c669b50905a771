// Provisioned concurrency set by another service (Application Auto Scaling's lambda:function:ProvisionedConcurrency
// dimension): the same checks and record as PutProvisionedConcurrencyConfig, then the environments are
// started once the config is READY, as after the operation.
import type { RequestContext, Runtime } from '../../server/context.js';
import { concurrencyHandlers } from './concurrency.js';
import { warmProvisioned } from './index.js';
import { resolveFunction } from './resolve.js';

export interface ProvisionedScope {
  account: string;
  region: string;
}

/** Sets a version's or alias's provisioned concurrency to `n`; throws the AwsError the operation would answer. */
export async function setProvisionedConcurrency(runtime: Runtime, scope: ProvisionedScope, functionName: string, qualifier: string, n: number): Promise<{ status: string }> {
  // the handler reads only the store, the clock and the scope of the request
  const ctx = { ...scope, store: runtime.store, clock: runtime.clock, service: 'lambda', operation: 'PutProvisionedConcurrencyConfig' } as unknown as RequestContext;
  const out = await runtime.store.transaction(() =>
    concurrencyHandlers.PutProvisionedConcurrencyConfig!(ctx, { FunctionName: functionName, Qualifier: qualifier, ProvisionedConcurrentExecutions: n }),
  );
  let tries = 0;
  const timer = runtime.clock.setInterval(() => {
    tries++;
    try {
      const fn = resolveFunction({ store: runtime.store, ...scope }, functionName, qualifier);
      if (fn.ProvisionedConcurrentExecutions) {
        timer.cancel();
        warmProvisioned(runtime, fn, fn.ProvisionedConcurrentExecutions);
        return;
      }
    } catch {
      return timer.cancel();
    }
    if (tries >= 120) timer.cancel();
  }, 1000);
  return { status: (out as { Status?: string } | undefined)?.Status ?? 'IN_PROGRESS' };
}
