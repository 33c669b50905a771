// Health checks on the virtual clock: one timer per target group in use, at its interval; each tick probes
// every registered target for real (HTTP/HTTPS request or TCP connect, with the timeout) and moves it
// between initial, healthy and unhealthy by the thresholds, with AWS's reason codes.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { backendFault, type BackendFault } from '../../server/backend-faults.js';
import type { Scope } from '../../state/db.js';
import type { Engine, HealthState, Snapshot } from './engine.js';
import { tables, targetKey, type RegisteredTarget, type TargetGroupRecord } from './store.js';
import { instanceState, targetHost, trafficPort } from './targets-address.js';

export const REASONS = {
  registering: { reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' },
  initialChecks: { reason: 'Elb.InitialHealthChecking', description: 'Initial health checks in progress' },
  mismatch: (codes: number[]) => ({ reason: 'Target.ResponseCodeMismatch', description: `Health checks failed with these codes: [${codes.join(',')}]` }),
  timeout: { reason: 'Target.Timeout', description: 'Request timed out' },
  failed: { reason: 'Target.FailedHealthChecks', description: 'Health checks failed' },
  notRegistered: { reason: 'Target.NotRegistered', description: 'Target is not registered to the target group' },
  notInUse: { reason: 'Target.NotInUse', description: 'Target group is not configured to receive traffic from the load balancer' },
  deregistering: { reason: 'Target.DeregistrationInProgress', description: 'Target deregistration is in progress' },
  invalidState: (state: string) => ({ reason: 'Target.InvalidState', description: `Target is in the ${state} state` }),
  disabled: { reason: 'Target.HealthCheckDisabled', description: 'Health checks are disabled' },
  internal: { reason: 'Elb.InternalError', description: 'Health checks failed due to an internal error' },
};

export type Outcome = { ok: true } | { ok: false; reason: string; description: string };

/** "200", "200,202", "200-299" */
export function matches(matcher: string | undefined, status: number): boolean {
  for (const part of (matcher ?? '200').split(',')) {
    const [lo, hi] = part.trim().split('-').map(Number);
    if (hi === undefined ? status === lo : status >= lo! && status <= hi) return true;
  }
  return false;
}

/** One real probe of a target with the group's health check settings. */
export function probe(host: string, port: number, hc: TargetGroupRecord['HealthCheck'], fault?: BackendFault): Promise<Outcome> {
  const timeoutMs = hc.TimeoutSeconds * 1000;
  // an injected backend fault (POST /_cumulus/faults {"kind":"http-backend"}) is what the probe sees
  if (fault?.reset) return Promise.resolve({ ok: false, ...REASONS.failed });
  if (fault?.delayMs !== undefined && fault.delayMs >= timeoutMs) return Promise.resolve({ ok: false, ...REASONS.timeout });
  if (fault?.status !== undefined && (hc.Protocol === 'HTTP' || hc.Protocol === 'HTTPS')) {
    return Promise.resolve(matches(hc.Matcher?.HttpCode, fault.status) ? { ok: true } : { ok: false, ...REASONS.mismatch([fault.status]) });
  }
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    if (hc.Protocol === 'HTTP' || hc.Protocol === 'HTTPS') {
      const mod = hc.Protocol === 'HTTPS' ? https : http;
      const req = mod.request(
        { host, port, path: hc.Path ?? '/', method: 'GET', agent: false, timeout: timeoutMs, rejectUnauthorized: false, headers: { 'user-agent': 'ELB-HealthChecker/2.0', connection: 'close' } },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          done(matches(hc.Matcher?.HttpCode, status) ? { ok: true } : { ok: false, ...REASONS.mismatch([status]) });
        },
      );
      req.on('timeout', () => {
        done({ ok: false, ...REASONS.timeout });
        req.destroy();
      });
      req.on('error', () => done({ ok: false, ...REASONS.failed }));
      req.end();
      return;
    }
    const sock = net.connect({ host, port });
    sock.setTimeout(timeoutMs, () => {
      done({ ok: false, ...REASONS.timeout });
      sock.destroy();
    });
    sock.on('connect', () => {
      done({ ok: true });
      sock.destroy();
    });
    sock.on('error', () => done({ ok: false, ...REASONS.failed }));
  });
}

function checkPort(tg: TargetGroupRecord, t: RegisteredTarget): number {
  return tg.HealthCheck.Port === 'traffic-port' ? trafficPort(tg, t) : Number(tg.HealthCheck.Port);
}

