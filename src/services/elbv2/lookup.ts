// Finding ELBv2 records by ARN, and which load balancers use a target group.
import { paginate } from '../../protocol/pagination.js';
import { lbNotFound, listenerNotFound, ruleNotFound, tgNotFound } from './errors.js';
import { scopeOf, tables, type ElbCtx, type ListenerRecord, type LoadBalancerRecord, type RuleRecord, type TargetGroupRecord } from './store.js';
import type { Action } from '../../generated/elbv2.js';

export function getLb(ctx: ElbCtx, arn: string): LoadBalancerRecord {
  const lb = tables(ctx).lbs.get(scopeOf(ctx), arn);
  if (!lb) throw lbNotFound();
  return lb;
}

export function getListener(ctx: ElbCtx, arn: string): ListenerRecord {
  const l = tables(ctx).listeners.get(scopeOf(ctx), arn);
  if (!l) throw listenerNotFound();
  return l;
}

export function getRule(ctx: ElbCtx, arn: string): RuleRecord {
  const r = tables(ctx).rules.get(scopeOf(ctx), arn);
  if (!r) throw ruleNotFound();
  return r;
}

export function getTg(ctx: ElbCtx, arn: string): TargetGroupRecord {
  const tg = tables(ctx).tgs.get(scopeOf(ctx), arn);
  if (!tg) throw tgNotFound();
  return tg;
}

export function listenersOf(ctx: ElbCtx, lbArn: string): ListenerRecord[] {
  return tables(ctx)
    .listeners.list(scopeOf(ctx))
    .filter((l) => l.LoadBalancerArn === lbArn);
}

export function rulesOf(ctx: ElbCtx, listenerArn: string): RuleRecord[] {
  return tables(ctx)
    .rules.list(scopeOf(ctx))
    .filter((r) => r.ListenerArn === listenerArn)
    .sort((a, b) => a.Priority - b.Priority);
}

/** Every target group an action list forwards to. */
export function actionTargetGroups(actions: Action[]): string[] {
  const out: string[] = [];
  for (const a of actions) {
    if (a.Type !== 'forward') continue;
    if (a.TargetGroupArn) out.push(a.TargetGroupArn);
    for (const t of a.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) out.push(t.TargetGroupArn);
  }
  return [...new Set(out)];
}

/** The load balancers whose listeners or rules forward to the target group. */
export function lbsUsingTg(ctx: ElbCtx, tgArn: string): string[] {
  const t = tables(ctx);
  const sc = scopeOf(ctx);
  const listeners = t.listeners.list(sc);
  const byArn = new Map(listeners.map((l) => [l.ListenerArn, l]));
  const out = new Set<string>();
  for (const l of listeners) if (actionTargetGroups(l.DefaultActions).includes(tgArn)) out.add(l.LoadBalancerArn);
  for (const r of t.rules.list(sc)) {
    const l = byArn.get(r.ListenerArn);
    if (l && actionTargetGroups(r.Actions).includes(tgArn)) out.add(l.LoadBalancerArn);
  }
  return [...out];
}

/** Marker/PageSize paging as ELB does it. */
export function pageOf<T>(items: T[], keyOf: (t: T) => string, marker: string | undefined, pageSize: number | undefined) {
  const page = paginate(items, keyOf, { token: marker, max: pageSize, defaultMax: 400, invalidTokenCode: 'ValidationError' });
  return { items: page.items, NextMarker: page.next };
}
