// LookupEvents: the last 90 days of management events of this account and region, newest first.
import { createHash } from 'node:crypto';
import type { Event, LookupEventsRequest, LookupEventsResponse } from '../../generated/cloudtrail.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import type { RequestContext } from '../../server/context.js';
import { type EventRecord, eventsTable } from './store.js';

export const RETENTION_MS = 90 * 24 * 3600 * 1000;
const MAX_RESULTS = 50;

type Matcher = (e: EventRecord) => boolean;

function matcher(key: string, value: string): Matcher {
  switch (key) {
    case 'EventId':
      return (e) => e.EventId === value;
    case 'EventName':
      return (e) => e.EventName === value;
    case 'ReadOnly':
      return (e) => e.ReadOnly === value.toLowerCase();
    case 'Username':
      return (e) => e.Username === value;
    case 'ResourceType':
      return (e) => e.Resources.some((r) => r.ResourceType === value);
    case 'ResourceName':
      return (e) => e.Resources.some((r) => r.ResourceName === value);
    case 'EventSource':
      return (e) => e.EventSource === value;
    case 'AccessKeyId':
      return (e) => e.AccessKeyId === value;
    default:
      throw new AwsError('InvalidLookupAttributesException', `Lookup attribute key ${key} is not valid.`);
  }
}

const time = (d: Date | string | undefined): number | undefined => (d === undefined ? undefined : new Date(d).getTime());

/** Page tokens are bound to the request that issued them, as AWS's are. */
function fingerprint(input: LookupEventsRequest): string {
  const { NextToken: _t, MaxResults: _m, ...rest } = input;
  return createHash('sha256').update(JSON.stringify(rest)).digest('base64url').slice(0, 16);
}

function toEvent(e: EventRecord): Event {
  return {
    EventId: e.EventId,
    EventName: e.EventName,
    ReadOnly: e.ReadOnly,
    AccessKeyId: e.AccessKeyId,
    EventTime: new Date(e.EventTime),
    EventSource: e.EventSource,
    Username: e.Username,
    Resources: e.Resources,
    CloudTrailEvent: e.CloudTrailEvent,
  };
}

export function lookupEvents(ctx: RequestContext, input: LookupEventsRequest): LookupEventsResponse {
  const attributes = input.LookupAttributes ?? [];
  if (attributes.length > 1) {
    throw new AwsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
  }
  const start = time(input.StartTime);
  const end = time(input.EndTime);
  if (start !== undefined && end !== undefined && start > end) {
    throw new AwsError('InvalidTimeRangeException', 'Start time must be before end time.');
  }
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > MAX_RESULTS)) {
    throw new AwsError('InvalidMaxResultsException', `MaxResults must be between 1 and ${MAX_RESULTS}.`);
  }
  const match = attributes[0] ? matcher(attributes[0].AttributeKey, attributes[0].AttributeValue) : () => true;
  const hash = fingerprint(input);
  let inner: string | undefined;
  if (input.NextToken !== undefined) {
    const dot = input.NextToken.indexOf('.');
    if (dot < 0 || input.NextToken.slice(0, dot) !== hash) {
      throw new AwsError('InvalidNextTokenException', 'Invalid NextToken: the token is not valid or was issued for a request with different parameters.');
    }
    inner = input.NextToken.slice(dot + 1);
  }
  // no Insights events are generated, so the insight category is always empty
  if (input.EventCategory === 'insight') return { Events: [] };

  const table = eventsTable(ctx.store);
  const scope = { account: ctx.account, region: ctx.region };
  const oldest = ctx.clock.now() - RETENTION_MS;
  const all = table.list(scope);
  const kept: EventRecord[] = [];
  for (const e of all) {
    // past the retention period an event is gone, as in AWS
    if (e.EventTime < oldest) table.delete(scope, e.EventId);
    else kept.push(e);
  }
  const selected = kept
    .filter((e) => (start === undefined || e.EventTime >= start) && (end === undefined || e.EventTime <= end) && match(e))
    .reverse()
    .sort((a, b) => b.EventTime - a.EventTime);
  const page = paginate(selected, (e) => e.EventId, { token: inner, max: input.MaxResults, defaultMax: MAX_RESULTS, invalidTokenCode: 'InvalidNextTokenException' });
  return { Events: page.items.map(toEvent), NextToken: page.next ? `${hash}.${page.next}` : undefined };
}
