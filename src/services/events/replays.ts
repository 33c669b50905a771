// Replays: the archived events of a time window put back on their bus, marked with "replay-name", for all
// rules of the bus or only those FilterArns names. A replay runs after StartReplay returns.
import type {
  CancelReplayResponse,
  DescribeReplayResponse,
  ListReplaysRequest,
  ListReplaysResponse,
  Replay,
  StartReplayRequest,
  StartReplayResponse,
} from '../../generated/events.js';
import { AwsError } from '../../protocol/errors.js';
import { arn, parseArn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { regional, type RequestContext, type Runtime } from '../../server/context.js';
import type { Scope, Store, Table } from '../../state/db.js';
import { archivedEvents, archivesTable } from './archives.js';
import { publish } from './delivery.js';
import { SERVICE } from './store.js';

type ReplayState = 'STARTING' | 'RUNNING' | 'CANCELLING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

export interface ReplayRecord {
  ReplayName: string;
  ReplayArn: string;
  Description?: string;
  State: ReplayState;
  StateReason?: string;
  EventSourceArn: string;
  Destination: { Arn: string; FilterArns?: string[] };
  EventStartTime: number;
  EventEndTime: number;
  EventLastReplayedTime?: number;
  ReplayStartTime: number;
  ReplayEndTime?: number;
}

const replaysTable = (store: Store): Table<ReplayRecord> => store.table<ReplayRecord>(SERVICE, 'replay');

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

function view(r: ReplayRecord): Replay & DescribeReplayResponse {
  return {
    ReplayName: r.ReplayName,
    ReplayArn: r.ReplayArn,
    Description: r.Description,
    State: r.State,
    StateReason: r.StateReason,
    EventSourceArn: r.EventSourceArn,
    Destination: r.Destination,
    EventStartTime: date(r.EventStartTime),
    EventEndTime: date(r.EventEndTime),
    EventLastReplayedTime: date(r.EventLastReplayedTime),
    ReplayStartTime: date(r.ReplayStartTime),
    ReplayEndTime: date(r.ReplayEndTime),
  };
}

function requireReplay(ctx: RequestContext, name: string): ReplayRecord {
  const r = replaysTable(ctx.store).get(regional(ctx), name);
  if (!r) throw new AwsError('ResourceNotFoundException', `Replay ${name} does not exist.`);
  return r;
}

export function startReplay(ctx: RequestContext, input: StartReplayRequest): StartReplayResponse {
  const scope = regional(ctx);
  if (replaysTable(ctx.store).has(scope, input.ReplayName)) throw new AwsError('ResourceAlreadyExistsException', `Replay ${input.ReplayName} already exists.`);
  const source = parseArn(input.EventSourceArn);
  if (!source || source.service !== 'events' || !source.resource.startsWith('archive/')) {
    throw new AwsError('ValidationException', `Parameter EventSourceArn is not valid. Reason: Provided Arn is not in correct format.`);
  }
  const archiveName = source.resource.slice('archive/'.length);
  const archive = source.account === ctx.account && source.region === ctx.region ? archivesTable(ctx.store).get(scope, archiveName) : undefined;
  if (!archive) throw new AwsError('ResourceNotFoundException', `Archive ${archiveName} does not exist.`);
  if (input.Destination.Arn !== archive.EventSourceArn) {
    throw new AwsError('ValidationException', 'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.');
  }
  const start = new Date(input.EventStartTime).getTime();
  const end = new Date(input.EventEndTime).getTime();
  if (!(start < end)) throw new AwsError('ValidationException', 'Parameter EventStartTime is not valid. Reason: EventStartTime must be before EventEndTime.');
  if (end > ctx.clock.now()) throw new AwsError('ValidationException', 'Parameter EventEndTime is not valid. Reason: EventEndTime must be in the past.');
  const replay: ReplayRecord = {
    ReplayName: input.ReplayName,
    ReplayArn: arn({ service: 'events', region: ctx.region, account: ctx.account, resource: `replay/${input.ReplayName}` }),
    Description: input.Description,
    State: 'STARTING',
    EventSourceArn: archive.ArchiveArn,
    Destination: JSON.parse(JSON.stringify(input.Destination)),
    EventStartTime: start,
    EventEndTime: end,
    ReplayStartTime: ctx.clock.now(),
  };
  replaysTable(ctx.store).put(scope, replay.ReplayName, replay);
  const runtime: Runtime = ctx;
  setImmediate(() => runReplay(runtime, scope, replay.ReplayName, archiveName));
  return { ReplayArn: replay.ReplayArn, State: replay.State, ReplayStartTime: new Date(replay.ReplayStartTime) };
}

function runReplay(runtime: Runtime, scope: Scope, name: string, archiveName: string): void {
  const table = replaysTable(runtime.store);
  const replay = table.get(scope, name);
  const archive = archivesTable(runtime.store).get(scope, archiveName);
  if (!replay || replay.State !== 'STARTING') return;
  if (!archive) {
    table.put(scope, name, { ...replay, State: 'FAILED', StateReason: `Archive ${archiveName} does not exist.`, ReplayEndTime: runtime.clock.now() });
    return;
  }
  table.put(scope, name, { ...replay, State: 'RUNNING' });
  let last: number | undefined;
  for (const event of archivedEvents(runtime, scope, archive, replay.EventStartTime, replay.EventEndTime)) {
    publish(runtime, scope, archive.BusName, { ...event, 'replay-name': name }, { replay: { filterArns: replay.Destination.FilterArns } });
    last = Date.parse(event.time);
  }
  const current = table.get(scope, name)!;
  const cancelled = current.State === 'CANCELLING';
  table.put(scope, name, { ...current, State: cancelled ? 'CANCELLED' : 'COMPLETED', EventLastReplayedTime: last, ReplayEndTime: runtime.clock.now() });
}

export function describeReplay(ctx: RequestContext, name: string): DescribeReplayResponse {
  return view(requireReplay(ctx, name));
}

export function listReplays(ctx: RequestContext, input: ListReplaysRequest): ListReplaysResponse {
  const all = replaysTable(ctx.store)
    .list(regional(ctx))
    .filter((r) => (!input.NamePrefix || r.ReplayName.startsWith(input.NamePrefix)) && (!input.State || r.State === input.State))
    .filter((r) => !input.EventSourceArn || r.EventSourceArn === input.EventSourceArn)
    .sort((a, b) => a.ReplayName.localeCompare(b.ReplayName));
  const page = paginate(all, (r) => r.ReplayName, { token: input.NextToken, max: input.Limit, defaultMax: 100, invalidTokenCode: 'ValidationException' });
  return {
    Replays: page.items.map((r) => {
      const { ReplayArn: _a, Description: _d, Destination: _t, ...rest } = view(r);
      return rest;
    }),
    NextToken: page.next,
  };
}

export function cancelReplay(ctx: RequestContext, name: string): CancelReplayResponse {
  const replay = requireReplay(ctx, name);
  if (replay.State !== 'STARTING' && replay.State !== 'RUNNING') {
    throw new AwsError('IllegalStatusException', `Replay ${name} is not in a valid state for this operation.`);
  }
  // a replay not yet started is cancelled outright; a running one stops after its current batch
  const state: ReplayState = replay.State === 'STARTING' ? 'CANCELLED' : 'CANCELLING';
  replaysTable(ctx.store).put(regional(ctx), name, { ...replay, State: state, ReplayEndTime: state === 'CANCELLED' ? ctx.clock.now() : undefined });
  return { ReplayArn: replay.ReplayArn, State: state };
}
