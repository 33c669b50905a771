// Scaling activities: the group's history, with AWS's cause wording ("At <time> a user request …").
import { randomUUID } from 'node:crypto';
import type { AutoscalingOperations } from '../../generated/autoscaling.js';
import { paginate } from '../../protocol/pagination.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { validation } from './errors.js';
import { activities, groups, scopeOf, type ActivityRecord, type GroupRecord } from './store.js';

/** AWS writes times in causes without milliseconds: 2026-11-30T12:00:00Z */
export function causeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function recordActivity(
  rt: Pick<Runtime, 'store' | 'clock'>,
  scope: Scope,
  group: GroupRecord,
  a: { Description: string; Cause: string; StatusCode: ActivityRecord['StatusCode']; StatusMessage?: string; Details?: Record<string, string>; ended?: boolean },
): ActivityRecord {
  const now = rt.clock.now();
  const done = a.ended ?? (a.StatusCode === 'Successful' || a.StatusCode === 'Failed' || a.StatusCode === 'Cancelled');
  const record: ActivityRecord = {
    ActivityId: randomUUID(),
    AutoScalingGroupName: group.AutoScalingGroupName,
    AutoScalingGroupARN: group.AutoScalingGroupARN,
    Description: a.Description,
    Cause: a.Cause,
    StartTime: new Date(now).toISOString(),
    EndTime: done ? new Date(now).toISOString() : undefined,
    StatusCode: a.StatusCode,
    StatusMessage: a.StatusMessage,
    Progress: done ? 100 : 30,
    Details: JSON.stringify(a.Details ?? {}),
    at: now,
  };
  activities(rt).put(scope, record.ActivityId, record);
  return record;
}

export function finishActivity(rt: Pick<Runtime, 'store' | 'clock'>, scope: Scope, id: string, status: 'Successful' | 'Failed', message?: string): void {
  const a = activities(rt).get(scope, id);
  if (!a) return;
  a.StatusCode = status;
  a.Progress = 100;
  a.EndTime = rt.clock.date().toISOString();
  if (message) a.StatusMessage = message;
  activities(rt).put(scope, id, a);
}

const view = (a: ActivityRecord) => {
  const { at: _at, ...rest } = a;
  void _at;
  return rest;
};

export const activityHandlers: Handlers<AutoscalingOperations> = {
  DescribeScalingActivities(ctx, input) {
    const scope = scopeOf(ctx);
    if ((input.MaxRecords ?? 100) > 100) throw validation('MaxRecords must be less than or equal to 100');
    let list = activities(ctx).list(scope);
    if (input.AutoScalingGroupName) list = list.filter((a) => a.AutoScalingGroupName === input.AutoScalingGroupName);
    if (input.ActivityIds?.length) list = list.filter((a) => input.ActivityIds!.includes(a.ActivityId));
    if (!input.IncludeDeletedGroups) list = list.filter((a) => groups(ctx).has(scope, a.AutoScalingGroupName));
    list.sort((x, y) => y.at - x.at);
    const page = paginate(list, (a) => a.ActivityId, { token: input.NextToken, max: input.MaxRecords, defaultMax: 100, invalidTokenCode: 'InvalidNextToken' });
    return { Activities: page.items.map(view), NextToken: page.next };
  },
};
