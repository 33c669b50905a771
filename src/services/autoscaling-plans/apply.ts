// A plan's life after the request that changed it: CreationInProgress / UpdateInProgress / DeletionInProgress
// last a few (virtual) seconds, then the plan's instructions are applied to their resources (or removed from
// them) and the plan settles as Active, ActiveWithProblems, CreationFailed or UpdateFailed with AWS's status
// messages. A plan caught in progress by a restart is picked up again at start.
import type { ScalingInstruction } from '../../generated/autoscaling-plans.js';
import type { TimerHandle } from '../../clock/clock.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { applyToGroup, removeFromGroup } from './group.js';
import { applyPredictive, isPredictive } from './predictive.js';
import { plans, resourceKey, type PlanRecord, type ResourceState } from './store.js';

/** How long a plan stays in progress (AWS takes a little while to configure even a small plan). */
export const APPLY_DELAY_MS = 15_000;

const timers = new WeakMap<object, Set<TimerHandle>>();

/** Cumulus has no service for these namespaces yet: the instruction is kept, and says so. */
function recordOnly(i: ScalingInstruction): ResourceState {
  return {
    ServiceNamespace: i.ServiceNamespace,
    ResourceId: i.ResourceId,
    ScalableDimension: i.ScalableDimension,
    ScalingStatusCode: 'Inactive',
    ScalingStatusMessage: `Failed to apply the scaling configuration: the ${i.ServiceNamespace} resource ${i.ResourceId} was not found (Cumulus does not serve ${i.ServiceNamespace} resources yet; the scaling instruction is recorded).`,
    ScalingPolicies: [],
  };
}

function removeResource(rt: Runtime, scope: Scope, state: ResourceState): void {
  if (state.ServiceNamespace === 'autoscaling') removeFromGroup(rt, scope, state);
}

function settle(rt: Runtime, p: PlanRecord, creating: boolean): void {
  const states = Object.values(p.resources);
  const ok = states.filter((s) => s.ScalingStatusCode === 'Active').length;
  const none = states.every((s) => s.ScalingStatusCode === 'Inactive');
  const firstProblem = states.find((s) => s.ScalingStatusCode !== 'Active')?.ScalingStatusMessage;
  let code: PlanRecord['StatusCode'];
  let message: string;
  if (ok === states.length) {
    code = 'Active';
    message = creating ? 'Scaling plan has been created and applied to all resources.' : 'Scaling plan has been updated and applied to all resources.';
  } else if (none) {
    code = creating ? 'CreationFailed' : 'UpdateFailed';
    message = `Scaling plan could not be applied to any resource. ${firstProblem ?? ''}`.trim();
  } else {
    code = 'ActiveWithProblems';
    message = `Scaling plan has been ${creating ? 'created' : 'updated'}, but could not be applied to all resources. ${firstProblem ?? ''}`.trim();
  }
  p.StatusCode = code;
  p.StatusMessage = message;
  p.StatusStartTime = rt.clock.date().toISOString();
}

/** Carries a plan in progress to its end. Runs inside a transaction. */
export function applyPlan(rt: Runtime, scope: Scope, key: string): void {
  const p = plans(rt).get(scope, key);
  if (!p) return;
  if (p.StatusCode === 'DeletionInProgress') {
    for (const s of Object.values(p.resources)) removeResource(rt, scope, s);
    plans(rt).delete(scope, key);
    return;
  }
  if (p.StatusCode !== 'CreationInProgress' && p.StatusCode !== 'UpdateInProgress') return;
  const creating = p.StatusCode === 'CreationInProgress';
  const wanted = new Set(p.ScalingInstructions.map(resourceKey));
  for (const [k, s] of Object.entries(p.resources)) {
    if (!wanted.has(k)) {
      removeResource(rt, scope, s);
      delete p.resources[k];
    }
  }
  for (const i of p.ScalingInstructions) {
    const k = resourceKey(i);
    const prev = p.resources[k];
    const state = i.ServiceNamespace === 'autoscaling' ? applyToGroup(rt, scope, i, prev) : recordOnly(i);
    p.resources[k] = i.ServiceNamespace === 'autoscaling' && state.ScalingStatusCode !== 'Inactive' ? applyPredictive(rt, scope, i, state) : state;
  }
  settle(rt, p, creating);
  plans(rt).put(scope, key, p);
}

/** Schedules the end of the plan's current progress state. */
export function schedule(rt: Runtime, scope: Scope, key: string, delayMs = APPLY_DELAY_MS): void {
  let set = timers.get(rt.clock);
  if (!set) timers.set(rt.clock, (set = new Set()));
  const handle = rt.clock.setTimeout(() => {
    set!.delete(handle);
    try {
      rt.store.transaction(() => applyPlan(rt, scope, key));
    } catch (err) {
      rt.log.warn(`autoscaling-plans: applying plan ${key} failed: ${(err as Error).message}`);
      rt.store.transaction(() => {
        const p = plans(rt).get(scope, key);
        if (!p || !p.StatusCode.endsWith('InProgress')) return;
        p.StatusCode = p.StatusCode === 'CreationInProgress' ? 'CreationFailed' : p.StatusCode === 'UpdateInProgress' ? 'UpdateFailed' : 'DeletionFailed';
        p.StatusMessage = `Internal error: ${(err as Error).message}`;
        p.StatusStartTime = rt.clock.date().toISOString();
        plans(rt).put(scope, key, p);
      });
    }
  }, delayMs);
  set.add(handle);
}

/** At start: plans a restart caught in progress carry on. */
export function resumePlans(rt: Runtime): void {
  for (const { scope, record } of plans(rt).listAll()) {
    if (record.StatusCode.endsWith('InProgress')) schedule(rt, scope, `${record.ScalingPlanName}|${record.ScalingPlanVersion}`);
  }
}

/** AWS re-forecasts regularly: every hour the scheduled actions of ForecastAndScale groups move on with the forecast. */
export function refreshForecasts(rt: Runtime): void {
  let set = timers.get(rt.clock);
  if (!set) timers.set(rt.clock, (set = new Set()));
  set.add(
    rt.clock.setInterval(() => {
      for (const { scope, record } of plans(rt).listAll()) {
        if (record.StatusCode !== 'Active' && record.StatusCode !== 'ActiveWithProblems') continue;
        const key = `${record.ScalingPlanName}|${record.ScalingPlanVersion}`;
        try {
          rt.store.transaction(() => {
            const p = plans(rt).get(scope, key);
            if (!p) return;
            let changed = false;
            for (const i of p.ScalingInstructions) {
              const k = resourceKey(i);
              const s = p.resources[k];
              if (i.ServiceNamespace !== 'autoscaling' || !s || s.ScalingStatusCode === 'Inactive') continue;
              if (!isPredictive(i) && !s.scheduledActions) continue;
              p.resources[k] = applyPredictive(rt, scope, i, s);
              changed = true;
            }
            if (changed) plans(rt).put(scope, key, p);
          });
        } catch (err) {
          rt.log.warn(`autoscaling-plans: refreshing the forecasts of plan ${key} failed: ${(err as Error).message}`);
        }
      }
    }, 3_600_000),
  );
}

export function stopPlans(rt: Runtime): void {
  for (const t of timers.get(rt.clock) ?? []) t.cancel();
  timers.delete(rt.clock);
}
