// Routing and delivery: an event on a bus is matched against the bus's enabled rules and handed to each
// rule's targets through runtime.targets, after the request that produced it has returned. A failed delivery
// is retried with exponential backoff on the clock within the target's RetryPolicy, then goes to the
// target's dead-letter queue. CloudWatch metrics (AWS/Events, by RuleName) count what happened.
import type { Target } from '../../generated/events.js';
import type { MetricDatum } from '../../events/bus.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { NOT_RETRIED } from './api-destinations.js';
import { archiveEvent } from './archives.js';
import { type EventEnvelope, eventTime } from './envelope.js';
import { compilePattern } from './event-pattern.js';
import { type RuleRecord, rulesOfBus } from './store.js';
import { targetPayload } from './target-input.js';

/** An event crossing more buses than this is dropped (AWS stops delivery loops between buses). */
export const MAX_BUS_HOPS = 5;
const DEFAULT_RETRIES = 185;
const DEFAULT_MAX_AGE_S = 86_400;
/** Backoff doubles from 1 s up to 8 minutes: 185 attempts then span about a day, as AWS's defaults do. */
const BACKOFF_CAP_MS = 480_000;
/**
 * Failures AWS does not retry (the target is gone, or EventBridge may not invoke it): they go straight to the
 * dead-letter queue. Owners say so in TargetResult (errorCode, retryable); otherwise the words decide.
 */
const NO_PERMISSIONS = /not authorized|access ?denied/i;
const RESOURCE_NOT_FOUND = /does not exist|not found|no service in cumulus can act/i;

/** The ERROR_CODE a dead-letter message carries for a failure, in AWS's terms. */
function errorCode(message: string): string {
  if (NO_PERMISSIONS.test(message)) return 'NO_PERMISSIONS';
  if (RESOURCE_NOT_FOUND.test(message)) return 'RESOURCE_NOT_FOUND';
  if (/throttl|too many requests|rate exceeded/i.test(message)) return 'THROTTLING';
  return 'SDK_CLIENT_ERROR';
}

export interface PublishOptions {
  /** buses the event has already crossed */
  hops?: number;
  /** a read-only CloudTrail management event: only rules in ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS see it */
  readOnlyManagement?: boolean;
  /** a replay: the event is not archived again, and only the rules FilterArns names (all when absent) see it */
  replay?: { filterArns?: string[] };
}

