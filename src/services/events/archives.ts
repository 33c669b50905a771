// Archives: the events of a bus (those matching the archive's pattern) kept for replay. Replayed events
// (they carry "replay-name") are never archived again.
import type {
  Archive,
  CreateArchiveRequest,
  CreateArchiveResponse,
  DescribeArchiveResponse,
  ListArchivesRequest,
  ListArchivesResponse,
  UpdateArchiveRequest,
  UpdateArchiveResponse,
} from '../../generated/events.js';
import { AwsError } from '../../protocol/errors.js';
import { arn, parseArn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { regional, type RequestContext, type Runtime } from '../../server/context.js';
import type { Scope, Store, Table } from '../../state/db.js';
import type { EventEnvelope } from './envelope.js';
import { compilePattern } from './event-pattern.js';
import { busArn, findBus, SERVICE } from './store.js';

export interface ArchiveRecord {
  ArchiveName: string;
  ArchiveArn: string;
  EventSourceArn: string;
  /** the name of the bus it archives (in the same account and region) */
  BusName: string;
  Description?: string;
  EventPattern?: string;
  /** 0: kept indefinitely */
  RetentionDays: number;
  State: 'ENABLED' | 'DISABLED';
  CreationTime: number;
  EventCount: number;
  SizeBytes: number;
}

export interface ArchivedEvent {
  archive: string;
  /** epoch ms of the event's time: replays select by it */
  time: number;
  event: EventEnvelope;
}

export const archivesTable = (store: Store): Table<ArchiveRecord> => store.table<ArchiveRecord>(SERVICE, 'archive');
export const archivedEventsTable = (store: Store): Table<ArchivedEvent> => store.table<ArchivedEvent>(SERVICE, 'archived-event');

export function requireArchive(ctx: RequestContext, name: string): ArchiveRecord {
  const a = archivesTable(ctx.store).get(regional(ctx), name);
  if (!a) throw new AwsError('ResourceNotFoundException', `Archive ${name} does not exist.`);
  return a;
}

function view(a: ArchiveRecord): Archive & DescribeArchiveResponse {
  return {
    ArchiveArn: a.ArchiveArn,
    ArchiveName: a.ArchiveName,
    EventSourceArn: a.EventSourceArn,
    Description: a.Description,
    EventPattern: a.EventPattern,
    State: a.State,
    RetentionDays: a.RetentionDays,
    SizeBytes: a.SizeBytes,
    EventCount: a.EventCount,
    CreationTime: new Date(a.CreationTime),
  };
}

export function createArchive(ctx: RequestContext, input: CreateArchiveRequest): CreateArchiveResponse {
  const scope = regional(ctx);
  const table = archivesTable(ctx.store);
  if (table.has(scope, input.ArchiveName)) throw new AwsError('ResourceAlreadyExistsException', `Archive ${input.ArchiveName} already exists.`);
  const source = parseArn(input.EventSourceArn);
  if (!source || source.service !== 'events' || !source.resource.startsWith('event-bus/')) {
    throw new AwsError('ValidationException', `Parameter ${input.EventSourceArn} is not valid. Reason: Provided Arn is not in correct format.`);
  }
  const busName = source.resource.slice('event-bus/'.length);
  if (source.account !== ctx.account || source.region !== ctx.region || !findBus(ctx.store, scope, busName)) {
    throw new AwsError('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
  }
  if (input.EventPattern) compilePattern(input.EventPattern);
  const archive: ArchiveRecord = {
    ArchiveName: input.ArchiveName,
    ArchiveArn: arn({ service: 'events', region: ctx.region, account: ctx.account, resource: `archive/${input.ArchiveName}` }),
    EventSourceArn: busArn(scope, busName),
    BusName: busName,
    Description: input.Description,
    EventPattern: input.EventPattern,
    RetentionDays: input.RetentionDays ?? 0,
    State: 'ENABLED',
    CreationTime: ctx.clock.now(),
    EventCount: 0,
    SizeBytes: 0,
  };
  table.put(scope, archive.ArchiveName, archive);
  return { ArchiveArn: archive.ArchiveArn, State: archive.State, CreationTime: new Date(archive.CreationTime) };
}

export function describeArchive(ctx: RequestContext, name: string): DescribeArchiveResponse {
  return view(requireArchive(ctx, name));
}

export function listArchives(ctx: RequestContext, input: ListArchivesRequest): ListArchivesResponse {
  const all = archivesTable(ctx.store)
    .list(regional(ctx))
    .filter((a) => (!input.NamePrefix || a.ArchiveName.startsWith(input.NamePrefix)) && (!input.EventSourceArn || a.EventSourceArn === input.EventSourceArn))
    .filter((a) => !input.State || a.State === input.State)
    .sort((a, b) => a.ArchiveName.localeCompare(b.ArchiveName));
  const page = paginate(all, (a) => a.ArchiveName, { token: input.NextToken, max: input.Limit, defaultMax: 100, invalidTokenCode: 'ValidationException' });
  return {
    Archives: page.items.map((a) => {
      const { Description: _d, EventPattern: _p, ArchiveArn: _a, ...rest } = view(a);
      return rest;
    }),
    NextToken: page.next,
  };
}

export function updateArchive(ctx: RequestContext, input: UpdateArchiveRequest): UpdateArchiveResponse {
  const archive = requireArchive(ctx, input.ArchiveName);
  if (input.EventPattern !== undefined) {
    if (input.EventPattern) compilePattern(input.EventPattern);
    archive.EventPattern = input.EventPattern || undefined;
  }
  if (input.Description !== undefined) archive.Description = input.Description;
  if (input.RetentionDays !== undefined) archive.RetentionDays = input.RetentionDays;
  archivesTable(ctx.store).put(regional(ctx), archive.ArchiveName, archive);
  return { ArchiveArn: archive.ArchiveArn, State: archive.State, CreationTime: new Date(archive.CreationTime) };
}

export function deleteArchive(ctx: RequestContext, name: string): Record<string, never> {
  requireArchive(ctx, name);
  const scope = regional(ctx);
  archivesTable(ctx.store).delete(scope, name);
  const events = archivedEventsTable(ctx.store);
  for (const e of events.list(scope)) if (e.archive === name) events.delete(scope, `${name}|${e.event.id}`);
  return {};
}

/** Called for every event put on a bus: each enabled archive of that bus whose pattern matches keeps it. */
export function archiveEvent(runtime: Runtime, scope: Scope, bus: string, event: EventEnvelope): void {
  if ('replay-name' in event) return;
  const archives = archivesTable(runtime.store);
  for (const a of archives.list(scope)) {
    if (a.BusName !== bus || a.State !== 'ENABLED') continue;
    if (a.EventPattern && !compilePattern(a.EventPattern).matches(event)) continue;
    const text = JSON.stringify(event);
    runtime.store.transaction(() => {
      archivedEventsTable(runtime.store).put(scope, `${a.ArchiveName}|${event.id}`, { archive: a.ArchiveName, time: Date.parse(event.time), event });
      archives.put(scope, a.ArchiveName, { ...a, EventCount: a.EventCount + 1, SizeBytes: a.SizeBytes + Buffer.byteLength(text) });
    });
  }
}

/** The archived events of an archive within [start, end] that its retention still keeps, oldest first. */
export function archivedEvents(runtime: Runtime, scope: Scope, archive: ArchiveRecord, start: number, end: number): EventEnvelope[] {
  const oldest = archive.RetentionDays > 0 ? runtime.clock.now() - archive.RetentionDays * 86_400_000 : -Infinity;
  return archivedEventsTable(runtime.store)
    .list(scope)
    .filter((e) => e.archive === archive.ArchiveName && e.time >= start && e.time <= end && e.time >= oldest)
    .sort((a, b) => a.time - b.time)
    .map((e) => e.event);
}
