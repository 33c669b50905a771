// ELB's public API for other services (Auto Scaling attaches instances to target groups and Classic load
// balancers, and replaces instances that ELB health checks find unhealthy).
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { classicEngine } from '../elb/runtime.js';
import { classicKey, classicTable } from '../elb/store.js';
import { engineFor } from './runtime.js';
import { tables, targetKey } from './store.js';

/** Registers instances in a target group (on the group's port) as RegisterTargets would; false when the group does not exist. */
export function registerInstances(runtime: Runtime, scope: Scope, tgArn: string, instanceIds: string[]): boolean {
  const t = tables(runtime).tgs;
  const tg = t.get(scope, tgArn);
  if (!tg) return false;
  const engine = engineFor(runtime);
  const targets = [...tg.Targets];
  for (const Id of instanceIds) {
    const reg = { Id, Port: tg.Port, RegisteredAt: runtime.clock.now() };
    engine.cancelDraining(tgArn, targetKey(reg));
    if (!targets.some((x) => targetKey(x) === targetKey(reg))) targets.push(reg);
  }
  t.put(scope, tgArn, { ...tg, Targets: targets });
  void engine.changed();
  return true;
}

/** Deregisters instances (every port they are registered on), draining as DeregisterTargets does. */
/** Deregisters instances from a target group; the seconds they drain for (its deregistration delay; 0 when none was registered). */
export function deregisterInstances(runtime: Runtime, scope: Scope, tgArn: string, instanceIds: string[]): number {
  const t = tables(runtime).tgs;
  const tg = t.get(scope, tgArn);
  if (!tg) return 0;
  const engine = engineFor(runtime);
  const delay = Number(tg.Attributes['deregistration_delay.timeout_seconds'] ?? '300');
  const gone = tg.Targets.filter((x) => instanceIds.includes(x.Id));
  for (const x of gone) engine.startDraining(tgArn, x, delay);
  t.put(scope, tgArn, { ...tg, Targets: tg.Targets.filter((x) => !instanceIds.includes(x.Id)) });
  void engine.changed();
  return gone.length ? delay : 0;
}

/** Registers instances with a Classic load balancer; false when it does not exist. */
export function registerWithClassic(runtime: Runtime, scope: Scope, name: string, instanceIds: string[]): boolean {
  const t = classicTable(runtime);
  const r = t.get(scope, name);
  if (!r) return false;
  t.put(scope, name, { ...r, Instances: [...new Set([...r.Instances, ...instanceIds])] });
  void classicEngine(runtime).changed();
  return true;
}

/** Deregisters instances from a Classic load balancer; the seconds they drain for (its connection draining timeout, 0 when off). */
export function deregisterFromClassic(runtime: Runtime, scope: Scope, name: string, instanceIds: string[]): number {
  const t = classicTable(runtime);
  const r = t.get(scope, name);
  if (!r) return 0;
  const draining = r.Draining.Enabled && instanceIds.some((x) => r.Instances.includes(x));
  const ce = classicEngine(runtime);
  if (r.Draining.Enabled) for (const Id of instanceIds) if (r.Instances.includes(Id)) ce.engine.startDraining(classicKey(scope, name), { Id, RegisteredAt: 0 }, r.Draining.Timeout);
  t.put(scope, name, { ...r, Instances: r.Instances.filter((x) => !instanceIds.includes(x)) });
  void ce.changed();
  return draining ? r.Draining.Timeout : 0;
}

/**
 * What ELB health checks say about an instance, for Auto Scaling's HealthCheckType ELB: 'unhealthy' when a
 * target group or Classic load balancer has it unhealthy (failed its checks), 'healthy' when all that have
 * checked it found it healthy, undefined when none has a verdict yet.
 */
export function elbHealthOf(runtime: Runtime, scope: Scope, instanceId: string, tgArns: string[], classicNames: string[]): 'healthy' | 'unhealthy' | undefined {
  const engine = engineFor(runtime);
  const verdicts: string[] = [];
  for (const arn of tgArns) {
    const tg = tables(runtime).tgs.get(scope, arn);
    for (const t of tg?.Targets ?? []) if (t.Id === instanceId) verdicts.push(engine.healthOf(arn, targetKey(t))?.state ?? 'initial');
  }
  const ce = classicEngine(runtime);
  for (const name of classicNames) {
    const h = ce.engine.healthOf(classicKey(scope, name), `${instanceId}:`);
    if (h) verdicts.push(h.state);
  }
  if (verdicts.includes('unhealthy')) return 'unhealthy';
  if (verdicts.length && verdicts.every((v) => v === 'healthy')) return 'healthy';
  return undefined;
}

export { listenerEndpoint, listenerOnPort, loadBalancerOf, type ListenerEndpoint } from './listener-endpoints.js';
