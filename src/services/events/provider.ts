// EventBridge: buses (buses.ts), rules (rules.ts) and their targets (rule-targets.ts), the pattern language
// (event-pattern.ts), schedules (schedule.ts, scheduler.ts), PutEvents (put-events.ts), delivery with retries
// and dead-letter queues (delivery.ts), the events the other services emit (service-events.ts), archives
// and replays (archives.ts, replays.ts), API destinations and their connections (api-destinations.ts,
// connections.ts). Global endpoints and partner event sources answer NotImplemented.
import type { EventsOperations } from '../../generated/events.js';
import { defineService } from '../define.js';
import {
  createApiDestination,
  deleteApiDestination,
  describeApiDestination,
  invokeApiDestination,
  isApiDestinationArn,
  listApiDestinations,
  updateApiDestination,
} from './api-destinations.js';
import { createArchive, deleteArchive, describeArchive, listArchives, updateArchive } from './archives.js';
import { deliverToBus, isBusArn } from './bus-target.js';
import { createEventBus, deleteEventBus, describeEventBus, listEventBuses, putPermission, removePermission, updateEventBus } from './buses.js';
import { createConnection, deauthorizeConnection, deleteConnection, describeConnection, listConnections, updateConnection } from './connections.js';
import { putEvents, testEventPattern } from './put-events.js';
import { cancelReplay, describeReplay, listReplays, startReplay } from './replays.js';
import { listTargetsByRule, putTargets, removeTargets } from './rule-targets.js';
import { deleteRule, describeRule, listRuleNamesByTarget, listRules, putRule, setRuleState } from './rules.js';
import { startScheduler, stopScheduler } from './scheduler.js';
import { startServiceEvents } from './service-events.js';
import { listTagsForResource, tagResource, untagResource } from './tagging.js';

// per running Cumulus (keyed by its store): several may share a process in tests
const subscriptions = new WeakMap<object, Array<() => void>>();

export default defineService<EventsOperations>(
  'events',
  {
    CreateEventBus: (ctx, input) => createEventBus(ctx, input),
    DescribeEventBus: (ctx, { Name }) => describeEventBus(ctx, Name),
    ListEventBuses: (ctx, input) => listEventBuses(ctx, input),
    UpdateEventBus: (ctx, input) => updateEventBus(ctx, input),
    DeleteEventBus: (ctx, { Name }) => deleteEventBus(ctx, Name),
    PutPermission: (ctx, input) => putPermission(ctx, input),
    RemovePermission: (ctx, input) => removePermission(ctx, input),
    PutRule: (ctx, input) => putRule(ctx, input),
    DescribeRule: (ctx, { Name, EventBusName }) => describeRule(ctx, EventBusName, Name),
    ListRules: (ctx, input) => listRules(ctx, input),
    DeleteRule: (ctx, { Name, EventBusName, Force }) => deleteRule(ctx, EventBusName, Name, Force),
    EnableRule: (ctx, { Name, EventBusName }) => setRuleState(ctx, EventBusName, Name, 'ENABLED'),
    DisableRule: (ctx, { Name, EventBusName }) => setRuleState(ctx, EventBusName, Name, 'DISABLED'),
    ListRuleNamesByTarget: (ctx, input) => listRuleNamesByTarget(ctx, input),
    PutTargets: (ctx, input) => putTargets(ctx, input),
    RemoveTargets: (ctx, input) => removeTargets(ctx, input),
    ListTargetsByRule: (ctx, input) => listTargetsByRule(ctx, input),
    PutEvents: (ctx, input) => putEvents(ctx, input),
    TestEventPattern: (ctx, input) => testEventPattern(ctx, input),
    TagResource: (ctx, { ResourceARN, Tags }) => tagResource(ctx, ResourceARN, Tags),
    UntagResource: (ctx, { ResourceARN, TagKeys }) => untagResource(ctx, ResourceARN, TagKeys),
    ListTagsForResource: (ctx, { ResourceARN }) => listTagsForResource(ctx, ResourceARN),
    CreateArchive: (ctx, input) => createArchive(ctx, input),
    DescribeArchive: (ctx, { ArchiveName }) => describeArchive(ctx, ArchiveName),
    ListArchives: (ctx, input) => listArchives(ctx, input),
    UpdateArchive: (ctx, input) => updateArchive(ctx, input),
    DeleteArchive: (ctx, { ArchiveName }) => deleteArchive(ctx, ArchiveName),
    StartReplay: (ctx, input) => startReplay(ctx, input),
    DescribeReplay: (ctx, { ReplayName }) => describeReplay(ctx, ReplayName),
    ListReplays: (ctx, input) => listReplays(ctx, input),
    CancelReplay: (ctx, { ReplayName }) => cancelReplay(ctx, ReplayName),
    CreateConnection: (ctx, input) => createConnection(ctx, input),
    DescribeConnection: (ctx, { Name }) => describeConnection(ctx, Name),
    ListConnections: (ctx, input) => listConnections(ctx, input),
    UpdateConnection: (ctx, input) => updateConnection(ctx, input),
    DeauthorizeConnection: (ctx, { Name }) => deauthorizeConnection(ctx, Name),
    DeleteConnection: (ctx, { Name }) => deleteConnection(ctx, Name),
    CreateApiDestination: (ctx, input) => createApiDestination(ctx, input),
    DescribeApiDestination: (ctx, { Name }) => describeApiDestination(ctx, Name),
    ListApiDestinations: (ctx, input) => listApiDestinations(ctx, input),
    UpdateApiDestination: (ctx, input) => updateApiDestination(ctx, input),
    DeleteApiDestination: (ctx, { Name }) => deleteApiDestination(ctx, Name),
  },
  {
    init(runtime) {
      runtime.targets.register('events', isBusArn, (inv) => deliverToBus(runtime, inv));
      runtime.targets.register('events-api-destination', isApiDestinationArn, (inv) => invokeApiDestination(runtime, inv));
      startScheduler(runtime);
      subscriptions.set(runtime.store, startServiceEvents(runtime));
    },
    stop(runtime) {
      stopScheduler(runtime);
      for (const off of subscriptions.get(runtime.store) ?? []) off();
      subscriptions.delete(runtime.store);
    },
  },
);