function fresh(): HealthState {
  return { state: 'initial', ...REASONS.registering, ok: 0, fail: 0, checks: 0, probing: false };
}

function checkTarget(engine: Engine, scope: Scope, tg: TargetGroupRecord, t: RegisteredTarget): void {
  const key = targetKey(t);
  const h = engine.healthOf(tg.TargetGroupArn, key) ?? fresh();
  engine.setHealth(tg.TargetGroupArn, key, h);
  if (h.probing) return;
  const ec2State = instanceState(engine.runtime, scope, tg, t);
  if (ec2State !== undefined && ec2State !== 'running') {
    Object.assign(h, { state: 'unused', ...REASONS.invalidState(ec2State), ok: 0, fail: 0 });
    return;
  }
  if (h.state === 'unused') Object.assign(h, fresh());
  if (h.state === 'initial') Object.assign(h, REASONS.initialChecks);
  h.probing = true;
  const host = targetHost(engine.runtime, scope, tg, t);
  const port = checkPort(tg, t);
  void probe(host, port, tg.HealthCheck, backendFault(engine.runtime.faults, host, port)).then((o) => {
    h.probing = false;
    // the target may have been deregistered meanwhile
    if (engine.healthOf(tg.TargetGroupArn, key) !== h) return;
    h.checks++;
    const hc = tg.HealthCheck;
    if (o.ok) {
      h.ok++;
      h.fail = 0;
      if (h.state !== 'healthy' && h.ok >= hc.HealthyThreshold) Object.assign(h, { state: 'healthy', reason: undefined, description: undefined, healthySince: engine.runtime.clock.now() });
    } else {
      h.fail++;
      h.ok = 0;
      if (h.state === 'unhealthy' || h.fail >= hc.UnhealthyThreshold) Object.assign(h, { state: 'unhealthy', reason: o.reason, description: o.description });
    }
  });
}

function tick(engine: Engine, tgArn: string, scope: Scope): void {
  const tg = tables(engine.runtime).tgs.get(scope, tgArn);
  if (!tg) return;
  for (const t of tg.Targets) checkTarget(engine, scope, tg, t);
}

/** Timers for the target groups that are in use, have targets and have health checks on; none for the rest. */
export function reconcileHealth(engine: Engine, snap: Snapshot, allTgs: { scope: Scope; record: TargetGroupRecord }[]): void {
  const live = new Set<string>();
  for (const { scope, record: tg } of allTgs) {
    live.add(tg.TargetGroupArn);
    const keys = new Set(tg.Targets.map(targetKey));
    const m = engine.health.get(tg.TargetGroupArn);
    // forget targets that are gone (draining ones keep their last state)
    for (const k of m?.keys() ?? []) if (!keys.has(k) && !engine.draining.get(tg.TargetGroupArn)?.has(k)) m!.delete(k);
    const inUse = (snap.tgUse.get(tg.TargetGroupArn)?.lbs.length ?? 0) > 0;
    const wanted = inUse && tg.HealthCheck.Enabled && tg.TargetType !== 'lambda' && tg.Targets.length > 0;
    const cur = engine.checkers.get(tg.TargetGroupArn);
    const interval = tg.HealthCheck.IntervalSeconds * 1000;
    if (!wanted) {
      cur?.timer.cancel();
      engine.checkers.delete(tg.TargetGroupArn);
      continue;
    }
    if (!cur || cur.interval !== interval) {
      cur?.timer.cancel();
      const timer = engine.runtime.clock.setInterval(() => tick(engine, tg.TargetGroupArn, scope), interval);
      engine.checkers.set(tg.TargetGroupArn, { timer, interval });
    }
    // new targets get their first check right away, as ELB starts checking on registration
    for (const t of tg.Targets) if (!m?.has(targetKey(t))) checkTarget(engine, scope, tg, t);
  }
  for (const arn of [...engine.health.keys(), ...engine.checkers.keys()]) if (!live.has(arn)) engine.dropTargetGroup(arn);
}


/** EC2 told of an instance's new state: instance targets leave rotation at once, and come back to checks when running. */
export function onInstanceState(engine: Engine, instanceId: string, state: string, onRunning: () => void): void {
  let touched = false;
  for (const m of engine.health.values()) {
    for (const [key, h] of m) {
      if (!key.startsWith(`${instanceId}:`)) continue;
      touched = true;
      if (state === 'running') m.delete(key);
      else Object.assign(h, { state: 'unused', ...REASONS.invalidState(state), ok: 0, fail: 0 });
    }
  }
  if (touched && state === 'running') onRunning();
}
