// Lifecycle hooks: a launching instance waits in Pending:Wait, a terminating one in Terminating:Wait, until
// every hook's action is completed (CompleteLifecycleAction) or times out into the hook's DefaultResult.
import { randomUUID } from 'node:crypto';
import type { AutoscalingOperations, LifecycleHookSpecification } from '../../generated/autoscaling.js';
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { validation } from './errors.js';
import { getGroup, putGroup } from './groups.js';
import { lifecycleHooks, scopeOf, type GroupInstanceRecord, type GroupRecord, type LifecycleHookRecord } from './store.js';

const LAUNCHING = 'autoscaling:EC2_INSTANCE_LAUNCHING';
const TERMINATING = 'autoscaling:EC2_INSTANCE_TERMINATING';
const MAX_HOOKS = 50;

const hookKey = (group: string, name: string) => `${group}/${name}`;

export function hooksOf(rt: Pick<Runtime, 'store'>, scope: Scope, group: string, transition: 'launch' | 'terminate'): LifecycleHookRecord[] {
  const wanted = transition === 'launch' ? LAUNCHING : TERMINATING;
  return lifecycleHooks(rt)
    .list(scope)
    .filter((h) => h.AutoScalingGroupName === group && h.LifecycleTransition === wanted);
}

function hookRecord(group: string, spec: LifecycleHookSpecification | (Partial<LifecycleHookSpecification> & { LifecycleHookName: string }), existing?: LifecycleHookRecord): LifecycleHookRecord {
  const transition = spec.LifecycleTransition ?? existing?.LifecycleTransition;
  if (transition !== LAUNCHING && transition !== TERMINATING) {
    throw validation(`Invalid Lifecycle Transition: ${transition ?? 'null'}. Valid values are autoscaling:EC2_INSTANCE_LAUNCHING, autoscaling:EC2_INSTANCE_TERMINATING`);
  }
  const heartbeat = spec.HeartbeatTimeout ?? existing?.HeartbeatTimeout ?? 3600;
  if (heartbeat < 30 || heartbeat > 7200) throw validation(`Heartbeat timeout must be between 30 and 7200 seconds`);
  const result = spec.DefaultResult ?? existing?.DefaultResult ?? 'ABANDON';
  if (result !== 'CONTINUE' && result !== 'ABANDON') throw validation(`Invalid default result: ${result}. Valid values are CONTINUE, ABANDON`);
  return {
    LifecycleHookName: spec.LifecycleHookName,
    AutoScalingGroupName: group,
    LifecycleTransition: transition,
    ...((spec.NotificationTargetARN ?? existing?.NotificationTargetARN) ? { NotificationTargetARN: spec.NotificationTargetARN ?? existing?.NotificationTargetARN } : {}),
    ...((spec.RoleARN ?? existing?.RoleARN) ? { RoleARN: spec.RoleARN ?? existing?.RoleARN } : {}),
    ...((spec.NotificationMetadata ?? existing?.NotificationMetadata) ? { NotificationMetadata: spec.NotificationMetadata ?? existing?.NotificationMetadata } : {}),
    HeartbeatTimeout: heartbeat,
    GlobalTimeout: Math.min(100 * heartbeat, 172_800),
    DefaultResult: result,
  };
}

/** Hooks given at CreateAutoScalingGroup (LifecycleHookSpecificationList). */
export function createHooks(rt: Pick<Runtime, 'store'>, scope: Scope, group: string, specs: LifecycleHookSpecification[] | undefined): void {
  for (const spec of specs ?? []) lifecycleHooks(rt).put(scope, hookKey(group, spec.LifecycleHookName), hookRecord(group, spec));
}

export function deleteHooksOf(rt: Pick<Runtime, 'store'>, scope: Scope, group: string): void {
  for (const h of lifecycleHooks(rt).list(scope)) if (h.AutoScalingGroupName === group) lifecycleHooks(rt).delete(scope, hookKey(group, h.LifecycleHookName));
}

