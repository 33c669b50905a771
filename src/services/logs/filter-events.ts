// FilterLogEvents: a group's events across streams (all, named, or by prefix) in timestamp order, within
// [startTime, endTime], matching a filter pattern; paged with an opaque nextToken. Results are always
// interleaved across streams (the `interleaved` flag is deprecated on AWS and ignored there too).
import type { FilteredLogEvent, FilterLogEventsRequest, FilterLogEventsResponse } from '../../generated/logs.js';
import { AwsError } from '../../protocol/errors.js';
import { type RequestContext, regional } from '../../server/context.js';
import { EVENT_OVERHEAD, eventsTable, messageBytes, type Position } from './events-table.js';
import { positionDigits, MAX_RESPONSE_BYTES } from './get-events.js';
import { patternFor } from './filter-pattern.js';
import { groupNameOf, requireGroup, streamsOf } from './store.js';

const DEFAULT_LIMIT = 10_000;

function encodeToken(p: Position): string {
  return Buffer.from(JSON.stringify({ t: p.timestamp, s: p.seq })).toString('base64url');
}

function decodeToken(token: string): Position {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { t: unknown; s: unknown };
    if (typeof v.t === 'number' && typeof v.s === 'number') return { timestamp: v.t, seq: v.s };
  } catch {
    /* fall through */
  }
  throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
}

export function filterLogEvents(ctx: RequestContext, input: FilterLogEventsRequest): FilterLogEventsResponse {
  const group = groupNameOf(input);
  if (input.logStreamNames && input.logStreamNamePrefix !== undefined) {
    throw new AwsError('InvalidParameterException', 'You cannot specify both LogStreamNames and LogStreamNamePrefix.');
  }
  if (input.startTime !== undefined && input.endTime !== undefined && input.endTime < input.startTime) {
    throw new AwsError('InvalidParameterException', 'End time must be after start time.');
  }
  const scope = regional(ctx);
  requireGroup(ctx.store, scope, group);
  const pattern = patternFor(input.filterPattern ?? '');
  const streams = streamsOf(ctx.store, scope, group)
    .map((s) => s.logStreamName)
    .filter((name) =>
      input.logStreamNames ? input.logStreamNames.includes(name) : input.logStreamNamePrefix === undefined || name.startsWith(input.logStreamNamePrefix),
    )
    .sort();
  const wanted = input.logStreamNames || input.logStreamNamePrefix !== undefined ? new Set(streams) : undefined;
  const limit = input.limit ?? DEFAULT_LIMIT;
  const events: FilteredLogEvent[] = [];
  let bytes = 0;
  let last: Position | undefined;
  let more = false;
  if (!wanted || wanted.size > 0) {
    const rows = eventsTable(ctx.store).groupEvents(scope, group, {
      startTime: input.startTime,
      endTime: input.endTime,
      after: input.nextToken ? decodeToken(input.nextToken) : undefined,
    });
    for (const r of rows) {
      if (wanted && !wanted.has(r.log_stream)) continue;
      if (!pattern.match(r.message)) continue;
      const size = messageBytes(r.message) + EVENT_OVERHEAD;
      if (events.length >= limit || (events.length > 0 && bytes + size > MAX_RESPONSE_BYTES)) {
        more = true;
        break;
      }
      bytes += size;
      const pos = { timestamp: r.timestamp, seq: r.seq };
      last = pos;
      events.push({
        logStreamName: r.log_stream,
        timestamp: r.timestamp,
        message: r.message,
        ingestionTime: r.ingestion_time,
        eventId: positionDigits(pos),
      });
    }
  }
  return {
    events,
    searchedLogStreams: streams.map((logStreamName) => ({ logStreamName, searchedCompletely: !more })),
    nextToken: more && last ? encodeToken(last) : undefined,
  };
}
