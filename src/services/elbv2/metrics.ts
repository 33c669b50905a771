// CloudWatch metrics of load balancers, published every minute of the virtual clock on the bus:
// AWS/ApplicationELB (RequestCount, HTTPCode_ELB_4XX/5XX_Count, HTTPCode_Target_2XX..5XX_Count,
// TargetResponseTime, RequestCountPerTarget, HealthyHostCount, UnHealthyHostCount), AWS/NetworkELB
// (NewFlowCount, HealthyHostCount, UnHealthyHostCount) and AWS/ELB for Classic (RequestCount, Latency,
// HTTPCode_Backend_*, HTTPCode_ELB_5XX, HealthyHostCount, UnHealthyHostCount).
import type { MetricDatum } from '../../events/bus.js';
import type { Engine, LbConfig } from './engine.js';
import { targetKey } from './store.js';

interface Counters {
  counts: Map<string, number>;
  /** target response times in seconds */
  times: number[];
  /** target group ARN → requests */
  perGroup: Map<string, number>;
}

const meters = new WeakMap<Engine, Map<string, Counters>>();

function countersOf(engine: Engine, lbArn: string): Counters {
  let m = meters.get(engine);
  if (!m) meters.set(engine, (m = new Map()));
  let c = m.get(lbArn);
  if (!c) m.set(lbArn, (c = { counts: new Map(), times: [], perGroup: new Map() }));
  return c;
}

const add = (c: Counters, name: string, n = 1) => c.counts.set(name, (c.counts.get(name) ?? 0) + n);

/** A response the load balancer gave itself (fixed responses count as ELB 2XX/4XX/5XX too). */
export function countElb(engine: Engine, lbArn: string, status: number): void {
  const c = countersOf(engine, lbArn);
  add(c, 'RequestCount');
  if (status >= 400) add(c, `HTTPCode_ELB_${Math.floor(status / 100)}XX_Count`);
  else if (status >= 200 && status < 400) add(c, `HTTPCode_ELB_${Math.floor(status / 100)}XX_Count`);
}

const TARGET_CODES = ['', 'HTTPCode_Target_1XX_Count', 'HTTPCode_Target_2XX_Count', 'HTTPCode_Target_3XX_Count', 'HTTPCode_Target_4XX_Count', 'HTTPCode_Target_5XX_Count'];

/** A response from a target, with the time it took. */
export function countTarget(engine: Engine, lbArn: string, tgArn: string, status: number, seconds: number): void {
  const c = countersOf(engine, lbArn);
  add(c, 'RequestCount');
  add(c, TARGET_CODES[Math.floor(status / 100)] ?? `HTTPCode_Target_${Math.floor(status / 100)}XX_Count`);
  c.times.push(seconds);
  c.perGroup.set(tgArn, (c.perGroup.get(tgArn) ?? 0) + 1);
}

export function countFlow(engine: Engine, lbArn: string): void {
  add(countersOf(engine, lbArn), 'NewFlowCount');
}

const lbDimension = (arn: string) => arn.split(':loadbalancer/')[1] ?? arn;
const tgDimension = (arn: string) => arn.split(':').pop() ?? arn;

function stats(values: number[]) {
  return { SampleCount: values.length, Sum: values.reduce((a, b) => a + b, 0), Minimum: Math.min(...values), Maximum: Math.max(...values) };
}

/** The minute's datapoints of one load balancer, and its counters reset. */
function datums(engine: Engine, cfg: LbConfig, classic: boolean, now: Date): MetricDatum[] {
  const c = countersOf(engine, cfg.lb.LoadBalancerArn);
  const out: MetricDatum[] = [];
  const lbDims = classic ? [{ Name: 'LoadBalancerName', Value: cfg.lb.LoadBalancerName }] : [{ Name: 'LoadBalancer', Value: lbDimension(cfg.lb.LoadBalancerArn) }];
  for (const [name, n] of c.counts) {
    const metric = classic ? name.replace('HTTPCode_Target_', 'HTTPCode_Backend_').replace(/_Count$/, '') : name;
    out.push({ MetricName: metric, Dimensions: lbDims, Timestamp: now, Value: n, Unit: 'Count' });
  }
  if (c.times.length) out.push({ MetricName: classic ? 'Latency' : 'TargetResponseTime', Dimensions: lbDims, Timestamp: now, StatisticValues: stats(c.times), Unit: 'Seconds' });
  const seen = new Set<string>();
  for (const [key, tg] of cfg.tgs) {
    if (seen.has(tg.TargetGroupArn)) continue;
    seen.add(tg.TargetGroupArn);
    let healthy = 0;
    let unhealthy = 0;
    for (const t of tg.Targets) {
      const s = engine.healthOf(tg.TargetGroupArn, targetKey(t))?.state;
      if (s === 'healthy') healthy++;
      else if (s === 'unhealthy') unhealthy++;
    }
    const dims = classic ? lbDims : [{ Name: 'TargetGroup', Value: tgDimension(tg.TargetGroupArn) }, ...lbDims];
    out.push({ MetricName: 'HealthyHostCount', Dimensions: dims, Timestamp: now, Value: healthy, Unit: 'Count' });
    out.push({ MetricName: 'UnHealthyHostCount', Dimensions: dims, Timestamp: now, Value: unhealthy, Unit: 'Count' });
    const requests = c.perGroup.get(tg.TargetGroupArn) ?? c.perGroup.get(key);
    if (!classic && requests) {
      out.push({ MetricName: 'RequestCount', Dimensions: dims, Timestamp: now, Value: requests, Unit: 'Count' });
      out.push({
        MetricName: 'RequestCountPerTarget',
        Dimensions: [{ Name: 'TargetGroup', Value: tgDimension(tg.TargetGroupArn) }],
        Timestamp: now,
        Value: requests / Math.max(1, healthy || tg.Targets.length),
        Unit: 'None',
      });
    }
  }
  c.counts.clear();
  c.times = [];
  c.perGroup.clear();
  return out;
}

/** Publishes every load balancer's minute on the bus. */
export function publish(engine: Engine, configs: Iterable<LbConfig>, classic: boolean): void {
  const now = engine.runtime.clock.date();
  for (const cfg of configs) {
    const list = datums(engine, cfg, classic, now);
    if (!list.length) continue;
    const namespace = classic ? 'AWS/ELB' : cfg.lb.Type === 'network' ? 'AWS/NetworkELB' : 'AWS/ApplicationELB';
    engine.runtime.bus.emit('metric', { account: cfg.scope.account, region: cfg.scope.region, namespace, datums: list });
  }
}
