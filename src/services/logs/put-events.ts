// PutLogEvents as AWS runs it today: sequence tokens are accepted and ignored (no InvalidSequenceToken, no
// DataAlreadyAccepted); a batch must be in chronological order, within 24 h, 10,000 events and 1 MiB
// (26 bytes of overhead per event); events too old, expired or too new are left out and reported in
// rejectedLogEventsInfo rather than failing the call.
import type { PutLogEventsRequest, PutLogEventsResponse, RejectedLogEventsInfo } from '../../generated/logs.js';
import { AwsError } from '../../protocol/errors.js';
import { type RequestContext, regional } from '../../server/context.js';
import { EVENT_OVERHEAD, messageBytes } from './events-table.js';
import { appendEvents, sequenceToken } from './ingest.js';
import { retentionCutoff } from './retention.js';
import { requireGroup, requireStream } from './store.js';

export const MAX_BATCH_BYTES = 1_048_576;
export const MAX_EVENT_BYTES = 262_144;
const HOUR_MS = 3_600_000;
const MAX_SPAN_MS = 24 * HOUR_MS;
const MAX_AGE_MS = 14 * 24 * HOUR_MS;
const MAX_AHEAD_MS = 2 * HOUR_MS;

export function putLogEvents(ctx: RequestContext, input: PutLogEventsRequest): PutLogEventsResponse {
  const scope = regional(ctx);
  const group = requireGroup(ctx.store, scope, input.logGroupName);
  requireStream(ctx.store, scope, input.logGroupName, input.logStreamName);
  const events = input.logEvents;
  let total = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (i > 0 && e.timestamp < events[i - 1]!.timestamp) {
      throw new AwsError('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
    }
    const bytes = messageBytes(e.message);
    if (bytes > MAX_EVENT_BYTES) {
      throw new AwsError('InvalidParameterException', `Log event too large: ${bytes} bytes exceeds limit of ${MAX_EVENT_BYTES}`);
    }
    total += bytes + EVENT_OVERHEAD;
  }
  if (total > MAX_BATCH_BYTES) {
    throw new AwsError('InvalidParameterException', `Upload too large: ${total} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
  }
  if (events.length && events[events.length - 1]!.timestamp - events[0]!.timestamp > MAX_SPAN_MS) {
    throw new AwsError('InvalidParameterException', 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
  }

  // the batch is ascending, so the rejected events are a prefix (too old, expired) and a suffix (too new)
  const now = ctx.clock.now();
  const oldest = now - MAX_AGE_MS;
  const cutoff = retentionCutoff(group, now);
  let tooOldEnd = 0;
  while (tooOldEnd < events.length && events[tooOldEnd]!.timestamp < oldest) tooOldEnd++;
  let expiredEnd = tooOldEnd;
  while (expiredEnd < events.length && events[expiredEnd]!.timestamp < cutoff) expiredEnd++;
  let tooNewStart = events.length;
  while (tooNewStart > expiredEnd && events[tooNewStart - 1]!.timestamp > now + MAX_AHEAD_MS) tooNewStart--;

  const accepted = events.slice(expiredEnd, tooNewStart);
  const sequence = appendEvents(ctx, scope, input.logGroupName, input.logStreamName, accepted);
  const rejected: RejectedLogEventsInfo = {};
  // end indexes are exclusive: events [0, tooOldLogEventEndIndex) were too old
  if (tooOldEnd > 0) rejected.tooOldLogEventEndIndex = tooOldEnd;
  if (expiredEnd > tooOldEnd) rejected.expiredLogEventEndIndex = expiredEnd;
  if (tooNewStart < events.length) rejected.tooNewLogEventStartIndex = tooNewStart;
  return {
    nextSequenceToken: sequenceToken(sequence),
    rejectedLogEventsInfo: Object.keys(rejected).length ? rejected : undefined,
  };
}
