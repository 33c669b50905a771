// The running side of Classic Load Balancers: health checks per load balancer on the clock, and the
// data plane through ELBv2's proxy (each listener is shown to it as a listener forwarding to a group
// of the registered instances on the instance port; Classic does not fail open).
import { backendFault } from '../../server/backend-faults.js';
import type { TimerHandle } from '../../clock/clock.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { Engine, type LbConfig } from '../elbv2/engine.js';
import { probe, REASONS } from '../elbv2/health.js';
import { closeSocket, openSocket, type Open } from '../elbv2/listener-servers.js';
import type { ListenerRecord, LoadBalancerRecord, Protocol, TargetGroupRecord } from '../elbv2/store.js';
import { instanceForTarget } from '../ec2/index.js';
import { classicKey, classicTable, type ClassicListener, type ClassicRecord } from './store.js';

const PROTOCOLS: Record<ClassicListener['Protocol'], Protocol> = { HTTP: 'HTTP', HTTPS: 'HTTPS', TCP: 'TCP', SSL: 'TLS' };

export function parseTarget(target: string): { protocol: 'HTTP' | 'HTTPS' | 'TCP' | 'SSL'; port: number; path?: string } | undefined {
  const m = /^(HTTP|HTTPS|TCP|SSL):(\d{1,5})(\/.*)?$/i.exec(target);
  if (!m) return undefined;
  const protocol = m[1]!.toUpperCase() as 'HTTP';
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  if ((protocol === 'HTTP' || protocol === 'HTTPS') !== (m[3] !== undefined)) return undefined;
  return { protocol, port, path: m[3] };
}

export class ClassicEngine {
  /** health, in-flight counts and draining, kept as ELBv2 keeps them (keys: classicKey, `${instanceId}:`) */
  readonly engine: Engine;
  readonly timers = new Map<string, { timer: TimerHandle; interval: number }>();
  readonly sockets = new Map<string, { open: Open; signature: string }>();
  configs = new Map<string, LbConfig>();
  byHost = new Map<string, string>();
  byName = new Map<string, string>();
  private pending: Promise<void> = Promise.resolve();

  constructor(readonly runtime: Runtime) {
    this.engine = new Engine(runtime, { reconcileHealth: () => {}, reconcileListeners: async () => {}, stop: async () => {} });
  }

  private config(scope: Scope, r: ClassicRecord): LbConfig {
    const key = classicKey(scope, r.LoadBalancerName);
    const lb = {
      LoadBalancerArn: key,
      LoadBalancerName: r.LoadBalancerName,
      DNSName: r.DNSName,
      Attributes: { 'idle_timeout.timeout_seconds': String(r.IdleTimeout) },
    } as unknown as LoadBalancerRecord;
    const tgs = new Map<string, TargetGroupRecord>();
    const listeners: ListenerRecord[] = r.Listeners.map((l) => {
      const group = `${key}#${l.LoadBalancerPort}`;
      tgs.set(group, {
        TargetGroupArn: key,
        TargetGroupName: r.LoadBalancerName,
        TargetType: 'instance',
        Protocol: l.InstanceProtocol === 'HTTPS' || l.InstanceProtocol === 'SSL' ? (l.InstanceProtocol === 'SSL' ? 'TLS' : 'HTTPS') : l.InstanceProtocol,
        Port: l.InstancePort,
        HealthCheck: undefined as never,
        Attributes: { 'cumulus.fail_open': 'false' },
        Targets: r.Instances.map((Id) => ({ Id, RegisteredAt: 0 })),
        Tags: {},
      });
      return {
        ListenerArn: group,
        LoadBalancerArn: key,
        Port: l.LoadBalancerPort,
        Protocol: PROTOCOLS[l.Protocol],
        Certificates: l.SSLCertificateId ? [{ CertificateArn: l.SSLCertificateId }] : [],
        DefaultActions: [{ Type: 'forward', TargetGroupArn: group }],
        Attributes: {},
        Tags: {},
      };
    });
    return { scope, lb, listeners, rules: new Map(), tgs };
  }

  /** Rebuilds configs, timers and sockets after a change. */
  changed(): Promise<void> {
    const configs = new Map<string, LbConfig>();
    const byHost = new Map<string, string>();
    const byName = new Map<string, string>();
    const records = classicTable(this.runtime).listAll();
    for (const { scope, record } of records) {
      const cfg = this.config(scope, record);
      configs.set(cfg.lb.LoadBalancerArn, cfg);
      byHost.set(record.DNSName.toLowerCase(), cfg.lb.LoadBalancerArn);
      if (!byName.has(record.LoadBalancerName)) byName.set(record.LoadBalancerName, cfg.lb.LoadBalancerArn);
    }
    this.configs = configs;
    this.byHost = byHost;
    this.byName = byName;
    this.reconcileHealth(records);
    this.pending = this.pending.then(() => this.reconcileSockets()).catch((e) => this.runtime.log.error(`elb listeners: ${String(e)}`));
    return this.pending;
  }

