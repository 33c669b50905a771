// The running side of ELBv2 for one Cumulus: what health checks last saw, targets draining, requests in
// flight per target, the health-check timers and the listeners' own sockets. Records live in the store;
// this holds only what is live, and is rebuilt from the store by reconcile() after every change.
import type { TimerHandle } from '../../clock/clock.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { actionTargetGroups } from './lookup.js';
import { tables, targetKey, type ListenerRecord, type LoadBalancerRecord, type RegisteredTarget, type RuleRecord, type TargetGroupRecord } from './store.js';

export interface HealthState {
  state: 'initial' | 'healthy' | 'unhealthy' | 'unused';
  reason?: string;
  description?: string;
  /** consecutive successes / failures */
  ok: number;
  fail: number;
  /** checks completed */
  checks: number;
  probing: boolean;
  /** virtual epoch ms at which the target last turned healthy (slow start ramps from it) */
  healthySince?: number;
}

export interface Draining {
  target: RegisteredTarget;
  timer: TimerHandle;
}

/** A load balancer's configuration as the data plane reads it, rebuilt when anything changes. */
export interface LbConfig {
  scope: Scope;
  lb: LoadBalancerRecord;
  listeners: ListenerRecord[];
  rules: Map<string, RuleRecord[]>;
  tgs: Map<string, TargetGroupRecord>;
}

export interface Snapshot {
  generation: number;
  byArn: Map<string, LbConfig>;
  /** DNS names (lower case, without the port) → load balancer ARN */
  byHost: Map<string, string>;
  /** names → ARNs (the first when several accounts or regions share a name) */
  byName: Map<string, string>;
  /** target group ARN → its scope and the load balancers forwarding to it */
  tgUse: Map<string, { scope: Scope; lbs: string[] }>;
}

/** Hooks other modules plug in (health checks, listener sockets), to keep this file free of I/O. */
export interface EngineHooks {
  reconcileHealth(engine: Engine, snap: Snapshot, allTgs: { scope: Scope; record: TargetGroupRecord }[]): void;
  reconcileListeners(engine: Engine, snap: Snapshot): Promise<void>;
  stop(engine: Engine): Promise<void>;
}