/** Puts the instance on hold for the transition's hooks; false when the group has none. */
export function beginActions(
  rt: Runtime,
  scope: Scope,
  g: GroupRecord,
  inst: GroupInstanceRecord,
  transition: 'launch' | 'terminate',
  /** warm pool transitions wait in their own state (Warmed:Pending:Wait …) and name their route */
  warm?: { state: GroupInstanceRecord['LifecycleState']; origin: string; destination: string },
): boolean {
  const hooks = hooksOf(rt, scope, g.AutoScalingGroupName, transition);
  if (!hooks.length) return false;
  const now = rt.clock.now();
  inst.actions = {};
  inst.LifecycleState = warm?.state ?? (transition === 'launch' ? 'Pending:Wait' : 'Terminating:Wait');
  for (const h of hooks) {
    const token = randomUUID();
    inst.actions[h.LifecycleHookName] = { token, deadline: now + h.HeartbeatTimeout * 1000, globalDeadline: now + h.GlobalTimeout * 1000, defaultResult: h.DefaultResult };
    const detail = {
      Origin: warm?.origin ?? (transition === 'launch' ? (inst.fromWarmPool ? 'WarmPool' : 'EC2') : 'AutoScalingGroup'),
      Destination: warm?.destination ?? (transition === 'launch' ? 'AutoScalingGroup' : 'EC2'),
      LifecycleActionToken: token,
      AutoScalingGroupName: g.AutoScalingGroupName,
      LifecycleHookName: h.LifecycleHookName,
      EC2InstanceId: inst.InstanceId,
      LifecycleTransition: h.LifecycleTransition,
      ...(h.NotificationMetadata ? { NotificationMetadata: h.NotificationMetadata } : {}),
    };
    rt.bus.emit('aws-event', {
      account: scope.account,
      region: scope.region,
      source: 'aws.autoscaling',
      detailType: transition === 'launch' ? 'EC2 Instance-launch Lifecycle Action' : 'EC2 Instance-terminate Lifecycle Action',
      detail,
      resources: [g.AutoScalingGroupARN!],
      time: rt.clock.date(),
    });
    if (h.NotificationTargetARN) {
      // the notification an SQS queue or SNS topic receives, once those services exist in Cumulus
      const message = { ...detail, AccountId: scope.account, RequestId: randomUUID(), Time: rt.clock.date().toISOString(), Service: 'AWS Auto Scaling' };
      void rt.targets.invoke({ arn: h.NotificationTargetARN, payload: JSON.stringify(message), source: { principal: 'autoscaling.amazonaws.com', arn: g.AutoScalingGroupARN, account: scope.account, region: scope.region } });
    }
  }
  return true;
}

/** Where the instance's actions stand: still waiting, or the outcome (any ABANDON wins on launch). */
export function settleActions(rt: Pick<Runtime, 'clock'>, inst: GroupInstanceRecord): 'waiting' | 'CONTINUE' | 'ABANDON' {
  const now = rt.clock.now();
  const actions = Object.values(inst.actions ?? {});
  for (const a of actions) if (!a.result && (now >= a.deadline || now >= a.globalDeadline)) a.result = a.defaultResult;
  if (actions.some((a) => !a.result)) return 'waiting';
  return actions.some((a) => a.result === 'ABANDON') ? 'ABANDON' : 'CONTINUE';
}