  private reconcileHealth(records: { scope: Scope; record: ClassicRecord }[]): void {
    const live = new Set<string>();
    for (const { scope, record } of records) {
      const key = classicKey(scope, record.LoadBalancerName);
      live.add(key);
      const m = this.engine.health.get(key);
      for (const k of m?.keys() ?? []) if (!record.Instances.includes(k.slice(0, -1)) && !this.engine.draining.get(key)?.has(k)) m!.delete(k);
      const interval = record.HealthCheck.Interval * 1000;
      const cur = this.timers.get(key);
      if (!record.Instances.length) {
        cur?.timer.cancel();
        this.timers.delete(key);
        continue;
      }
      if (!cur || cur.interval !== interval) {
        cur?.timer.cancel();
        this.timers.set(key, { timer: this.runtime.clock.setInterval(() => this.tick(scope, record.LoadBalancerName), interval), interval });
      }
      for (const id of record.Instances) if (!m?.has(`${id}:`)) this.check(scope, record, id);
    }
    for (const [key, t] of this.timers) {
      if (live.has(key)) continue;
      t.timer.cancel();
      this.timers.delete(key);
      this.engine.dropTargetGroup(key);
    }
  }

  private tick(scope: Scope, name: string): void {
    const r = classicTable(this.runtime).get(scope, name);
    if (r) for (const id of r.Instances) this.check(scope, r, id);
  }

  private check(scope: Scope, r: ClassicRecord, instanceId: string): void {
    const key = classicKey(scope, r.LoadBalancerName);
    const hkey = `${instanceId}:`;
    let h = this.engine.healthOf(key, hkey);
    if (!h) {
      h = { state: 'initial', ...REASONS.registering, ok: 0, fail: 0, checks: 0, probing: false };
      this.engine.setHealth(key, hkey, h);
    }
    if (h.probing) return;
    const state = instanceForTarget(this.runtime, scope, instanceId)?.State ?? 'terminated';
    if (state !== 'running') {
      Object.assign(h, { state: 'unused', ...REASONS.invalidState(state), ok: 0, fail: 0 });
      return;
    }
    if (h.state === 'unused') Object.assign(h, { state: 'initial', ...REASONS.registering });
    const t = parseTarget(r.HealthCheck.Target)!;
    const hc = {
      Enabled: true,
      Protocol: (t.protocol === 'SSL' ? 'TCP' : t.protocol) as Protocol,
      Port: String(t.port),
      Path: t.path,
      IntervalSeconds: r.HealthCheck.Interval,
      TimeoutSeconds: r.HealthCheck.Timeout,
      HealthyThreshold: r.HealthCheck.HealthyThreshold,
      UnhealthyThreshold: r.HealthCheck.UnhealthyThreshold,
      Matcher: { HttpCode: '200' },
    };
    const cur = h;
    cur.probing = true;
    void probe('127.0.0.1', t.port, hc, backendFault(this.runtime.faults, '127.0.0.1', t.port)).then((o) => {
      cur.probing = false;
      if (this.engine.healthOf(key, hkey) !== cur) return;
      cur.checks++;
      if (o.ok) {
        cur.ok++;
        cur.fail = 0;
        if (cur.state !== 'healthy' && cur.ok >= hc.HealthyThreshold) Object.assign(cur, { state: 'healthy', reason: undefined, description: undefined });
      } else {
        cur.fail++;
        cur.ok = 0;
        if (cur.state === 'unhealthy' || cur.fail >= hc.UnhealthyThreshold) Object.assign(cur, { state: 'unhealthy', reason: o.reason, description: o.description });
      }
    });
  }

  private async reconcileSockets(): Promise<void> {
    const wanted = new Map<string, { cfg: LbConfig; l: ListenerRecord }>();
    for (const cfg of this.configs.values()) for (const l of cfg.listeners) wanted.set(l.ListenerArn, { cfg, l });
    const sig = (l: ListenerRecord) => `${l.Protocol}|${l.Port}|${l.Certificates[0]?.CertificateArn ?? ''}`;
    for (const [arn, s] of this.sockets) {
      const w = wanted.get(arn);
      if (!w || sig(w.l) !== s.signature) {
        this.sockets.delete(arn);
        this.engine.localPorts.delete(arn);
        await closeSocket(s.open);
      }
    }
    for (const [arn, { cfg, l }] of wanted) {
      if (this.sockets.has(arn)) continue;
      const lbKey = cfg.lb.LoadBalancerArn;
      const current = () => {
        const c = this.configs.get(lbKey);
        const listener = c?.listeners.find((x) => x.ListenerArn === arn);
        return c && listener ? { cfg: c, listener } : undefined;
      };
      try {
        const open = await openSocket(this.engine, cfg.scope, l, current);
        if (open) this.sockets.set(arn, { open, signature: sig(l) });
      } catch (e) {
        this.runtime.log.warn(`elb: listener ${arn} could not open a socket: ${String(e)}`);
      }
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers.values()) t.timer.cancel();
    this.timers.clear();
    await this.pending;
    const all = [...this.sockets.values()];
    this.sockets.clear();
    await Promise.all(all.map((s) => closeSocket(s.open)));
    await this.engine.stop();
  }
}

const engines = new WeakMap<object, ClassicEngine>();

export function classicEngine(runtime: Runtime): ClassicEngine {
  let e = engines.get(runtime.store);
  if (!e) engines.set(runtime.store, (e = new ClassicEngine(runtime)));
  return e;
}

export function dropClassicEngine(runtime: Pick<Runtime, 'store'>): void {
  engines.delete(runtime.store);
}
