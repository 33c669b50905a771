// A spot interruption: EC2 posts the two-minute notice (metadata spot/instance-action and the EventBridge
// "EC2 Spot Instance Interruption Warning"), then stops or terminates the instance as its request asked,
// with StateReason Server.SpotInstanceShutdown / Server.SpotInstanceTermination.
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { emitSpotInterruptionWarning } from './instance-events.js';
import { getRecord, instanceTable, putRecord } from './instances.js';
import { engineFor } from './lifecycle.js';
import { setSpotStatus, spotTable } from './spot-store.js';

export const NOTICE_MS = 120_000;

type SpotRuntime = Pick<Runtime, 'clock' | 'config' | 'store' | 'log' | 'bus'>;

/** Starts the interruption of a running spot instance; false when it already has a notice (or is not running). */
export function interruptSpotInstance(runtime: SpotRuntime, scope: Scope, instanceId: string, cause: 'price' | 'no-capacity' = 'no-capacity'): boolean {
  const engine = engineFor(runtime);
  const ctx = engine.ctx(scope);
  const r = getRecord(ctx, instanceId);
  if (!r || !r.SpotInstanceRequestId || r.SpotNotice || (r.State !== 'running' && r.State !== 'pending')) return false;
  const behaviour = r.SpotInterruptionBehavior ?? 'terminate';
  // Cumulus does not hibernate: a hibernate interruption stops the instance (RAM is lost, as a stop)
  const action = behaviour === 'terminate' ? 'terminate' : 'stop';
  const at = runtime.clock.now() + NOTICE_MS;
  r.SpotNotice = { action, time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'), cause };
  putRecord(ctx, r);
  const request = spotTable(runtime).get(scope, r.SpotInstanceRequestId);
  if (request) setSpotStatus(ctx, scope, request, request.State, action === 'terminate' ? 'marked-for-termination' : 'marked-for-stop');
  emitSpotInterruptionWarning(runtime, scope, instanceId, behaviour);
  runtime.clock.setTimeout(() => reclaim(runtime, scope, instanceId), NOTICE_MS);
  return true;
}

/** After a restart: notices already posted still end in their stop or termination at their time. */
export function resumeSpotInterruptions(runtime: SpotRuntime): void {
  const now = runtime.clock.now();
  for (const { scope, record } of instanceTable(runtime).listAll()) {
    if (!record.SpotNotice) continue;
    runtime.clock.setTimeout(() => reclaim(runtime, scope, record.InstanceId), Math.max(0, Date.parse(record.SpotNotice.time) - now));
  }
}

function reclaim(runtime: SpotRuntime, scope: Scope, instanceId: string): void {
  const engine = engineFor(runtime);
  const ctx = engine.ctx(scope);
  runtime.store.transaction(() => {
    const r = getRecord(ctx, instanceId);
    if (!r?.SpotNotice) return;
    const { action, cause } = r.SpotNotice;
    delete r.SpotNotice;
    const transition = `Service initiated (${runtime.clock.date().toISOString().slice(0, 19).replace('T', ' ')} GMT)`;
    const request = r.SpotInstanceRequestId ? spotTable(runtime).get(scope, r.SpotInstanceRequestId) : undefined;
    if (r.State !== 'running' && r.State !== 'pending') {
      putRecord(ctx, r);
      return;
    }
    if (action === 'terminate') {
      engine.terminate(ctx, r, { Code: 'Server.SpotInstanceTermination', Message: 'Server.SpotInstanceTermination: Spot instance termination' }, transition);
      // a persistent request opens again for a new instance; a one-time request is over
      if (request) setSpotStatus(ctx, scope, request, request.Type === 'persistent' ? 'open' : 'closed', `instance-terminated-${cause === 'price' ? 'by-price' : 'no-capacity'}`);
    } else {
      engine.stop(ctx, r, true, { Code: 'Server.SpotInstanceShutdown', Message: 'Server.SpotInstanceShutdown: Spot instance shutdown' }, transition);
      if (request) setSpotStatus(ctx, scope, request, 'disabled', `instance-stopped-${cause === 'price' ? 'by-price' : 'no-capacity'}`);
    }
  });
}
