// A group's load balancers (target groups, Classic load balancers, traffic sources): in-service instances
// are registered, leaving ones deregistered and drained before EC2 terminates them, and with
// HealthCheckType ELB the load balancers' health checks decide an instance's health.
import type { AutoscalingOperations, TrafficSourceIdentifier } from '../../generated/autoscaling.js';
import { paginate } from '../../protocol/pagination.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import * as elbv2 from '../elbv2/index.js';
import type { Handlers } from '../define.js';
import { validation } from './errors.js';
import { getGroup, isSuspended, putGroup } from './groups.js';
import { scopeOf, type GroupInstanceRecord, type GroupRecord } from './store.js';


const classicKey = (name: string) => `elb:${name}`;

/** Every load balancer the group names, as keys: target group ARNs and `elb:<name>` for Classic ones. */
function targetsOf(g: GroupRecord): string[] {
  return [...(g.TargetGroupARNs ?? []), ...(g.LoadBalancerNames ?? []).map(classicKey)];
}

function register(rt: Runtime, scope: Scope, target: string, ids: string[]): boolean {
  return target.startsWith('elb:') ? elbv2.registerWithClassic(rt, scope, target.slice(4), ids) : elbv2.registerInstances(rt, scope, target, ids);
}

/** Deregisters; the seconds to wait for draining. */
function deregister(rt: Runtime, scope: Scope, target: string, ids: string[]): number {
  // the target group's deregistration delay, or the Classic load balancer's connection draining timeout
  return target.startsWith('elb:') ? elbv2.deregisterFromClassic(rt, scope, target.slice(4), ids) : elbv2.deregisterInstances(rt, scope, target, ids);
}

/** Registers in-service instances where they are not yet (new instances, newly attached load balancers). */
export function registerInService(rt: Runtime, scope: Scope, g: GroupRecord): void {
  const targets = targetsOf(g);
  if (!targets.length || isSuspended(g, 'AddToLoadBalancer')) return;
  for (const target of targets) {
    const missing = g.Instances.filter((i) => i.LifecycleState === 'InService' && !i.registeredTo?.includes(target));
    if (!missing.length) continue;
    register(rt, scope, target, missing.map((i) => i.InstanceId));
    for (const i of missing) i.registeredTo = [...(i.registeredTo ?? []), target];
  }
}

/** Takes an instance out of its load balancers; the virtual time draining ends (now when it was in none). */
export function deregisterInstance(rt: Runtime, scope: Scope, i: GroupInstanceRecord): number {
  let seconds = 0;
  for (const target of i.registeredTo ?? []) seconds = Math.max(seconds, deregister(rt, scope, target, [i.InstanceId]));
  delete i.registeredTo;
  return rt.clock.now() + seconds * 1000;
}

/** What ELB health checks say of an instance, for HealthCheckType ELB. */
export function elbHealth(rt: Runtime, scope: Scope, g: GroupRecord, i: GroupInstanceRecord): 'healthy' | 'unhealthy' | undefined {
  if (!i.registeredTo?.length) return undefined;
  return elbv2.elbHealthOf(rt, scope, i.InstanceId, g.TargetGroupARNs ?? [], g.LoadBalancerNames ?? []);
}

function detach(rt: Runtime, scope: Scope, g: GroupRecord, target: string): void {
  const ids = g.Instances.filter((i) => i.registeredTo?.includes(target)).map((i) => i.InstanceId);
  if (ids.length) deregister(rt, scope, target, ids);
  for (const i of g.Instances) if (i.registeredTo) i.registeredTo = i.registeredTo.filter((t) => t !== target);
}

function checkTargetGroups(rt: Runtime, scope: Scope, arns: string[]): void {
  for (const arn of arns) {
    if (!elbv2.registerInstances(rt, scope, arn, [])) throw validation(`Provided Target Groups may not be valid. Please ensure they exist and try again.`);
  }
}

function checkClassic(rt: Runtime, scope: Scope, names: string[]): void {
  for (const name of names) {
    if (!elbv2.registerWithClassic(rt, scope, name, [])) throw validation(`Provided Load Balancers may not be valid. Please ensure they exist and try again.`);
  }
}

/** Checks the load balancers a new group names (CreateAutoScalingGroup). */
export function checkLoadBalancers(rt: Runtime, scope: Scope, tgs: string[], classic: string[]): void {
  checkTargetGroups(rt, scope, tgs);
  checkClassic(rt, scope, classic);
}

function splitSources(sources: TrafficSourceIdentifier[]): { tgs: string[]; classic: string[] } {
  const tgs: string[] = [];
  const classic: string[] = [];
  for (const s of sources) {
    const type = s.Type ?? (s.Identifier.startsWith('arn:') ? 'elbv2' : 'elb');
    if (type === 'elbv2') tgs.push(s.Identifier);
    else if (type === 'elb') classic.push(s.Identifier);
    else throw validation(`Traffic source type ${type} is not supported by Cumulus.`);
  }
  return { tgs, classic };
}

