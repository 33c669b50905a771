// Log groups: create, delete, describe (prefix, pattern, class, paging), retention policy.
import type {
  CreateLogGroupRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  ListLogGroupsRequest,
  ListLogGroupsResponse,
  LogGroup,
} from '../../generated/logs.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { mergeTags } from '../../protocol/tags.js';
import { type RequestContext, regional } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { eventsTable } from './events-table.js';
import { newGroup } from './ingest.js';
import { checkRetention, expireGroup } from './retention.js';
import {
  groupNameOf,
  groupsTable,
  type LogGroupRecord,
  logGroupArn,
  metricFiltersTable,
  requireGroup,
  streamsOf,
  streamsTable,
  streamKey,
  filterKey,
} from './store.js';

export const TAG_RULES = { max: 50, code: 'InvalidParameterException' };

export function createLogGroup(ctx: RequestContext, input: CreateLogGroupRequest): void {
  const scope = regional(ctx);
  if (/^aws\//i.test(input.logGroupName)) {
    throw new AwsError('InvalidParameterException', 'Log groups starting with AWS/ are reserved for AWS.');
  }
  const groups = groupsTable(ctx.store);
  if (groups.has(scope, input.logGroupName)) {
    throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
  }
  const record: LogGroupRecord = {
    ...newGroup(input.logGroupName, ctx.clock.now()),
    logGroupClass: input.logGroupClass ?? 'STANDARD',
    kmsKeyId: input.kmsKeyId,
    deletionProtectionEnabled: input.deletionProtectionEnabled,
    tags: mergeTags({}, input.tags ?? {}, TAG_RULES),
  };
  groups.put(scope, input.logGroupName, record);
}

export function deleteLogGroup(ctx: RequestContext, name: string): void {
  const scope = regional(ctx);
  const group = requireGroup(ctx.store, scope, name);
  if (group.deletionProtectionEnabled) {
    throw new AwsError('ValidationException', 'Cannot delete log group with deletion protection enabled. Disable deletion protection first.');
  }
  removeGroup(ctx, scope, name);
}

function removeGroup(ctx: RequestContext, scope: Scope, name: string): void {
  groupsTable(ctx.store).delete(scope, name);
  for (const s of streamsOf(ctx.store, scope, name)) streamsTable(ctx.store).delete(scope, streamKey(name, s.logStreamName));
  for (const f of metricFiltersTable(ctx.store).list(scope)) {
    if (f.logGroupName === name) metricFiltersTable(ctx.store).delete(scope, filterKey(name, f.filterName));
  }
  eventsTable(ctx.store).deleteGroup(scope, name);
}

export function logGroupView(scope: Scope, g: LogGroupRecord, metricFilterCount: number, storedBytes: number): LogGroup {
  const groupArn = logGroupArn(scope, g.logGroupName);
  return {
    logGroupName: g.logGroupName,
    creationTime: g.creationTime,
    retentionInDays: g.retentionInDays,
    metricFilterCount,
    arn: `${groupArn}:*`,
    storedBytes,
    kmsKeyId: g.kmsKeyId,
    logGroupClass: g.logGroupClass,
    logGroupArn: groupArn,
    deletionProtectionEnabled: g.deletionProtectionEnabled,
  };
}

