// Rules: an event pattern and/or a schedule on a bus, enabled or disabled, with up to five targets.
import type {
  DescribeRuleResponse,
  ListRuleNamesByTargetRequest,
  ListRuleNamesByTargetResponse,
  ListRulesRequest,
  ListRulesResponse,
  PutRuleRequest,
  PutRuleResponse,
  Rule,
} from '../../generated/events.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { mergeTags } from '../../protocol/tags.js';
import { regional, type RequestContext } from '../../server/context.js';
import { busNameOf, requireBus, TAG_RULES } from './buses.js';
import { compilePattern } from './event-pattern.js';
import { parseSchedule } from './schedule.js';
import { scheduleRule, unscheduleRule } from './scheduler.js';
import { DEFAULT_BUS, ruleArn, ruleKey, type RuleRecord, rulesOfBus, rulesTable } from './store.js';

export function findRule(ctx: RequestContext, bus: string, name: string): RuleRecord | undefined {
  return rulesTable(ctx.store).get(regional(ctx), ruleKey(bus, name));
}

export function requireRule(ctx: RequestContext, busNameOrArn: string | undefined, name: string): RuleRecord {
  const bus = busNameOf(ctx, busNameOrArn);
  requireBus(ctx, bus);
  const rule = findRule(ctx, bus, name);
  if (!rule) throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);
  return rule;
}

export function saveRule(ctx: RequestContext, rule: RuleRecord): void {
  rulesTable(ctx.store).put(regional(ctx), ruleKey(rule.EventBusName, rule.Name), rule);
}

export function ruleView(r: RuleRecord): Rule & DescribeRuleResponse {
  return {
    Name: r.Name,
    Arn: r.Arn,
    EventPattern: r.EventPattern,
    ScheduleExpression: r.ScheduleExpression,
    State: r.State,
    Description: r.Description,
    RoleArn: r.RoleArn,
    ManagedBy: r.ManagedBy,
    EventBusName: r.EventBusName,
  };
}

export function putRule(ctx: RequestContext, input: PutRuleRequest): PutRuleResponse {
  const bus = busNameOf(ctx, input.EventBusName);
  requireBus(ctx, bus);
  if (!input.EventPattern && !input.ScheduleExpression) {
    throw new AwsError('ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
  }
  if (input.ScheduleExpression) {
    if (bus !== DEFAULT_BUS) throw new AwsError('ValidationException', 'ScheduleExpression is supported only on the default event bus.');
    parseSchedule(input.ScheduleExpression);
  }
  if (input.EventPattern) compilePattern(input.EventPattern);
  const existing = findRule(ctx, bus, input.Name);
  if (existing?.ManagedBy) {
    throw new AwsError('ManagedRuleException', `Rule '${input.Name}' is managed by an AWS service can only be modified if force is True.`);
  }
  const scope = regional(ctx);
  const rule: RuleRecord = {
    Name: input.Name,
    Arn: ruleArn(scope, bus, input.Name),
    EventBusName: bus,
    EventPattern: input.EventPattern || undefined,
    ScheduleExpression: input.ScheduleExpression || undefined,
    // PutRule replaces the rule: members left out are reset, not kept (AWS), except tags and targets
    State: input.State ?? 'ENABLED',
    Description: input.Description,
    RoleArn: input.RoleArn,
    CreatedBy: existing?.CreatedBy ?? ctx.account,
    // a changed schedule starts counting its periods afresh
    CreatedAt: existing && existing.ScheduleExpression === input.ScheduleExpression ? existing.CreatedAt : ctx.clock.now(),
    Tags: existing ? existing.Tags : mergeTags({}, input.Tags ?? [], TAG_RULES),
    Targets: existing?.Targets ?? [],
  };
  saveRule(ctx, rule);
  scheduleRule(ctx, scope, rule);
  return { RuleArn: rule.Arn };
}

export function describeRule(ctx: RequestContext, busNameOrArn: string | undefined, name: string): DescribeRuleResponse {
  const rule = requireRule(ctx, busNameOrArn, name);
  return { ...ruleView(rule), CreatedBy: rule.CreatedBy };
}

export function listRules(ctx: RequestContext, input: ListRulesRequest): ListRulesResponse {
  const bus = busNameOf(ctx, input.EventBusName);
  requireBus(ctx, bus);
  const rules = rulesOfBus(ctx.store, regional(ctx), bus)
    .filter((r) => !input.NamePrefix || r.Name.startsWith(input.NamePrefix))
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  const page = paginate(rules, (r) => r.Name, { token: input.NextToken, max: input.Limit, defaultMax: 100, invalidTokenCode: 'ValidationException' });
  return { Rules: page.items.map(ruleView), NextToken: page.next };
}

/** Deleting a rule that does not exist succeeds, as in AWS; a rule with targets is refused. */
export function deleteRule(ctx: RequestContext, busNameOrArn: string | undefined, name: string, force?: boolean): void {
  const bus = busNameOf(ctx, busNameOrArn);
  requireBus(ctx, bus);
  const rule = findRule(ctx, bus, name);
  if (!rule) return;
  if (rule.ManagedBy && !force) {
    throw new AwsError('ManagedRuleException', `Rule '${name}' is managed by an AWS service can only be modified if force is True.`);
  }
  if (rule.Targets.length > 0) throw new AwsError('ValidationException', "Rule can't be deleted since it has targets.");
  rulesTable(ctx.store).delete(regional(ctx), ruleKey(bus, name));
  unscheduleRule(ctx.store, regional(ctx), bus, name);
}

export function setRuleState(ctx: RequestContext, busNameOrArn: string | undefined, name: string, state: 'ENABLED' | 'DISABLED'): void {
  const rule = requireRule(ctx, busNameOrArn, name);
  if (rule.ManagedBy) {
    throw new AwsError('ManagedRuleException', `Rule '${name}' is managed by an AWS service can only be modified if force is True.`);
  }
  rule.State = state;
  saveRule(ctx, rule);
  scheduleRule(ctx, regional(ctx), rule);
}

export function listRuleNamesByTarget(ctx: RequestContext, input: ListRuleNamesByTargetRequest): ListRuleNamesByTargetResponse {
  const bus = busNameOf(ctx, input.EventBusName);
  requireBus(ctx, bus);
  const names = rulesOfBus(ctx.store, regional(ctx), bus)
    .filter((r) => r.Targets.some((t) => t.Arn === input.TargetArn))
    .map((r) => r.Name)
    .sort();
  const page = paginate(names, (n) => n, { token: input.NextToken, max: input.Limit, defaultMax: 100, invalidTokenCode: 'ValidationException' });
  return { RuleNames: page.items, NextToken: page.next };
}
