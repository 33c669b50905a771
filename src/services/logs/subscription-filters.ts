// Subscription filters: matching events are delivered to a destination (a Lambda function, a Kinesis or
// Firehose stream …) through the target registry, as AWS does: a gzipped, base64 JSON document
// {messageType: DATA_MESSAGE, owner, logGroup, logStream, subscriptionFilters, logEvents}; a Lambda
// function receives it as {"awslogs": {"data": "…"}}. Delivery happens after the ingesting transaction, off
// the request path, and one batch per stream and filter.
import { randomInt } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { DescribeSubscriptionFiltersResponse, PutSubscriptionFilterRequest } from '../../generated/logs.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { type RequestContext, type Runtime, regional } from '../../server/context.js';
import type { Scope, Store, Table } from '../../state/db.js';
import { compileFilterPattern, patternFor } from './filter-pattern.js';
import { filterKey, logGroupArn, requireGroup, SERVICE } from './store.js';

interface SubscriptionFilterRecord {
  logGroupName: string;
  filterName: string;
  filterPattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: 'Random' | 'ByLogStream';
  creationTime: number;
}

const table = (store: Store): Table<SubscriptionFilterRecord> => store.table<SubscriptionFilterRecord>(SERVICE, 'subscription-filter');

/** Subscription filters per log group (an AWS quota). */
export const MAX_SUBSCRIPTIONS_PER_GROUP = 2;

export function putSubscriptionFilter(ctx: RequestContext, input: PutSubscriptionFilterRequest): void {
  const scope = regional(ctx);
  requireGroup(ctx.store, scope, input.logGroupName);
  compileFilterPattern(input.filterPattern);
  if (!ctx.targets.handles(input.destinationArn)) {
    throw new AwsError('InvalidParameterException', `The destination ${input.destinationArn} is not a destination CloudWatch Logs can deliver to.`);
  }
  const key = filterKey(input.logGroupName, input.filterName);
  const t = table(ctx.store);
  if (!t.has(scope, key) && t.list(scope).filter((f) => f.logGroupName === input.logGroupName).length >= MAX_SUBSCRIPTIONS_PER_GROUP) {
    throw new AwsError('LimitExceededException', 'Resource limit exceeded.');
  }
  t.put(scope, key, {
    logGroupName: input.logGroupName,
    filterName: input.filterName,
    filterPattern: input.filterPattern,
    destinationArn: input.destinationArn,
    roleArn: input.roleArn,
    distribution: input.distribution ?? 'ByLogStream',
    creationTime: ctx.clock.now(),
  });
}

export function describeSubscriptionFilters(
  ctx: RequestContext,
  input: { logGroupName: string; filterNamePrefix?: string; nextToken?: string; limit?: number },
): DescribeSubscriptionFiltersResponse {
  const scope = regional(ctx);
  requireGroup(ctx.store, scope, input.logGroupName);
  const filters = table(ctx.store)
    .list(scope)
    .filter((f) => f.logGroupName === input.logGroupName && (input.filterNamePrefix === undefined || f.filterName.startsWith(input.filterNamePrefix)))
    .sort((a, b) => (a.filterName < b.filterName ? -1 : 1));
  const page = paginate(filters, (f) => f.filterName, { token: input.nextToken, max: input.limit, defaultMax: 50 });
  return { subscriptionFilters: page.items.map((f) => ({ ...f, applyOnTransformedLogs: false })), nextToken: page.next };
}

export function deleteSubscriptionFilter(ctx: RequestContext, group: string, filterName: string): void {
  const scope = regional(ctx);
  requireGroup(ctx.store, scope, group);
  if (!table(ctx.store).delete(scope, filterKey(group, filterName))) {
    throw new AwsError('ResourceNotFoundException', 'The specified subscription filter does not exist.');
  }
}

/** The document AWS sends, gzipped and base64-encoded. */
export function encodeLogsData(doc: object): string {
  return gzipSync(Buffer.from(JSON.stringify(doc))).toString('base64');
}

/** Matches freshly ingested events against the group's subscription filters and schedules their delivery. */
export function applySubscriptionFilters(
  runtime: Runtime,
  scope: Scope,
  group: string,
  stream: string,
  events: { timestamp: number; message: string }[],
): void {
  const filters = table(runtime.store)
    .list(scope)
    .filter((f) => f.logGroupName === group);
  for (const f of filters) {
    const pattern = patternFor(f.filterPattern);
    const matched = events.filter((e) => pattern.match(e.message));
    if (!matched.length) continue;
    const data = encodeLogsData({
      messageType: 'DATA_MESSAGE',
      owner: scope.account,
      logGroup: group,
      logStream: stream,
      subscriptionFilters: [f.filterName],
      logEvents: matched.map((e) => ({
        // AWS's event ids are 56-digit strings
        id: String(e.timestamp).padStart(20, '0') + String(randomInt(0, 2 ** 47)).padStart(18, '0') + String(randomInt(0, 2 ** 47)).padStart(18, '0'),
        timestamp: e.timestamp,
        message: e.message,
      })),
    });
    const payload = /:lambda:/.test(f.destinationArn) ? JSON.stringify({ awslogs: { data } }) : data;
    // after the ingesting transaction has committed, and never on the caller's path
    setImmediate(() => {
      void runtime.targets
        .invoke({
          arn: f.destinationArn,
          payload,
          source: { principal: 'logs.amazonaws.com', arn: `${logGroupArn(scope, group)}:*`, account: scope.account, region: scope.region },
        })
        .then((r) => {
          if (!r.ok) runtime.log.warn(`logs: subscription filter ${f.filterName} of ${group} could not deliver: ${r.message}`);
        });
    });
  }
}
