// Scheduled actions: a group's min, max and desired capacity set at a time, once or on a cron recurrence in
// a time zone; run on the clock by the controller (skipped while 'ScheduledActions' is suspended).
import { randomUUID } from 'node:crypto';
import type { AutoscalingOperations, FailedScheduledUpdateGroupActionRequest, ScheduledUpdateGroupAction, ScheduledUpdateGroupActionRequest } from '../../generated/autoscaling.js';
import { AwsError } from '../../protocol/errors.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { causeTime, recordActivity } from './activities.js';
import { isValidTimeZone, nextRun, parseCron } from './cron.js';
import { validation } from './errors.js';
import { getGroup, isSuspended } from './groups.js';
import { groups, scheduledActions, scopeOf, type ScheduledActionRecord } from './store.js';

const MAX_ACTIONS = 125;

const key = (group: string, name: string) => `${group}/${name}`;

const ms = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).getTime());

/** The action's first run: its StartTime, else the recurrence's next time after now. */
function firstRun(r: ScheduledActionRecord, now: number): number | undefined {
  const start = ms(r.StartTime);
  if (start !== undefined) return start;
  if (!r.Recurrence) return undefined;
  const next = nextRun(parseCron(r.Recurrence), now, r.TimeZone ?? 'UTC');
  return next !== undefined && (r.EndTime === undefined || next <= ms(r.EndTime)!) ? next : undefined;
}

/** Builds (and checks) a record from a request; throws ValidationError with AWS's wording. */
function build(ctx: Runtime & Scope, group: string, input: ScheduledUpdateGroupActionRequest & { Time?: Date | string }, existing?: ScheduledActionRecord): ScheduledActionRecord {
  if (input.Time !== undefined && input.StartTime !== undefined) throw validation('Both time and startTime cannot be used.');
  const start = input.StartTime ?? input.Time;
  if (input.MinSize === undefined && input.MaxSize === undefined && input.DesiredCapacity === undefined) {
    throw validation('At least one of MinSize, MaxSize, or DesiredCapacity must be specified.');
  }
  if (input.MinSize !== undefined && input.MaxSize !== undefined && input.MinSize > input.MaxSize) {
    throw validation(`Max bound, ${input.MaxSize}, must be greater than or equal to min bound, ${input.MinSize}`);
  }
  if (input.DesiredCapacity !== undefined) {
    if (input.MinSize !== undefined && input.DesiredCapacity < input.MinSize) throw validation(`Desired capacity:${input.DesiredCapacity} must be between the specified min size:${input.MinSize} and max size:${input.MaxSize ?? 'unspecified'}`);
    if (input.MaxSize !== undefined && input.DesiredCapacity > input.MaxSize) throw validation(`Desired capacity:${input.DesiredCapacity} must be between the specified min size:${input.MinSize ?? 'unspecified'} and max size:${input.MaxSize}`);
  }
  if (input.Recurrence !== undefined) {
    try {
      parseCron(input.Recurrence);
    } catch {
      throw validation(`Given recurrence string: ${input.Recurrence} is invalid`);
    }
  }
  if (input.TimeZone !== undefined && !isValidTimeZone(input.TimeZone)) throw validation(`Invalid time zone: ${input.TimeZone}`);
  if (start === undefined && input.Recurrence === undefined) throw validation('Either StartTime or Recurrence must be specified.');
  const now = ctx.clock.now();
  if (start !== undefined && ms(start)! < now) throw validation('Given start time is in the past');
  if (input.EndTime !== undefined) {
    if (ms(input.EndTime)! < now) throw validation('Given end time is in the past');
    if (start !== undefined && ms(input.EndTime)! < ms(start)!) throw validation('Given end time is before the start time');
  }
  const r: ScheduledActionRecord = {
    AutoScalingGroupName: group,
    ScheduledActionName: input.ScheduledActionName,
    ScheduledActionARN:
      existing?.ScheduledActionARN ??
      arn({ service: 'autoscaling', region: ctx.region, account: ctx.account, resource: `scheduledUpdateGroupAction:${randomUUID()}:autoScalingGroupName/${group}:scheduledActionName/${input.ScheduledActionName}` }),
    ...(start !== undefined ? { StartTime: new Date(start).toISOString() } : {}),
    ...(input.EndTime !== undefined ? { EndTime: new Date(input.EndTime).toISOString() } : {}),
    ...(input.Recurrence !== undefined ? { Recurrence: input.Recurrence } : {}),
    ...(input.MinSize !== undefined ? { MinSize: input.MinSize } : {}),
    ...(input.MaxSize !== undefined ? { MaxSize: input.MaxSize } : {}),
    ...(input.DesiredCapacity !== undefined ? { DesiredCapacity: input.DesiredCapacity } : {}),
    ...(input.TimeZone !== undefined ? { TimeZone: input.TimeZone } : {}),
  };
  r.nextRun = firstRun(r, now);
  return r;
}

