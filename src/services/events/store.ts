// EventBridge's records: event buses and rules (a rule carries its targets), scoped per account and region.
import type { DeadLetterConfig, LogConfig, Target } from '../../generated/events.js';
import { arn } from '../../protocol/ids.js';
import type { TagMap } from '../../protocol/tags.js';
import type { Scope, Store, Table } from '../../state/db.js';

export const SERVICE = 'events';
export const DEFAULT_BUS = 'default';

export interface BusRecord {
  Name: string;
  Arn: string;
  Description?: string;
  /** settings kept and reported as given (Cumulus encrypts nothing and writes no bus logs) */
  KmsKeyIdentifier?: string;
  DeadLetterConfig?: DeadLetterConfig;
  LogConfig?: LogConfig;
  /** the resource policy document (PutPermission statements) as JSON text */
  Policy?: string;
  CreationTime: number;
  LastModifiedTime: number;
  Tags: TagMap;
}

export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

export interface RuleRecord {
  Name: string;
  Arn: string;
  EventBusName: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State: RuleState;
  Description?: string;
  RoleArn?: string;
  ManagedBy?: string;
  CreatedBy: string;
  /** epoch ms: rate() schedules count their periods from here */
  CreatedAt: number;
  Tags: TagMap;
  Targets: Target[];
}

export const busesTable = (store: Store): Table<BusRecord> => store.table<BusRecord>(SERVICE, 'bus');
export const rulesTable = (store: Store): Table<RuleRecord> => store.table<RuleRecord>(SERVICE, 'rule');

export const ruleKey = (bus: string, name: string) => `${bus}|${name}`;

export function busArn(scope: Scope, name: string): string {
  return arn({ service: 'events', region: scope.region, account: scope.account, resource: `event-bus/${name}` });
}

/** Rules on the default bus are rule/NAME; on another bus rule/BUS/NAME. */
export function ruleArn(scope: Scope, bus: string, name: string): string {
  const resource = bus === DEFAULT_BUS ? `rule/${name}` : `rule/${bus}/${name}`;
  return arn({ service: 'events', region: scope.region, account: scope.account, resource });
}

/** The default bus exists in every account and region; it is stored once something (a policy, tags) is set on it. */
export function defaultBus(scope: Scope): BusRecord {
  return { Name: DEFAULT_BUS, Arn: busArn(scope, DEFAULT_BUS), CreationTime: 0, LastModifiedTime: 0, Tags: {} };
}

export function findBus(store: Store, scope: Scope, name: string): BusRecord | undefined {
  return busesTable(store).get(scope, name) ?? (name === DEFAULT_BUS ? defaultBus(scope) : undefined);
}

/** The rules of one bus, in creation order. */
export function rulesOfBus(store: Store, scope: Scope, bus: string): RuleRecord[] {
  return rulesTable(store)
    .list(scope)
    .filter((r) => r.EventBusName === bus);
}