export class Engine {
  generation = 0;
  readonly health = new Map<string, Map<string, HealthState>>();
  readonly draining = new Map<string, Map<string, Draining>>();
  readonly inflight = new Map<string, number>();
  readonly checkers = new Map<string, { timer: TimerHandle; interval: number }>();
  /** listener ARN → the local port its own socket listens on */
  readonly localPorts = new Map<string, number>();
  /** round-robin cursors per target group */
  readonly cursors = new Map<string, number>();
  private snap: Snapshot | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    readonly runtime: Runtime,
    readonly hooks: EngineHooks,
  ) {}

  /** Called after every change to ELB records: rebuild the snapshot, timers and sockets. */
  changed(): Promise<void> {
    this.generation++;
    this.snap = undefined;
    const snap = this.snapshot();
    const allTgs = tables(this.runtime).tgs.listAll().map(({ scope, record }) => ({ scope, record }));
    this.hooks.reconcileHealth(this, snap, allTgs);
    this.pending = this.pending.then(() => this.hooks.reconcileListeners(this, snap)).catch((e) => this.runtime.log.error(`elbv2 listeners: ${String(e)}`));
    return this.pending;
  }

  snapshot(): Snapshot {
    if (this.snap) return this.snap;
    const t = tables(this.runtime);
    const byArn = new Map<string, LbConfig>();
    const byHost = new Map<string, string>();
    const byName = new Map<string, string>();
    for (const { scope, record } of t.lbs.listAll()) {
      byArn.set(record.LoadBalancerArn, { scope, lb: record, listeners: [], rules: new Map(), tgs: new Map() });
      byHost.set(record.DNSName.toLowerCase(), record.LoadBalancerArn);
      if (!byName.has(record.LoadBalancerName)) byName.set(record.LoadBalancerName, record.LoadBalancerArn);
    }
    const tgByArn = new Map(t.tgs.listAll().map(({ scope, record }) => [record.TargetGroupArn, { scope, record }]));
    const tgUse = new Map<string, { scope: Scope; lbs: string[] }>();
    const use = (lbArn: string, cfg: LbConfig, actions: RuleRecord['Actions']) => {
      for (const tgArn of actionTargetGroups(actions)) {
        const tg = tgByArn.get(tgArn);
        if (!tg) continue;
        cfg.tgs.set(tgArn, tg.record);
        const u = tgUse.get(tgArn) ?? { scope: tg.scope, lbs: [] };
        if (!u.lbs.includes(lbArn)) u.lbs.push(lbArn);
        tgUse.set(tgArn, u);
      }
    };
    const listenerLb = new Map<string, string>();
    for (const { record: l } of t.listeners.listAll()) {
      const cfg = byArn.get(l.LoadBalancerArn);
      if (!cfg) continue;
      cfg.listeners.push(l);
      listenerLb.set(l.ListenerArn, l.LoadBalancerArn);
      use(l.LoadBalancerArn, cfg, l.DefaultActions);
    }
    for (const { record: r } of t.rules.listAll()) {
      const lbArn = listenerLb.get(r.ListenerArn);
      const cfg = lbArn ? byArn.get(lbArn) : undefined;
      if (!cfg) continue;
      const list = cfg.rules.get(r.ListenerArn) ?? [];
      list.push(r);
      cfg.rules.set(r.ListenerArn, list);
      use(lbArn!, cfg, r.Actions);
    }
    for (const cfg of byArn.values()) for (const list of cfg.rules.values()) list.sort((a, b) => a.Priority - b.Priority);
    this.snap = { generation: this.generation, byArn, byHost, byName, tgUse };
    return this.snap;
  }

  healthOf(tgArn: string, key: string): HealthState | undefined {
    return this.health.get(tgArn)?.get(key);
  }

  setHealth(tgArn: string, key: string, h: HealthState): void {
    let m = this.health.get(tgArn);
    if (!m) this.health.set(tgArn, (m = new Map()));
    m.set(key, h);
  }

  inflightOf(tgArn: string, key: string): number {
    return this.inflight.get(`${tgArn}|${key}`) ?? 0;
  }

  /** A request or connection to a target starts; the returned function ends it. */
  begin(tgArn: string, key: string): () => void {
    const k = `${tgArn}|${key}`;
    this.inflight.set(k, (this.inflight.get(k) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.inflight.get(k) ?? 1) - 1;
      if (n > 0) this.inflight.set(k, n);
      else {
        this.inflight.delete(k);
        // a draining target with nothing in flight completes its deregistration at once (as ELB does)
        if (this.draining.get(tgArn)?.has(key)) this.finishDraining(tgArn, key);
      }
    };
  }

  /** Deregistration: the target drains for the delay, or until its in-flight requests are done. */
  startDraining(tgArn: string, target: RegisteredTarget, delaySeconds: number): void {
    const key = targetKey(target);
    if (this.inflightOf(tgArn, key) === 0 || delaySeconds === 0) {
      this.health.get(tgArn)?.delete(key);
      return;
    }
    let m = this.draining.get(tgArn);
    if (!m) this.draining.set(tgArn, (m = new Map()));
    m.get(key)?.timer.cancel();
    const timer = this.runtime.clock.setTimeout(() => this.finishDraining(tgArn, key), delaySeconds * 1000);
    m.set(key, { target, timer });
  }

  /** A target registered again while draining stops draining. */
  cancelDraining(tgArn: string, key: string): void {
    const d = this.draining.get(tgArn)?.get(key);
    if (!d) return;
    d.timer.cancel();
    this.draining.get(tgArn)!.delete(key);
  }

  finishDraining(tgArn: string, key: string): void {
    const d = this.draining.get(tgArn)?.get(key);
    if (!d) return;
    d.timer.cancel();
    this.draining.get(tgArn)!.delete(key);
    this.health.get(tgArn)?.delete(key);
  }

  /** Forget a target group entirely (deleted). */
  dropTargetGroup(tgArn: string): void {
    for (const d of this.draining.get(tgArn)?.values() ?? []) d.timer.cancel();
    this.draining.delete(tgArn);
    this.health.delete(tgArn);
    this.checkers.get(tgArn)?.timer.cancel();
    this.checkers.delete(tgArn);
    this.cursors.delete(tgArn);
  }

  async stop(): Promise<void> {
    for (const c of this.checkers.values()) c.timer.cancel();
    this.checkers.clear();
    for (const m of this.draining.values()) for (const d of m.values()) d.timer.cancel();
    this.draining.clear();
    this.health.clear();
    await this.pending;
    await this.hooks.stop(this);
  }
}