function put(ctx: Runtime & Scope, group: string, input: ScheduledUpdateGroupActionRequest & { Time?: Date | string }): void {
  const scope = scopeOf(ctx);
  const k = key(group, input.ScheduledActionName);
  const existing = scheduledActions(ctx).get(scope, k);
  if (!existing && scheduledActions(ctx).list(scope).filter((a) => a.AutoScalingGroupName === group).length >= MAX_ACTIONS) {
    throw new AwsError('LimitExceeded', `The number of scheduled actions for the Auto Scaling group ${group} exceeds the limit of ${MAX_ACTIONS}.`);
  }
  scheduledActions(ctx).put(scope, k, build(ctx, group, input, existing));
}

function view(r: ScheduledActionRecord): ScheduledUpdateGroupAction {
  const { nextRun: next, ...rest } = r;
  // AWS shows a recurring action's next run as its start time
  const start = next !== undefined ? new Date(next).toISOString() : r.StartTime;
  return { ...rest, ...(start ? { StartTime: start, Time: start } : {}) };
}

const notFound = (group: string, name: string) => validation(`Scheduled Update Group Action name not found - Could not find scheduled action ${name} for group ${group}`);

export function deleteScheduledActionsOf(rt: Pick<Runtime, 'store'>, scope: Scope, group: string): void {
  for (const a of scheduledActions(rt).list(scope)) if (a.AutoScalingGroupName === group) scheduledActions(rt).delete(scope, key(group, a.ScheduledActionName));
}

/** Runs every action that is due (called by the controller each tick, before the groups are reconciled). */
export function runDueScheduledActions(rt: Runtime): void {
  const now = rt.clock.now();
  for (const { scope, id, record } of scheduledActions(rt).listAll()) {
    if (record.nextRun === undefined || record.nextRun > now) continue;
    try {
      rt.store.transaction(() => runOne(rt, scope, id, now));
    } catch (err) {
      rt.log.error(`autoscaling: scheduled action ${id} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  }
}

function runOne(rt: Runtime, scope: Scope, id: string, now: number): void {
  const a = scheduledActions(rt).get(scope, id);
  if (!a || a.nextRun === undefined || a.nextRun > now) return;
  const at = a.nextRun;
  const g = groups(rt).get(scope, a.AutoScalingGroupName);
  if (g && !g.deleting && !isSuspended(g, 'ScheduledActions')) {
    const min = a.MinSize ?? g.MinSize;
    const max = a.MaxSize ?? g.MaxSize;
    const desired = a.DesiredCapacity ?? Math.min(Math.max(g.DesiredCapacity, min), max);
    if (min > max || desired < min || desired > max) {
      recordActivity(rt, scope, g, {
        Description: `Executing scheduled action ${a.ScheduledActionName}`,
        Cause: `At ${causeTime(at)} a scheduled action update of AutoScalingGroup constraints to min: ${min}, max: ${max}, desired: ${desired} failed.`,
        StatusCode: 'Failed',
        StatusMessage: `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
      });
    } else {
      if (desired !== g.DesiredCapacity) {
        g.pendingCause = `At ${causeTime(at)} a scheduled action update of AutoScalingGroup constraints to min: ${min}, max: ${max}, desired: ${desired} changing the desired capacity from ${g.DesiredCapacity} to ${desired}.`;
      }
      g.MinSize = min;
      g.MaxSize = max;
      g.DesiredCapacity = desired;
      groups(rt).put(scope, g.AutoScalingGroupName, g);
    }
  }
  // the next run: a one-shot action is gone once run (or skipped); a recurring one moves on until its EndTime
  const next = a.Recurrence ? nextRun(parseCron(a.Recurrence), Math.max(now, at), a.TimeZone ?? 'UTC') : undefined;
  if (next === undefined || (a.EndTime !== undefined && next > Date.parse(a.EndTime))) scheduledActions(rt).delete(scope, id);
  else scheduledActions(rt).put(scope, id, { ...a, nextRun: next });
}

