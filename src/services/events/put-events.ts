// PutEvents (entries checked one by one, as AWS reports them) and TestEventPattern.
import { randomUUID } from 'node:crypto';
import type { PutEventsRequest, PutEventsResponse, PutEventsResultEntry, TestEventPatternRequest, TestEventPatternResponse } from '../../generated/events.js';
import { AwsError } from '../../protocol/errors.js';
import { parseArn } from '../../protocol/ids.js';
import type { RequestContext } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { policyAllowsAccount } from './bus-policy.js';
import { publish } from './delivery.js';
import { envelope } from './envelope.js';
import { compilePattern } from './event-pattern.js';
import { DEFAULT_BUS, findBus } from './store.js';

const MAX_REQUEST_BYTES = 256 * 1024;

const utf8 = (s: string | undefined) => (s ? Buffer.byteLength(s, 'utf8') : 0);

type Entry = PutEventsRequest['Entries'][number];

/** An entry's size as AWS counts it toward the 256 KB limit. */
function entrySize(e: Entry): number {
  let size = e.Time !== undefined ? 14 : 0;
  size += utf8(e.Source) + utf8(e.DetailType) + utf8(e.Detail);
  for (const r of e.Resources ?? []) size += utf8(r);
  return size;
}

function entryError(code: string, message: string): PutEventsResultEntry {
  return { ErrorCode: code, ErrorMessage: message };
}

function checkEntry(e: Entry): PutEventsResultEntry | Record<string, unknown> {
  if (!e.Source) return entryError('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
  if (!e.DetailType) return entryError('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
  if (!e.Detail) return entryError('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail);
  } catch {
    return entryError('MalformedDetail', 'Detail is malformed.');
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return entryError('MalformedDetail', 'Detail is malformed.');
  if (/^aws\./.test(e.Source)) return entryError('NotAuthorizedForSourceException', 'Not authorized for the source.');
  return detail as Record<string, unknown>;
}

/** The bus an entry names: the caller's own by name, or any account's and region's by ARN. */
function targetBus(ctx: RequestContext, value: string | undefined): { scope: Scope; name: string } | undefined {
  if (!value) return { scope: { account: ctx.account, region: ctx.region }, name: DEFAULT_BUS };
  if (!value.startsWith('arn:')) return { scope: { account: ctx.account, region: ctx.region }, name: value };
  const parsed = parseArn(value);
  if (!parsed || parsed.service !== 'events' || !parsed.resource.startsWith('event-bus/')) return undefined;
  return { scope: { account: parsed.account, region: parsed.region }, name: parsed.resource.slice('event-bus/'.length) };
}

export function putEvents(ctx: RequestContext, input: PutEventsRequest): PutEventsResponse {
  if (input.EndpointId) throw new AwsError('ValidationException', 'Global endpoints are not supported by Cumulus.');
  const total = input.Entries.reduce((n, e) => n + entrySize(e), 0);
  if (total > MAX_REQUEST_BYTES) throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');
  const entries: PutEventsResultEntry[] = [];
  let failed = 0;
  for (const e of input.Entries) {
    const checked = checkEntry(e);
    const bus = targetBus(ctx, e.EventBusName);
    if ('ErrorCode' in checked) {
      entries.push(checked as PutEventsResultEntry);
      failed++;
      continue;
    }
    if (!bus) {
      entries.push(entryError('InvalidArgument', `Parameter EventBusName is not valid. Reason: Provided Arn is not in correct format.`));
      failed++;
      continue;
    }
    const record = findBus(ctx.store, bus.scope, bus.name);
    if (record && bus.scope.account !== ctx.account && !policyAllowsAccount(record, ctx.account)) {
      entries.push(entryError('AccessDeniedException', `User: ${ctx.caller.arn} is not authorized to perform: events:PutEvents on resource: ${record.Arn}`));
      failed++;
      continue;
    }
    const id = randomUUID();
    entries.push({ EventId: id });
    // as AWS: an event for a bus that does not exist is accepted and goes nowhere
    if (!record) continue;
    const time = e.Time !== undefined ? new Date(e.Time) : ctx.clock.date();
    const event = envelope({
      id,
      account: ctx.account,
      region: bus.scope.region,
      source: e.Source!,
      detailType: e.DetailType!,
      detail: checked as Record<string, unknown>,
      resources: e.Resources ?? [],
      time: Number.isNaN(time.getTime()) ? ctx.clock.date() : time,
    });
    publish(ctx, bus.scope, bus.name, event);
  }
  return { FailedEntryCount: failed, Entries: entries };
}

const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

export function testEventPattern(_ctx: RequestContext, input: TestEventPatternRequest): TestEventPatternResponse {
  const pattern = compilePattern(input.EventPattern);
  let event: unknown;
  try {
    event = JSON.parse(input.Event);
  } catch {
    throw new AwsError('ValidationException', 'Parameter Event is not valid.');
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event) || REQUIRED_EVENT_FIELDS.some((f) => !Object.hasOwn(event as object, f))) {
    throw new AwsError('ValidationException', 'Parameter Event is not valid.');
  }
  return { Result: pattern.matches(event) };
}