/** Puts an event on a bus; matching and delivery happen after the caller returns. */
export function publish(runtime: Runtime, scope: Scope, bus: string, event: EventEnvelope, options: PublishOptions = {}): void {
  const ingestedAt = runtime.clock.now();
  setImmediate(() => {
    try {
      route(runtime, scope, bus, event, options, ingestedAt);
    } catch (err) {
      runtime.log.error(`[events] routing an event on ${bus} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  });
}

function route(runtime: Runtime, scope: Scope, bus: string, event: EventEnvelope, options: PublishOptions, ingestedAt: number): void {
  if (!options.replay) archiveEvent(runtime, scope, bus, event);
  const only = options.replay?.filterArns?.length ? new Set(options.replay.filterArns) : undefined;
  for (const rule of rulesOfBus(runtime.store, scope, bus)) {
    if (rule.State === 'DISABLED' || !rule.EventPattern) continue;
    if (only && !only.has(rule.Arn)) continue;
    if (options.readOnlyManagement && rule.State !== 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS') continue;
    let matches: boolean;
    try {
      matches = compilePattern(rule.EventPattern).matches(event);
    } catch {
      continue; // patterns are validated by PutRule; a stored one that no longer compiles matches nothing
    }
    if (!matches) continue;
    metric(runtime, scope, rule.Name, 'MatchedEvents');
    triggerRule(runtime, scope, rule, event, options.hops ?? 0, ingestedAt);
  }
}

/** Hands an event (matched, or a schedule's) to every target of a rule. */
export function triggerRule(runtime: Runtime, scope: Scope, rule: RuleRecord, event: EventEnvelope, hops: number, ingestedAt: number): void {
  if (rule.Targets.length === 0) return;
  metric(runtime, scope, rule.Name, 'TriggeredRules');
  // never inside the caller (a request, or a clock advance): targets run after it returns
  for (const target of rule.Targets) setImmediate(() => void deliver(runtime, scope, rule, target, event, hops, ingestedAt, 0));
}

async function deliver(
  runtime: Runtime,
  scope: Scope,
  rule: RuleRecord,
  target: Target,
  event: EventEnvelope,
  hops: number,
  ingestedAt: number,
  attempt: number,
): Promise<void> {
  let payload: string;
  try {
    payload = targetPayload(target, event, { ruleArn: rule.Arn, ruleName: rule.Name, ingestionTime: eventTime(ingestedAt) });
  } catch (err) {
    return failed(runtime, scope, rule, target, event, attempt, 'INVALID_PARAMETER', (err as Error).message);
  }
  const result = await runtime.targets.invoke({
    arn: target.Arn,
    payload,
    source: { principal: 'events.amazonaws.com', arn: rule.Arn, account: scope.account, region: scope.region },
    context: { eventBusHops: hops, roleArn: target.RoleArn, targetId: target.Id, ruleName: rule.Name, httpParameters: target.HttpParameters },
  });
  metric(runtime, scope, rule.Name, 'InvocationAttempts');
  if (attempt > 0) metric(runtime, scope, rule.Name, 'RetryInvocationAttempts');
  if (result.ok) {
    metric(runtime, scope, rule.Name, 'SuccessfulInvocationAttempts');
    metric(runtime, scope, rule.Name, 'Invocations');
    return;
  }
  const maxAttempts = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRIES;
  const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_S) * 1000;
  const delay = Math.min(1000 * 2 ** attempt, BACKOFF_CAP_MS);
  const code = result.errorCode ?? errorCode(result.message);
  const retriable = result.retryable ?? (code !== 'NO_PERMISSIONS' && code !== 'RESOURCE_NOT_FOUND' && !result.message.includes(NOT_RETRIED));
  if (retriable && attempt < maxAttempts && runtime.clock.now() + delay - ingestedAt <= maxAgeMs) {
    runtime.clock.setTimeout(() => setImmediate(() => void deliver(runtime, scope, rule, target, event, hops, ingestedAt, attempt + 1)), delay);
    return;
  }
  return failed(runtime, scope, rule, target, event, attempt, code, result.message);
}

async function failed(
  runtime: Runtime,
  scope: Scope,
  rule: RuleRecord,
  target: Target,
  event: EventEnvelope,
  retries: number,
  code: string,
  message: string,
): Promise<void> {
  metric(runtime, scope, rule.Name, 'Invocations');
  metric(runtime, scope, rule.Name, 'FailedInvocations');
  runtime.log.debug(`[events] ${rule.Arn} → ${target.Arn} failed after ${retries} retries: ${message}`);
  const dlq = target.DeadLetterConfig?.Arn;
  if (!dlq) return;
  // the dead-letter message is the original event; why it failed travels as message attributes
  const sent = await runtime.targets.invoke({
    arn: dlq,
    payload: JSON.stringify(event),
    source: { principal: 'events.amazonaws.com', arn: rule.Arn, account: scope.account, region: scope.region },
    context: {
      deadLetter: true,
      messageAttributes: {
        RULE_ARN: rule.Arn,
        TARGET_ARN: target.Arn,
        ERROR_CODE: code,
        ERROR_MESSAGE: message,
        RETRY_ATTEMPTS: String(retries),
      },
    },
  });
  metric(runtime, scope, rule.Name, sent.ok ? 'InvocationsSentToDlq' : 'InvocationsFailedToBeSentToDlq');
}

export function metric(runtime: Runtime, scope: Scope, ruleName: string, name: string): void {
  const datum: MetricDatum = {
    MetricName: name,
    Dimensions: [{ Name: 'RuleName', Value: ruleName }],
    Timestamp: runtime.clock.date(),
    Value: 1,
    Unit: 'Count',
  };
  runtime.bus.emit('metric', { account: scope.account, region: scope.region, namespace: 'AWS/Events', datums: [datum] });
}
