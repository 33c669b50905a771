// Log streams: create, delete, describe (prefix, order by name or last event time, paging).
import type { DescribeLogStreamsRequest, DescribeLogStreamsResponse } from '../../generated/logs.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { type RequestContext, regional } from '../../server/context.js';
import { eventsTable } from './events-table.js';
import { newStream, sequenceToken } from './ingest.js';
import { groupNameOf, logStreamArn, requireGroup, requireStream, streamsOf, streamsTable, streamKey } from './store.js';

export function createLogStream(ctx: RequestContext, group: string, stream: string): void {
  const scope = regional(ctx);
  requireGroup(ctx.store, scope, group);
  const streams = streamsTable(ctx.store);
  if (streams.has(scope, streamKey(group, stream))) {
    throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
  }
  streams.put(scope, streamKey(group, stream), newStream(group, stream, ctx.clock.now()));
}

export function deleteLogStream(ctx: RequestContext, group: string, stream: string): void {
  const scope = regional(ctx);
  requireStream(ctx.store, scope, group, stream);
  streamsTable(ctx.store).delete(scope, streamKey(group, stream));
  eventsTable(ctx.store).deleteStream(scope, group, stream);
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function describeLogStreams(ctx: RequestContext, input: DescribeLogStreamsRequest): DescribeLogStreamsResponse {
  const group = groupNameOf(input);
  const orderBy = input.orderBy ?? 'LogStreamName';
  if (orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
    throw new AwsError('InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const scope = regional(ctx);
  requireGroup(ctx.store, scope, group);
  const stats = eventsTable(ctx.store).streamStats(scope, group);
  const streams = streamsOf(ctx.store, scope, group)
    .filter((s) => input.logStreamNamePrefix === undefined || s.logStreamName.startsWith(input.logStreamNamePrefix))
    .map((s) => ({ ...s, ...(stats.get(s.logStreamName) ?? { sequence: 0 }) }));
  if (orderBy === 'LogStreamName') streams.sort((a, b) => byName(a.logStreamName, b.logStreamName));
  else streams.sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) || byName(a.logStreamName, b.logStreamName));
  if (input.descending) streams.reverse();
  const page = paginate(streams, (s) => s.logStreamName, { token: input.nextToken, max: input.limit, defaultMax: 50 });
  return {
    logStreams: page.items.map((s) => ({
      logStreamName: s.logStreamName,
      creationTime: s.creationTime,
      firstEventTimestamp: s.firstEventTimestamp,
      lastEventTimestamp: s.lastEventTimestamp,
      lastIngestionTime: s.lastIngestionTime,
      uploadSequenceToken: sequenceToken(s.sequence),
      arn: logStreamArn(scope, group, s.logStreamName),
      // AWS has reported 0 here since 2019 (storedBytes of a stream is deprecated)
      storedBytes: 0,
    })),
    nextToken: page.next,
  };
}
