// GetLogEvents: one stream in timestamp order, read from the head or the tail, with AWS's paging tokens
// (f/<56 digits>/s forward, b/<56 digits>/s backward). At the end of the stream the token passed in comes
// back unchanged, which is how clients (and the SDK paginators) know to stop.
import type { GetLogEventsRequest, GetLogEventsResponse, OutputLogEvent } from '../../generated/logs.js';
import { AwsError } from '../../protocol/errors.js';
import { type RequestContext, regional } from '../../server/context.js';
import { EVENT_OVERHEAD, eventsTable, messageBytes, type Position } from './events-table.js';
import { groupNameOf, requireStream } from './store.js';

export const MAX_RESPONSE_BYTES = 1_048_576;
const DEFAULT_LIMIT = 10_000;

/** 56 digits: 20 for the timestamp, 36 for the event's sequence number (also FilterLogEvents' eventId). */
export function positionDigits(p: Position): string {
  return String(p.timestamp).padStart(20, '0') + String(p.seq).padStart(36, '0');
}

function token(dir: 'f' | 'b', p: Position): string {
  return `${dir}/${positionDigits(p)}/s`;
}

function parseToken(t: string): { dir: 'f' | 'b'; pos: Position } {
  const m = /^([fb])\/(\d{20})(\d{36})\/s$/.exec(t);
  if (!m) throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
  return { dir: m[1] as 'f' | 'b', pos: { timestamp: Number(m[2]), seq: Number(m[3]) } };
}

export function getLogEvents(ctx: RequestContext, input: GetLogEventsRequest): GetLogEventsResponse {
  const group = groupNameOf(input);
  const scope = regional(ctx);
  requireStream(ctx.store, scope, group, input.logStreamName);
  const parsed = input.nextToken ? parseToken(input.nextToken) : undefined;
  const descending = parsed ? parsed.dir === 'b' : !input.startFromHead;
  const rows = eventsTable(ctx.store).streamEvents(scope, group, input.logStreamName, {
    startTime: input.startTime,
    endTime: input.endTime,
    after: parsed?.dir === 'f' ? parsed.pos : undefined,
    before: parsed?.dir === 'b' ? parsed.pos : undefined,
    descending,
  });
  const limit = input.limit ?? DEFAULT_LIMIT;
  const page: { pos: Position; event: OutputLogEvent }[] = [];
  let bytes = 0;
  for (const r of rows) {
    const size = messageBytes(r.message) + EVENT_OVERHEAD;
    if (page.length >= limit || (page.length > 0 && bytes + size > MAX_RESPONSE_BYTES)) break;
    bytes += size;
    page.push({ pos: { timestamp: r.timestamp, seq: r.seq }, event: { timestamp: r.timestamp, message: r.message, ingestionTime: r.ingestion_time } });
  }
  if (descending) page.reverse();
  if (!page.length) {
    // nothing further in this direction: hand the same place back
    const pos = parsed?.pos ?? { timestamp: 0, seq: 0 };
    return { events: [], nextForwardToken: token('f', pos), nextBackwardToken: token('b', pos) };
  }
  return {
    events: page.map((p) => p.event),
    nextForwardToken: token('f', page[page.length - 1]!.pos),
    nextBackwardToken: token('b', page[0]!.pos),
  };
}
