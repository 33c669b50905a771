// Event buses: the default bus of every account and region, custom buses, and their resource policies.
import type {
  CreateEventBusRequest,
  CreateEventBusResponse,
  DescribeEventBusResponse,
  EventBus,
  ListEventBusesRequest,
  ListEventBusesResponse,
  PutPermissionRequest,
  RemovePermissionRequest,
  UpdateEventBusRequest,
  UpdateEventBusResponse,
} from '../../generated/events.js';
import { AwsError } from '../../protocol/errors.js';
import { parseArn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { mergeTags } from '../../protocol/tags.js';
import { regional, type RequestContext } from '../../server/context.js';
import { type BusRecord, busArn, busesTable, DEFAULT_BUS, defaultBus, findBus, rulesTable } from './store.js';
import { unscheduleRule } from './scheduler.js';

export const TAG_RULES = { max: 50, code: 'ValidationException', limitCode: 'LimitExceededException' };

/** EventBusName parameters take a name or an ARN; an absent one is the default bus. */
export function busNameOf(ctx: RequestContext, value: string | undefined): string {
  if (!value) return DEFAULT_BUS;
  if (value.startsWith('arn:')) {
    const parsed = parseArn(value);
    if (!parsed || parsed.service !== 'events' || !parsed.resource.startsWith('event-bus/')) {
      throw new AwsError('ValidationException', `Parameter ${value} is not valid. Reason: Provided Arn is not in correct format.`);
    }
    return parsed.resource.slice('event-bus/'.length);
  }
  return value;
}

export function requireBus(ctx: RequestContext, name: string): BusRecord {
  const bus = findBus(ctx.store, regional(ctx), name);
  if (!bus) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
  return bus;
}

function busView(b: BusRecord): EventBus {
  return {
    Name: b.Name,
    Arn: b.Arn,
    Description: b.Description,
    Policy: b.Policy,
    CreationTime: b.CreationTime ? new Date(b.CreationTime) : undefined,
    LastModifiedTime: b.LastModifiedTime ? new Date(b.LastModifiedTime) : undefined,
  };
}

export function createEventBus(ctx: RequestContext, input: CreateEventBusRequest): CreateEventBusResponse {
  const scope = regional(ctx);
  const name = input.Name;
  if (name === DEFAULT_BUS || busesTable(ctx.store).has(scope, name)) {
    throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
  }
  if (name.includes('/') && !name.startsWith('aws.partner/')) {
    throw new AwsError('ValidationException', `Event bus name must not contain '/'.`);
  }
  if (input.EventSourceName) {
    throw new AwsError('ResourceNotFoundException', `Event source ${input.EventSourceName} does not exist.`);
  }
  const now = ctx.clock.now();
  const bus: BusRecord = {
    Name: name,
    Arn: busArn(scope, name),
    Description: input.Description,
    KmsKeyIdentifier: input.KmsKeyIdentifier,
    DeadLetterConfig: input.DeadLetterConfig,
    LogConfig: input.LogConfig,
    CreationTime: now,
    LastModifiedTime: now,
    Tags: mergeTags({}, input.Tags ?? [], TAG_RULES),
  };
  busesTable(ctx.store).put(scope, name, bus);
  return { EventBusArn: bus.Arn, Description: bus.Description, KmsKeyIdentifier: bus.KmsKeyIdentifier, DeadLetterConfig: bus.DeadLetterConfig, LogConfig: bus.LogConfig };
}

export function describeEventBus(ctx: RequestContext, nameOrArn: string | undefined): DescribeEventBusResponse {
  const bus = requireBus(ctx, busNameOf(ctx, nameOrArn));
  return { ...busView(bus), KmsKeyIdentifier: bus.KmsKeyIdentifier, DeadLetterConfig: bus.DeadLetterConfig, LogConfig: bus.LogConfig };
}

export function listEventBuses(ctx: RequestContext, input: ListEventBusesRequest): ListEventBusesResponse {
  const scope = regional(ctx);
  const stored = busesTable(ctx.store).list(scope);
  const all = stored.some((b) => b.Name === DEFAULT_BUS) ? stored : [defaultBus(scope), ...stored];
  const matching = all.filter((b) => !input.NamePrefix || b.Name.startsWith(input.NamePrefix)).sort((a, b) => a.Name.localeCompare(b.Name));
  const page = paginate(matching, (b) => b.Name, { token: input.NextToken, max: input.Limit, defaultMax: 100, invalidTokenCode: 'ValidationException' });
  return { EventBuses: page.items.map(busView), NextToken: page.next };
}

export function updateEventBus(ctx: RequestContext, input: UpdateEventBusRequest): UpdateEventBusResponse {
  const bus = requireBus(ctx, busNameOf(ctx, input.Name));
  if (input.Description !== undefined) bus.Description = input.Description || undefined;
  if (input.KmsKeyIdentifier !== undefined) bus.KmsKeyIdentifier = input.KmsKeyIdentifier || undefined;
  if (input.DeadLetterConfig !== undefined) bus.DeadLetterConfig = input.DeadLetterConfig;
  if (input.LogConfig !== undefined) bus.LogConfig = input.LogConfig;
  storeBus(ctx, bus);
  return { Arn: bus.Arn, Name: bus.Name, Description: bus.Description, KmsKeyIdentifier: bus.KmsKeyIdentifier, DeadLetterConfig: bus.DeadLetterConfig, LogConfig: bus.LogConfig };
}

/** Deleting a bus deletes its rules; deleting a bus that does not exist succeeds, as in AWS. */
export function deleteEventBus(ctx: RequestContext, name: string): void {
  if (name === DEFAULT_BUS) throw new AwsError('ValidationException', 'Cannot delete event bus default.');
  const scope = regional(ctx);
  if (!busesTable(ctx.store).delete(scope, name)) return;
  const rules = rulesTable(ctx.store);
  for (const r of rules.list(scope)) {
    if (r.EventBusName !== name) continue;
    rules.delete(scope, `${name}|${r.Name}`);
    unscheduleRule(ctx.store, scope, name, r.Name);
  }
}

interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: string | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

function storeBus(ctx: RequestContext, bus: BusRecord): void {
  bus.LastModifiedTime = ctx.clock.now();
  if (!bus.CreationTime) bus.CreationTime = bus.LastModifiedTime;
  busesTable(ctx.store).put(regional(ctx), bus.Name, bus);
}

export function putPermission(ctx: RequestContext, input: PutPermissionRequest): void {
  const bus = requireBus(ctx, busNameOf(ctx, input.EventBusName));
  if (input.Policy !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(input.Policy);
    } catch {
      throw new AwsError('MalformedPolicyDocumentException', 'Policy is not valid JSON.');
    }
    if (!doc || typeof doc !== 'object' || !Array.isArray((doc as { Statement?: unknown }).Statement)) {
      throw new AwsError('MalformedPolicyDocumentException', 'Policy must contain a Statement list.');
    }
    bus.Policy = JSON.stringify(doc);
    return storeBus(ctx, bus);
  }
  if (input.Action !== 'events:PutEvents') throw new AwsError('ValidationException', "Provided value in parameter 'action' is not supported.");
  if (!input.Principal || !input.StatementId) {
    throw new AwsError('ValidationException', 'Parameter(s) Principal, StatementId must be specified when Policy is not specified.');
  }
  if (input.Principal === '*' && !input.Condition) {
    throw new AwsError('ValidationException', 'Parameter Condition must be specified when Principal is *.');
  }
  const statement: PolicyStatement = {
    Sid: input.StatementId,
    Effect: 'Allow',
    Principal: input.Principal === '*' ? '*' : { AWS: `arn:aws:iam::${input.Principal}:root` },
    Action: input.Action,
    Resource: bus.Arn,
  };
  if (input.Condition) statement.Condition = { [input.Condition.Type]: { [input.Condition.Key]: input.Condition.Value } };
  const doc = bus.Policy ? (JSON.parse(bus.Policy) as { Version?: string; Statement: PolicyStatement[] }) : { Version: '2012-10-17', Statement: [] };
  doc.Statement = doc.Statement.filter((s) => s.Sid !== input.StatementId);
  doc.Statement.push(statement);
  bus.Policy = JSON.stringify(doc);
  storeBus(ctx, bus);
}

export function removePermission(ctx: RequestContext, input: RemovePermissionRequest): void {
  const bus = requireBus(ctx, busNameOf(ctx, input.EventBusName));
  if (input.RemoveAllPermissions) {
    bus.Policy = undefined;
    return storeBus(ctx, bus);
  }
  if (!input.StatementId) throw new AwsError('ValidationException', 'Parameter StatementId must be specified.');
  if (!bus.Policy) throw new AwsError('ResourceNotFoundException', 'EventBus does not have a policy.');
  const doc = JSON.parse(bus.Policy) as { Statement: PolicyStatement[] };
  const kept = doc.Statement.filter((s) => s.Sid !== input.StatementId);
  if (kept.length === doc.Statement.length) throw new AwsError('ResourceNotFoundException', 'Statement with the provided id does not exist.');
  doc.Statement = kept;
  bus.Policy = kept.length ? JSON.stringify(doc) : undefined;
  storeBus(ctx, bus);
}

