// Register/DeregisterTargets and DescribeTargetHealth: registrations are records; health is what the
// checker last saw, shown with AWS's states and reason codes.
import type { Elbv2Operations, TargetDescription, TargetHealthDescription } from '../../generated/elbv2.js';
import { AwsError } from '../../protocol/errors.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { instanceForTarget } from '../ec2/index.js';
import { invalidTarget, validation } from './errors.js';
import { policyAllows, resolveFunction } from '../lambda/resolve.js';
import { REASONS } from './health.js';
import { ELB_PRINCIPAL } from './lambda-target.js';
import { getTg, lbsUsingTg } from './lookup.js';
import { engineFor } from './runtime.js';
import { scopeOf, tables, targetKey, type RegisteredTarget, type TargetGroupRecord } from './store.js';
import { instanceState, trafficPort } from './targets-address.js';

const PRIVATE: [string, number][] = [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['127.0.0.0', 8]];

function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function inRange(ip: number, [base, prefix]: [string, number]): boolean {
  const mask = (~0 << (32 - prefix)) >>> 0;
  return ((ip & mask) >>> 0) === ((ipToInt(base)! & mask) >>> 0);
}

function checkTargets(ctx: RequestContext, tg: TargetGroupRecord, targets: TargetDescription[]): void {
  if (tg.TargetType === 'instance') {
    const missing = targets.filter((t) => !instanceForTarget(ctx, scopeOf(ctx), t.Id));
    if (missing.length) throw invalidTarget(`The following targets are not valid instances: ${missing.map((t) => `'${t.Id}'`).join(', ')}`);
    const notRunning = targets.filter((t) => instanceForTarget(ctx, scopeOf(ctx), t.Id)!.State !== 'running');
    if (notRunning.length) throw invalidTarget(`The following targets are not in a running state and cannot be registered: ${notRunning.map((t) => `'${t.Id}'`).join(', ')}`);
    const otherVpc = targets.filter((t) => instanceForTarget(ctx, scopeOf(ctx), t.Id)!.VpcId !== tg.VpcId);
    if (otherVpc.length) throw invalidTarget(`The following targets are not in the target group VPC '${tg.VpcId}': ${otherVpc.map((t) => `'${t.Id}'`).join(', ')}`);
  } else if (tg.TargetType === 'ip') {
    for (const t of targets) {
      const n = ipToInt(t.Id);
      if (n === undefined) throw validation(`The IP address '${t.Id}' is not a valid IPv4 address`);
      // the loopback is accepted too: on one machine, a local server is the natural IP target
      if (!PRIVATE.some((c) => inRange(n, c))) {
        throw invalidTarget(`The IP address '${t.Id}' is not within the VPC's CIDR blocks or a private address range`);
      }
    }
  } else if (tg.TargetType === 'lambda') {
    if (targets.length > 1 || tg.Targets.some((t) => t.Id !== targets[0]!.Id)) {
      throw new AwsError('TooManyTargets', 'You\'ve reached the limit on the number of targets per target group');
    }
    for (const t of targets) {
      if (t.Port !== undefined) throw validation('A port cannot be specified for Lambda targets');
      try {
        resolveFunction(ctx, t.Id);
      } catch {
        throw invalidTarget(`The function '${t.Id}' does not exist`);
      }
      if (!policyAllows(ctx, scopeOf(ctx), t.Id, undefined, ELB_PRINCIPAL, tg.TargetGroupArn, ctx.account)) {
        throw new AwsError('AccessDenied', `elasticloadbalancing principal does not have permission to invoke ${t.Id} from target group ${tg.TargetGroupArn}`, { status: 403 });
      }
    }
    return;
  }
  for (const t of targets) {
    if (t.Port === undefined && tg.Port === undefined) throw validation(`A port must be specified for target '${t.Id}'`);
  }
}