export function describeLogGroups(ctx: RequestContext, input: DescribeLogGroupsRequest): DescribeLogGroupsResponse {
  if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
    throw new AwsError('InvalidParameterException', 'LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.');
  }
  if (input.logGroupIdentifiers && (input.logGroupNamePrefix !== undefined || input.logGroupNamePattern !== undefined)) {
    throw new AwsError('InvalidParameterException', 'LogGroupIdentifiers cannot be used with LogGroupNamePrefix or LogGroupNamePattern.');
  }
  const scope = regional(ctx);
  const wanted = input.logGroupIdentifiers ? new Set(input.logGroupIdentifiers.map((id) => groupNameOf({ logGroupIdentifier: id }))) : undefined;
  const groups = groupsTable(ctx.store)
    .list(scope)
    .filter(
      (g) =>
        (input.logGroupNamePrefix === undefined || g.logGroupName.startsWith(input.logGroupNamePrefix)) &&
        (input.logGroupNamePattern === undefined || g.logGroupName.includes(input.logGroupNamePattern)) &&
        (input.logGroupClass === undefined || g.logGroupClass === input.logGroupClass) &&
        (!wanted || wanted.has(g.logGroupName)),
    )
    // AWS lists groups ASCII-sorted by name
    .sort((a, b) => (a.logGroupName < b.logGroupName ? -1 : a.logGroupName > b.logGroupName ? 1 : 0));
  const page = paginate(groups, (g) => g.logGroupName, { token: input.nextToken, max: input.limit, defaultMax: 50 });
  const filterCounts = new Map<string, number>();
  for (const f of metricFiltersTable(ctx.store).list(scope)) filterCounts.set(f.logGroupName, (filterCounts.get(f.logGroupName) ?? 0) + 1);
  const bytes = eventsTable(ctx.store).groupBytes(scope);
  return {
    logGroups: page.items.map((g) => {
      const view = logGroupView(scope, g, filterCounts.get(g.logGroupName) ?? 0, bytes.get(g.logGroupName) ?? 0);
      // with a pattern AWS answers only these three fields
      return input.logGroupNamePattern !== undefined ? { logGroupName: view.logGroupName, creationTime: view.creationTime, arn: view.arn } : view;
    }),
    nextToken: page.next,
  };
}

/**
 * ListLogGroups: the newer listing, its pattern a small regular expression (prefixes with ^, alternatives
 * with |, case-sensitive), filtered by class and tags; answers name, ARN and class only.
 */
export function listLogGroups(ctx: RequestContext, input: ListLogGroupsRequest): ListLogGroupsResponse {
  const scope = regional(ctx);
  const pattern = input.logGroupNamePattern ? new RegExp(input.logGroupNamePattern) : undefined;
  const groups = groupsTable(ctx.store)
    .list(scope)
    .filter(
      (g) =>
        (!pattern || pattern.test(g.logGroupName)) &&
        (input.logGroupClass === undefined || g.logGroupClass === input.logGroupClass) &&
        (input.logGroupTags ?? []).every((t) => t.key in g.tags && (!t.values?.length || t.values.includes(g.tags[t.key]!))),
    )
    .sort((a, b) => (a.logGroupName < b.logGroupName ? -1 : a.logGroupName > b.logGroupName ? 1 : 0));
  const page = paginate(groups, (g) => g.logGroupName, { token: input.nextToken, max: input.limit, defaultMax: 50 });
  return {
    logGroups: page.items.map((g) => ({ logGroupName: g.logGroupName, logGroupArn: logGroupArn(scope, g.logGroupName), logGroupClass: g.logGroupClass })),
    nextToken: page.next,
  };
}

export function putDeletionProtection(ctx: RequestContext, identifier: string, enabled: boolean): void {
  const scope = regional(ctx);
  const name = groupNameOf({ logGroupIdentifier: identifier });
  const group = requireGroup(ctx.store, scope, name);
  groupsTable(ctx.store).put(scope, name, { ...group, deletionProtectionEnabled: enabled });
}

export function putRetentionPolicy(ctx: RequestContext, name: string, days: number): void {
  checkRetention(days);
  const scope = regional(ctx);
  const group = requireGroup(ctx.store, scope, name);
  const updated = groupsTable(ctx.store).put(scope, name, { ...group, retentionInDays: days });
  // events already past the new retention go now rather than at the next sweep
  expireGroup(ctx, scope, updated, ctx.clock.now());
}

export function deleteRetentionPolicy(ctx: RequestContext, name: string): void {
  const scope = regional(ctx);
  const group = requireGroup(ctx.store, scope, name);
  const { retentionInDays: _dropped, ...rest } = group;
  groupsTable(ctx.store).put(scope, name, rest);
}