export const scheduledActionHandlers: Handlers<AutoscalingOperations> = {
  PutScheduledUpdateGroupAction(ctx, input) {
    getGroup(ctx, input.AutoScalingGroupName);
    put(ctx, input.AutoScalingGroupName, input);
  },

  BatchPutScheduledUpdateGroupAction(ctx, input) {
    getGroup(ctx, input.AutoScalingGroupName);
    const failed: FailedScheduledUpdateGroupActionRequest[] = [];
    for (const a of input.ScheduledUpdateGroupActions) {
      try {
        put(ctx, input.AutoScalingGroupName, a);
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        failed.push({ ScheduledActionName: a.ScheduledActionName, ErrorCode: err.code, ErrorMessage: err.message });
      }
    }
    return { FailedScheduledUpdateGroupActions: failed };
  },

  DescribeScheduledActions(ctx, input) {
    const scope = scopeOf(ctx);
    if (input.AutoScalingGroupName) getGroup(ctx, input.AutoScalingGroupName);
    if ((input.MaxRecords ?? 50) > 100) throw validation('MaxRecords must be less than or equal to 100');
    let list = scheduledActions(ctx).list(scope);
    if (input.AutoScalingGroupName) list = list.filter((a) => a.AutoScalingGroupName === input.AutoScalingGroupName);
    if (input.ScheduledActionNames?.length) list = list.filter((a) => input.ScheduledActionNames!.includes(a.ScheduledActionName));
    const from = ms(input.StartTime);
    const to = ms(input.EndTime);
    if (from !== undefined) list = list.filter((a) => a.nextRun !== undefined && a.nextRun >= from);
    if (to !== undefined) list = list.filter((a) => a.nextRun !== undefined && a.nextRun <= to);
    list.sort((x, y) => (x.nextRun ?? Infinity) - (y.nextRun ?? Infinity) || x.ScheduledActionName.localeCompare(y.ScheduledActionName));
    const page = paginate(list, (a) => key(a.AutoScalingGroupName, a.ScheduledActionName), { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
    return { ScheduledUpdateGroupActions: page.items.map(view), NextToken: page.next };
  },

  DeleteScheduledAction(ctx, input) {
    const scope = scopeOf(ctx);
    getGroup(ctx, input.AutoScalingGroupName);
    const k = key(input.AutoScalingGroupName, input.ScheduledActionName);
    if (!scheduledActions(ctx).has(scope, k)) throw notFound(input.AutoScalingGroupName, input.ScheduledActionName);
    scheduledActions(ctx).delete(scope, k);
  },

  BatchDeleteScheduledAction(ctx, input) {
    const scope = scopeOf(ctx);
    getGroup(ctx, input.AutoScalingGroupName);
    const failed: FailedScheduledUpdateGroupActionRequest[] = [];
    for (const name of input.ScheduledActionNames) {
      const k = key(input.AutoScalingGroupName, name);
      if (!scheduledActions(ctx).has(scope, k)) {
        const e = notFound(input.AutoScalingGroupName, name);
        failed.push({ ScheduledActionName: name, ErrorCode: e.code, ErrorMessage: e.message });
      } else scheduledActions(ctx).delete(scope, k);
    }
    return { FailedScheduledActions: failed };
  },
};
