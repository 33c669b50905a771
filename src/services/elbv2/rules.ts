// Listener rules: Create/Describe/Modify/Delete and SetRulePriorities. Each listener also has its default
// rule (its default actions), shown by DescribeRules with priority "default".
import type { Elbv2Operations, Rule } from '../../generated/elbv2.js';
import { AwsError } from '../../protocol/errors.js';
import { mergeTags } from '../../protocol/tags.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { checkActions } from './actions.js';
import { checkConditions } from './conditions.js';
import { ruleNotFound, validation } from './errors.js';
import { ruleArn } from './ids.js';
import { defaultRuleArn } from './listeners.js';
import { getLb, getListener, pageOf, rulesOf } from './lookup.js';
import { scopeOf, tables, type ListenerRecord, type RuleRecord } from './store.js';

const ruleView = (r: RuleRecord): Rule => ({ RuleArn: r.RuleArn, Priority: String(r.Priority), Conditions: r.Conditions, Actions: r.Actions, IsDefault: false });

const defaultRuleView = (l: ListenerRecord): Rule => ({ RuleArn: defaultRuleArn(l.ListenerArn), Priority: 'default', Conditions: [], Actions: l.DefaultActions, IsDefault: true });

/** A rule by ARN, or the default rule of a listener. */
function findRule(ctx: RequestContext, arn: string): { rule?: RuleRecord; listener: ListenerRecord } {
  const t = tables(ctx);
  const sc = scopeOf(ctx);
  const rule = t.rules.get(sc, arn);
  if (rule) return { rule, listener: getListener(ctx, rule.ListenerArn) };
  const listener = t.listeners.list(sc).find((l) => defaultRuleArn(l.ListenerArn) === arn);
  if (!listener) throw ruleNotFound();
  return { listener };
}

function priorityInUse(p: number): AwsError {
  return new AwsError('PriorityInUse', `Priority '${p}' is currently in use`);
}

export const ruleHandlers: Handlers<Elbv2Operations> = {
  CreateRule(ctx, input) {
    const l = getListener(ctx, input.ListenerArn);
    const lb = getLb(ctx, l.LoadBalancerArn);
    if (lb.Type !== 'application') throw validation('Rules can only be created on Application Load Balancer listeners');
    const existing = rulesOf(ctx, l.ListenerArn);
    if (existing.some((r) => r.Priority === input.Priority)) throw priorityInUse(input.Priority);
    if (existing.length >= 100) throw new AwsError('TooManyRules', 'You\'ve reached the limit on the number of rules per load balancer');
    const rule: RuleRecord = {
      RuleArn: ruleArn(l.ListenerArn),
      ListenerArn: l.ListenerArn,
      Priority: input.Priority,
      Conditions: checkConditions(input.Conditions),
      Actions: checkActions(ctx, lb, l.Protocol, input.Actions),
      Tags: mergeTags({}, input.Tags ?? [], { code: 'ValidationError', limitCode: 'TooManyTags' }),
    };
    tables(ctx).rules.put(scopeOf(ctx), rule.RuleArn, rule);
    return { Rules: [ruleView(rule)] };
  },

  DescribeRules(ctx, input) {
    if (!input.ListenerArn && !input.RuleArns?.length) throw validation('You must specify either listener ARNs or rule ARNs');
    let rules: Rule[];
    if (input.RuleArns?.length) {
      rules = input.RuleArns.map((arn) => {
        const { rule, listener } = findRule(ctx, arn);
        return rule ? ruleView(rule) : defaultRuleView(listener);
      });
    } else {
      const l = getListener(ctx, input.ListenerArn!);
      rules = [...rulesOf(ctx, l.ListenerArn).map(ruleView), defaultRuleView(l)];
    }
    const page = pageOf(rules, (r) => r.RuleArn!, input.Marker, input.PageSize);
    return { Rules: page.items, NextMarker: page.NextMarker };
  },

  ModifyRule(ctx, input) {
    const { rule, listener } = findRule(ctx, input.RuleArn);
    const lb = getLb(ctx, listener.LoadBalancerArn);
    if (!rule) {
      if (input.Conditions?.length) throw new AwsError('OperationNotPermitted', 'The conditions of a default rule cannot be modified');
      const next = { ...listener, DefaultActions: input.Actions ? checkActions(ctx, lb, listener.Protocol, input.Actions) : listener.DefaultActions };
      tables(ctx).listeners.put(scopeOf(ctx), listener.ListenerArn, next);
      return { Rules: [defaultRuleView(next)] };
    }
    const next: RuleRecord = {
      ...rule,
      Conditions: input.Conditions ? checkConditions(input.Conditions) : rule.Conditions,
      Actions: input.Actions ? checkActions(ctx, lb, listener.Protocol, input.Actions) : rule.Actions,
    };
    tables(ctx).rules.put(scopeOf(ctx), rule.RuleArn, next);
    return { Rules: [ruleView(next)] };
  },

  DeleteRule(ctx, input) {
    const { rule } = findRule(ctx, input.RuleArn);
    if (!rule) throw new AwsError('OperationNotPermitted', 'The default rule cannot be deleted');
    tables(ctx).rules.delete(scopeOf(ctx), rule.RuleArn);
    return {};
  },

  SetRulePriorities(ctx, input) {
    const t = tables(ctx);
    const sc = scopeOf(ctx);
    const changes = input.RulePriorities.map((p) => {
      if (!p.RuleArn || p.Priority === undefined) throw validation('A rule ARN and a priority must be specified');
      const { rule } = findRule(ctx, p.RuleArn);
      if (!rule) throw new AwsError('OperationNotPermitted', 'The default rule\'s priority cannot be changed');
      return { rule, Priority: p.Priority };
    });
    const updated = new Map(changes.map((c) => [c.rule.RuleArn, { ...c.rule, Priority: c.Priority }]));
    const listeners = new Set(changes.map((c) => c.rule.ListenerArn));
    for (const la of listeners) {
      const seen = new Set<number>();
      for (const r of rulesOf(ctx, la)) {
        const p = updated.get(r.RuleArn)?.Priority ?? r.Priority;
        if (seen.has(p)) throw priorityInUse(p);
        seen.add(p);
      }
    }
    for (const r of updated.values()) t.rules.put(sc, r.RuleArn, r);
    return { Rules: [...updated.values()].map(ruleView) };
  },
};