function findAction(rt: Runtime, scope: Scope, input: { AutoScalingGroupName: string; LifecycleHookName: string; LifecycleActionToken?: string; InstanceId?: string }) {
  const g = getGroup({ ...rt, ...scope }, input.AutoScalingGroupName);
  if (!lifecycleHooks(rt).has(scope, hookKey(input.AutoScalingGroupName, input.LifecycleHookName))) {
    throw validation(`No Lifecycle Hook found with name ${input.LifecycleHookName} for group ${input.AutoScalingGroupName}`);
  }
  if (!input.LifecycleActionToken && !input.InstanceId) throw validation('Either LifecycleActionToken or InstanceId must be specified.');
  // warm pool instances wait on the same hooks (Warmed:Pending:Wait, Warmed:Terminating:Wait)
  for (const inst of [...g.Instances, ...(g.warm ?? [])]) {
    const a = inst.actions?.[input.LifecycleHookName];
    if (!a || a.result) continue;
    if (input.LifecycleActionToken ? a.token === input.LifecycleActionToken : inst.InstanceId === input.InstanceId) return { g, inst, action: a };
  }
  throw validation(`No active Lifecycle Action found with ${input.LifecycleActionToken ? `token ${input.LifecycleActionToken}` : `instance ID ${input.InstanceId}`}`);
}

export const lifecycleHookHandlers: Handlers<AutoscalingOperations> = {
  PutLifecycleHook(ctx, input) {
    const scope = scopeOf(ctx);
    getGroup(ctx, input.AutoScalingGroupName);
    const key = hookKey(input.AutoScalingGroupName, input.LifecycleHookName);
    const existing = lifecycleHooks(ctx).get(scope, key);
    if (!existing && !input.LifecycleTransition) throw validation('LifecycleTransition is required for a new lifecycle hook.');
    if (!existing && hooksOf(ctx, scope, input.AutoScalingGroupName, 'launch').length + hooksOf(ctx, scope, input.AutoScalingGroupName, 'terminate').length >= MAX_HOOKS) {
      throw new AwsError('LimitExceeded', `The number of lifecycle hooks for the Auto Scaling group ${input.AutoScalingGroupName} exceeds the limit of ${MAX_HOOKS}.`);
    }
    lifecycleHooks(ctx).put(scope, key, hookRecord(input.AutoScalingGroupName, input, existing));
    return {};
  },

  DescribeLifecycleHooks(ctx, input) {
    const scope = scopeOf(ctx);
    getGroup(ctx, input.AutoScalingGroupName);
    const hooks = lifecycleHooks(ctx)
      .list(scope)
      .filter((h) => h.AutoScalingGroupName === input.AutoScalingGroupName && (!input.LifecycleHookNames?.length || input.LifecycleHookNames.includes(h.LifecycleHookName)));
    return { LifecycleHooks: hooks };
  },

  DeleteLifecycleHook(ctx, input) {
    const scope = scopeOf(ctx);
    getGroup(ctx, input.AutoScalingGroupName);
    const key = hookKey(input.AutoScalingGroupName, input.LifecycleHookName);
    if (!lifecycleHooks(ctx).has(scope, key)) throw validation(`No Lifecycle Hook found with name ${input.LifecycleHookName} for group ${input.AutoScalingGroupName}`);
    lifecycleHooks(ctx).delete(scope, key);
    return {};
  },

  DescribeLifecycleHookTypes() {
    return { LifecycleHookTypes: [LAUNCHING, TERMINATING] };
  },

  CompleteLifecycleAction(ctx, input) {
    const scope = scopeOf(ctx);
    if (input.LifecycleActionResult !== 'CONTINUE' && input.LifecycleActionResult !== 'ABANDON') {
      throw validation(`Invalid lifecycle action result: ${input.LifecycleActionResult}. Valid values are CONTINUE, ABANDON`);
    }
    const { g, action } = findAction(ctx, scope, input);
    action.result = input.LifecycleActionResult;
    putGroup(ctx, g);
    return {};
  },

  RecordLifecycleActionHeartbeat(ctx, input) {
    const scope = scopeOf(ctx);
    const { g, action } = findAction(ctx, scope, input);
    const hook = lifecycleHooks(ctx).get(scope, hookKey(input.AutoScalingGroupName, input.LifecycleHookName))!;
    action.deadline = Math.min(ctx.clock.now() + hook.HeartbeatTimeout * 1000, action.globalDeadline);
    putGroup(ctx, g);
    return {};
  },
};