function healthView(ctx: RequestContext, tg: TargetGroupRecord, t: RegisteredTarget | TargetDescription, registered: boolean, draining: boolean): TargetHealthDescription {
  const engine = engineFor(ctx);
  const port = trafficPort(tg, t as RegisteredTarget);
  const Target = { Id: t.Id, Port: tg.TargetType === 'lambda' ? undefined : port, AvailabilityZone: t.AvailabilityZone };
  const HealthCheckPort = tg.TargetType === 'lambda' ? undefined : tg.HealthCheck.Port === 'traffic-port' ? String(port) : tg.HealthCheck.Port;
  const out = (State: string, r?: { reason?: string; description?: string }) => ({
    Target,
    HealthCheckPort,
    TargetHealth: { State: State as never, Reason: r?.reason as never, Description: r?.description },
  });
  if (draining) return out('draining', REASONS.deregistering);
  if (!registered) return out('unused', REASONS.notRegistered);
  if (!lbsUsingTg(ctx, tg.TargetGroupArn).length) return out('unused', REASONS.notInUse);
  const ec2State = instanceState(ctx, scopeOf(ctx), tg, t as RegisteredTarget);
  if (ec2State !== undefined && ec2State !== 'running') return out('unused', REASONS.invalidState(ec2State));
  if (!tg.HealthCheck.Enabled || tg.TargetType === 'lambda') return out('unavailable', REASONS.disabled);
  const h = engine.healthOf(tg.TargetGroupArn, targetKey(t));
  if (!h) return out('initial', REASONS.registering);
  return out(h.state, h);
}

export const targetHandlers: Handlers<Elbv2Operations> = {
  RegisterTargets(ctx, input) {
    const tg = getTg(ctx, input.TargetGroupArn);
    if (!input.Targets.length) throw validation('At least one target must be specified');
    checkTargets(ctx, tg, input.Targets);
    const engine = engineFor(ctx);
    const targets = [...tg.Targets];
    for (const t of input.Targets) {
      const reg: RegisteredTarget = { Id: t.Id, Port: t.Port ?? tg.Port, AvailabilityZone: t.AvailabilityZone, RegisteredAt: ctx.clock.now() };
      const key = targetKey(reg);
      engine.cancelDraining(tg.TargetGroupArn, key);
      if (!targets.some((x) => targetKey(x) === key)) targets.push(reg);
    }
    if (targets.length > 1000) throw new AwsError('TooManyTargets', 'You\'ve reached the limit on the number of targets per target group');
    tables(ctx).tgs.put(scopeOf(ctx), tg.TargetGroupArn, { ...tg, Targets: targets });
    return {};
  },

  DeregisterTargets(ctx, input) {
    const tg = getTg(ctx, input.TargetGroupArn);
    const keys = input.Targets.map((t) => targetKey({ Id: t.Id, Port: t.Port ?? tg.Port }));
    const missing = input.Targets.filter((_, i) => !tg.Targets.some((x) => targetKey(x) === keys[i]));
    if (missing.length) throw invalidTarget(`The following targets are not registered in target group '${tg.TargetGroupArn}': ${missing.map((t) => `'${t.Id}'`).join(', ')}`);
    const engine = engineFor(ctx);
    const delay = Number(tg.Attributes['deregistration_delay.timeout_seconds'] ?? '300');
    const inUse = lbsUsingTg(ctx, tg.TargetGroupArn).length > 0;
    for (const t of tg.Targets) if (keys.includes(targetKey(t)) && inUse) engine.startDraining(tg.TargetGroupArn, t, delay);
    tables(ctx).tgs.put(scopeOf(ctx), tg.TargetGroupArn, { ...tg, Targets: tg.Targets.filter((t) => !keys.includes(targetKey(t))) });
    return {};
  },

  DescribeTargetHealth(ctx, input) {
    const tg = getTg(ctx, input.TargetGroupArn);
    const engine = engineFor(ctx);
    const draining = engine.draining.get(tg.TargetGroupArn) ?? new Map();
    if (input.Targets?.length) {
      return {
        TargetHealthDescriptions: input.Targets.map((t) => {
          const key = targetKey({ Id: t.Id, Port: t.Port ?? tg.Port });
          const reg = tg.Targets.find((x) => targetKey(x) === key);
          const d = draining.get(key);
          return healthView(ctx, tg, reg ?? d?.target ?? { ...t, Port: t.Port ?? tg.Port }, !!reg, !reg && !!d);
        }),
      };
    }
    const list = [
      ...tg.Targets.map((t) => healthView(ctx, tg, t, true, false)),
      ...[...draining.values()].map((d) => healthView(ctx, tg, d.target, false, true)),
    ];
    return { TargetHealthDescriptions: list };
  },
};