/** 'InService' once an instance passes the load balancer's checks, else 'Added'. */
function stateOf(rt: Runtime, scope: Scope, g: GroupRecord, target: string): string {
  const tgs = target.startsWith('elb:') ? [] : [target];
  const names = target.startsWith('elb:') ? [target.slice(4)] : [];
  const healthy = g.Instances.some((i) => i.registeredTo?.includes(target) && elbv2.elbHealthOf(rt, scope, i.InstanceId, tgs, names) === 'healthy');
  return healthy ? 'InService' : 'Added';
}

function attach(ctx: Runtime & Scope, name: string, tgs: string[], classic: string[]): void {
  const scope = scopeOf(ctx);
  const g = getGroup(ctx, name);
  checkTargetGroups(ctx, scope, tgs);
  checkClassic(ctx, scope, classic);
  g.TargetGroupARNs = [...new Set([...(g.TargetGroupARNs ?? []), ...tgs])];
  g.LoadBalancerNames = [...new Set([...(g.LoadBalancerNames ?? []), ...classic])];
  registerInService(ctx, scope, g);
  putGroup(ctx, g);
}

function remove(ctx: Runtime & Scope, name: string, tgs: string[], classic: string[]): void {
  const scope = scopeOf(ctx);
  const g = getGroup(ctx, name);
  for (const t of tgs) detach(ctx, scope, g, t);
  for (const n of classic) detach(ctx, scope, g, classicKey(n));
  g.TargetGroupARNs = (g.TargetGroupARNs ?? []).filter((t) => !tgs.includes(t));
  g.LoadBalancerNames = (g.LoadBalancerNames ?? []).filter((n) => !classic.includes(n));
  putGroup(ctx, g);
}

export const loadBalancerHandlers: Handlers<AutoscalingOperations> = {
  AttachLoadBalancerTargetGroups(ctx, input) {
    attach(ctx, input.AutoScalingGroupName, input.TargetGroupARNs, []);
    return {};
  },
  DetachLoadBalancerTargetGroups(ctx, input) {
    remove(ctx, input.AutoScalingGroupName, input.TargetGroupARNs, []);
    return {};
  },
  AttachLoadBalancers(ctx, input) {
    attach(ctx, input.AutoScalingGroupName, [], input.LoadBalancerNames);
    return {};
  },
  DetachLoadBalancers(ctx, input) {
    remove(ctx, input.AutoScalingGroupName, [], input.LoadBalancerNames);
    return {};
  },
  AttachTrafficSources(ctx, input) {
    const { tgs, classic } = splitSources(input.TrafficSources);
    attach(ctx, input.AutoScalingGroupName, tgs, classic);
    return {};
  },
  DetachTrafficSources(ctx, input) {
    const { tgs, classic } = splitSources(input.TrafficSources);
    remove(ctx, input.AutoScalingGroupName, tgs, classic);
    return {};
  },
  DescribeLoadBalancerTargetGroups(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const list = (g.TargetGroupARNs ?? []).map((arn) => ({ LoadBalancerTargetGroupARN: arn, State: stateOf(ctx, scope, g, arn) }));
    const page = paginate(list, (x) => x.LoadBalancerTargetGroupARN, { token: input.NextToken, max: input.MaxRecords, defaultMax: 100, invalidTokenCode: 'InvalidNextToken' });
    return { LoadBalancerTargetGroups: page.items, NextToken: page.next };
  },
  DescribeLoadBalancers(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const list = (g.LoadBalancerNames ?? []).map((name) => ({ LoadBalancerName: name, State: stateOf(ctx, scope, g, classicKey(name)) }));
    const page = paginate(list, (x) => x.LoadBalancerName, { token: input.NextToken, max: input.MaxRecords, defaultMax: 100, invalidTokenCode: 'InvalidNextToken' });
    return { LoadBalancers: page.items, NextToken: page.next };
  },
  DescribeTrafficSources(ctx, input) {
    const scope = scopeOf(ctx);
    const g = getGroup(ctx, input.AutoScalingGroupName);
    const all = [
      ...(g.TargetGroupARNs ?? []).map((arn) => ({ TrafficSource: arn, Identifier: arn, Type: 'elbv2', State: stateOf(ctx, scope, g, arn) })),
      ...(g.LoadBalancerNames ?? []).map((n) => ({ TrafficSource: n, Identifier: n, Type: 'elb', State: stateOf(ctx, scope, g, classicKey(n)) })),
    ];
    const list = input.TrafficSourceType ? all.filter((s) => s.Type === input.TrafficSourceType) : all;
    const page = paginate(list, (x) => x.Identifier, { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
    return { TrafficSources: page.items, NextToken: page.next };
  },
};

export { splitSources };
