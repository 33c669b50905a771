// CloudWatch Logs' records: log groups, log streams and metric filters (the events themselves live in
// events-table.ts, one SQLite row per event, because a JSON record per event would be far too slow).
import type { MetricTransformation } from '../../generated/logs.js';
import { AwsError } from '../../protocol/errors.js';
import { arn } from '../../protocol/ids.js';
import type { TagMap } from '../../protocol/tags.js';
import type { Scope, Store, Table } from '../../state/db.js';

export const SERVICE = 'logs';

export interface LogGroupRecord {
  logGroupName: string;
  /** epoch ms on the virtual clock */
  creationTime: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  logGroupClass: 'STANDARD' | 'INFREQUENT_ACCESS' | 'DELIVERY';
  deletionProtectionEnabled?: boolean;
  tags: TagMap;
}

export interface LogStreamRecord {
  logGroupName: string;
  logStreamName: string;
  creationTime: number;
  // first/last event, last ingestion and the sequence live beside the events (events-table.ts StreamStats)
}

export interface MetricFilterRecord {
  logGroupName: string;
  filterName: string;
  filterPattern: string;
  metricTransformations: MetricTransformation[];
  creationTime: number;
  applyOnTransformedLogs?: boolean;
}

export const groupsTable = (store: Store): Table<LogGroupRecord> => store.table<LogGroupRecord>(SERVICE, 'log-group');
export const streamsTable = (store: Store): Table<LogStreamRecord> => store.table<LogStreamRecord>(SERVICE, 'log-stream');
export const metricFiltersTable = (store: Store): Table<MetricFilterRecord> => store.table<MetricFilterRecord>(SERVICE, 'metric-filter');

/** Log group names cannot contain ':', so the pair is unambiguous. */
export const streamKey = (group: string, stream: string) => `${group}:${stream}`;
export const filterKey = (group: string, filter: string) => `${group}:${filter}`;

/** arn:aws:logs:region:account:log-group:NAME (logGroupArn; DescribeLogGroups' `arn` adds ':*'). */
export function logGroupArn(scope: Scope, name: string): string {
  return arn({ service: 'logs', region: scope.region, account: scope.account, resource: `log-group:${name}` });
}

export function logStreamArn(scope: Scope, group: string, stream: string): string {
  return arn({ service: 'logs', region: scope.region, account: scope.account, resource: `log-group:${group}:log-stream:${stream}` });
}

export function groupNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
}

export function streamNotFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
}

export function requireGroup(store: Store, scope: Scope, name: string): LogGroupRecord {
  const group = groupsTable(store).get(scope, name);
  if (!group) throw groupNotFound();
  return group;
}

export function requireStream(store: Store, scope: Scope, group: string, stream: string): LogStreamRecord {
  requireGroup(store, scope, group);
  const record = streamsTable(store).get(scope, streamKey(group, stream));
  if (!record) throw streamNotFound();
  return record;
}

/** The streams of one group (the records table is keyed by region, so this filters one region's streams). */
export function streamsOf(store: Store, scope: Scope, group: string): LogStreamRecord[] {
  return streamsTable(store)
    .list(scope)
    .filter((s) => s.logGroupName === group);
}

/** logGroupIdentifier takes a name or an ARN (with or without ':*'); returns the name. */
export function groupNameOf(input: { logGroupName?: string; logGroupIdentifier?: string }): string {
  if (input.logGroupName && input.logGroupIdentifier) {
    throw new AwsError('InvalidParameterException', 'LogGroupName and LogGroupIdentifier are mutually exclusive parameters.');
  }
  const id = input.logGroupName ?? input.logGroupIdentifier;
  if (!id) throw new AwsError('InvalidParameterException', 'Either LogGroupName or LogGroupIdentifier must be provided.');
  const m = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(id);
  return m ? m[1]! : id;
}
