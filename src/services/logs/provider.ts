// CloudWatch Logs: log groups and streams, events (PutLogEvents, GetLogEvents, FilterLogEvents with the
// filter pattern language), retention applied on the virtual clock, tags, metric filters publishing to
// CloudWatch, subscription filters delivering to targets (Lambda …), Logs Insights queries (a subset of the
// language), log groups as EventBridge targets, and ingestion of the lines other services emit on the bus.
// Exports, deliveries, destinations, transformers and the rest answer NotImplemented.
import type { LogsOperations } from '../../generated/logs.js';
import type { RequestContext } from '../../server/context.js';
import type { TimerHandle } from '../../clock/clock.js';
import type { Store } from '../../state/db.js';
import { defineService, type Handler } from '../define.js';
import { deliverToLogGroup, isLogGroupArn } from './event-target.js';
import { eventsTable } from './events-table.js';
import { filterLogEvents } from './filter-events.js';
import { getLogEvents } from './get-events.js';
import { describeQueries, getQueryResults, startQuery, stopQuery } from './insights.js';
import { ingestionFor, startBusIngestion } from './ingest.js';
import {
  createLogGroup,
  deleteLogGroup,
  deleteRetentionPolicy,
  describeLogGroups,
  listLogGroups,
  putDeletionProtection,
  putRetentionPolicy,
} from './log-groups.js';
import { createLogStream, deleteLogStream, describeLogStreams } from './log-streams.js';
import { deleteMetricFilter, describeMetricFilters, putMetricFilter, testMetricFilter } from './metric-filters.js';
import { putLogEvents } from './put-events.js';
import { startRetentionSweep } from './retention.js';
import { deleteSubscriptionFilter, describeSubscriptionFilters, putSubscriptionFilter } from './subscription-filters.js';
import { listTagsForResource, listTagsLogGroup, tagLogGroup, tagResource, untagLogGroup, untagResource } from './tags.js';

/** The retention sweep of each running Cumulus, by its store. */
const sweeps = new WeakMap<Store, TimerHandle>();

/**
 * Reads first write the bus lines still buffered, so that a line emitted just before is seen. The write
 * happens inside the request's transaction; the read then runs after it has committed (an async handler
 * commits at its first await), so an error from the read cannot roll the lines back.
 */
function afterFlush<I, O>(read: (ctx: RequestContext, input: I) => O): Handler<I, O> {
  return (ctx, input) => {
    const ingestion = ingestionFor(ctx.store);
    if (!ingestion?.hasPending) return read(ctx, input);
    ingestion.flush();
    return Promise.resolve().then(() => read(ctx, input));
  };
}

export default defineService<LogsOperations>(
  'logs',
  {
    CreateLogGroup: (ctx, input) => createLogGroup(ctx, input),
    DeleteLogGroup: (ctx, { logGroupName }) => deleteLogGroup(ctx, logGroupName),
    DescribeLogGroups: afterFlush((ctx, input) => describeLogGroups(ctx, input)),
    ListLogGroups: afterFlush((ctx, input) => listLogGroups(ctx, input)),
    PutRetentionPolicy: (ctx, { logGroupName, retentionInDays }) => putRetentionPolicy(ctx, logGroupName, retentionInDays),
    DeleteRetentionPolicy: (ctx, { logGroupName }) => deleteRetentionPolicy(ctx, logGroupName),
    PutLogGroupDeletionProtection: (ctx, { logGroupIdentifier, deletionProtectionEnabled }) =>
      putDeletionProtection(ctx, logGroupIdentifier, deletionProtectionEnabled),

    CreateLogStream: (ctx, { logGroupName, logStreamName }) => createLogStream(ctx, logGroupName, logStreamName),
    DeleteLogStream: (ctx, { logGroupName, logStreamName }) => deleteLogStream(ctx, logGroupName, logStreamName),
    DescribeLogStreams: afterFlush((ctx, input) => describeLogStreams(ctx, input)),

    PutLogEvents: (ctx, input) => putLogEvents(ctx, input),
    GetLogEvents: afterFlush((ctx, input) => getLogEvents(ctx, input)),
    FilterLogEvents: afterFlush((ctx, input) => filterLogEvents(ctx, input)),

    TagResource: (ctx, { resourceArn, tags }) => tagResource(ctx, resourceArn, tags),
    UntagResource: (ctx, { resourceArn, tagKeys }) => untagResource(ctx, resourceArn, tagKeys),
    ListTagsForResource: (ctx, { resourceArn }) => listTagsForResource(ctx, resourceArn),
    TagLogGroup: (ctx, { logGroupName, tags }) => tagLogGroup(ctx, logGroupName, tags),
    UntagLogGroup: (ctx, { logGroupName, tags }) => untagLogGroup(ctx, logGroupName, tags),
    ListTagsLogGroup: (ctx, { logGroupName }) => listTagsLogGroup(ctx, logGroupName),

    PutMetricFilter: (ctx, input) => putMetricFilter(ctx, input),
    DescribeMetricFilters: (ctx, input) => describeMetricFilters(ctx, input),
    DeleteMetricFilter: (ctx, { logGroupName, filterName }) => deleteMetricFilter(ctx, logGroupName, filterName),
    TestMetricFilter: (_ctx, { filterPattern, logEventMessages }) => testMetricFilter(filterPattern, logEventMessages),

    PutSubscriptionFilter: (ctx, input) => putSubscriptionFilter(ctx, input),
    DescribeSubscriptionFilters: (ctx, input) => describeSubscriptionFilters(ctx, input),
    DeleteSubscriptionFilter: (ctx, { logGroupName, filterName }) => deleteSubscriptionFilter(ctx, logGroupName, filterName),

    StartQuery: afterFlush((ctx, input) => startQuery(ctx, input)),
    GetQueryResults: (ctx, { queryId }) => getQueryResults(ctx, queryId),
    StopQuery: (ctx, { queryId }) => stopQuery(ctx, queryId),
    DescribeQueries: (ctx, input) => describeQueries(ctx, input),
  },
  {
    validationErrorCode: 'InvalidParameterException',
    init(runtime) {
      eventsTable(runtime.store);
      startBusIngestion(runtime);
      sweeps.set(runtime.store, startRetentionSweep(runtime));
      runtime.targets.register('logs', isLogGroupArn, (inv) => deliverToLogGroup(runtime, inv));
    },
    stop(runtime) {
      const ingestion = ingestionFor(runtime.store);
      ingestion?.flush();
      ingestion?.stop();
      sweeps.get(runtime.store)?.cancel();
      sweeps.delete(runtime.store);
    },
  },
);
