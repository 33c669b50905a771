// AWS/EC2 metrics from the instances' real usage: sampled every minute of the clock, published every minute
// for detailed monitoring and as one five-minute statistic set for basic monitoring, per InstanceId and
// aggregated by ImageId, InstanceType, AutoScalingGroupName and across all instances.
// The process driver cannot tell a workload's network traffic apart from the host's: NetworkIn/Out (and the
// packet counts) are then not published rather than invented.
import type { MetricDatum } from '../../events/bus.js';
import type { Runtime } from '../../server/context.js';
import { runningInstancesForMetrics, vcpusOfInstanceType } from '../ec2/index.js';
import { onGrid } from './grid-timer.js';
import { toStored } from './metrics-api.js';
import { metricsOf } from './state.js';

interface Acc {
  n: number;
  sum: number;
  min: number;
  max: number;
}

interface InstanceState {
  /** per metric name: samples since the last publication */
  acc: Map<string, Acc>;
  lastDisk?: { read: number; write: number };
}

const UNITS: Record<string, string> = {
  CPUUtilization: 'Percent',
  DiskReadBytes: 'Bytes',
  DiskWriteBytes: 'Bytes',
  NetworkIn: 'Bytes',
  NetworkOut: 'Bytes',
  StatusCheckFailed: 'Count',
  StatusCheckFailed_Instance: 'Count',
  StatusCheckFailed_System: 'Count',
};

// byte counts add up over a period; the rest are levels
const SUMMED = new Set(['DiskReadBytes', 'DiskWriteBytes', 'NetworkIn', 'NetworkOut']);

export function startEc2Metrics(runtime: Runtime): () => void {
  const states = new Map<string, InstanceState>();
  const lastNet = new Map<string, { rx: number; tx: number }>();
  const tick = () => {
    const now = runtime.clock.now();
    const minute = Math.floor(now / 60_000);
    let sources: ReturnType<typeof runningInstancesForMetrics>;
    try {
      sources = runningInstancesForMetrics(runtime);
    } catch (err) {
      runtime.log.warn(`cloudwatch: could not read EC2 instances: ${(err as Error).message}`);
      return;
    }
    const byScope = new Map<string, { account: string; region: string; datums: MetricDatum[] }>();
    const seen = new Set<string>();
    for (const src of sources) {
      seen.add(src.InstanceId);
      let st = states.get(src.InstanceId);
      if (!st) states.set(src.InstanceId, (st = { acc: new Map() }));
      const sample = (name: string, v: number) => {
        const a = st!.acc.get(name) ?? { n: 0, sum: 0, min: Infinity, max: -Infinity };
        a.n++;
        a.sum += v;
        a.min = Math.min(a.min, v);
        a.max = Math.max(a.max, v);
        st!.acc.set(name, a);
      };
      const u = src.usage;
      if (u) {
        const vcpus = vcpusOfInstanceType(src.InstanceType) ?? 1;
        sample('CPUUtilization', Math.min(100, u.cpuPercent / vcpus));
        const prev = st.lastDisk;
        sample('DiskReadBytes', prev ? Math.max(0, u.diskReadBytes - prev.read) : 0);
        sample('DiskWriteBytes', prev ? Math.max(0, u.diskWriteBytes - prev.write) : 0);
        st.lastDisk = { read: u.diskReadBytes, write: u.diskWriteBytes };
        if (u.networkRxBytes !== undefined && u.networkTxBytes !== undefined) {
          const p = lastNet.get(src.InstanceId);
          sample('NetworkIn', p ? Math.max(0, u.networkRxBytes - p.rx) : 0);
          sample('NetworkOut', p ? Math.max(0, u.networkTxBytes - p.tx) : 0);
          lastNet.set(src.InstanceId, { rx: u.networkRxBytes, tx: u.networkTxBytes });
        }
      }
      const sys = src.statusCheckFailed.system ? 1 : 0;
      const inst = src.statusCheckFailed.instance ? 1 : 0;
      sample('StatusCheckFailed_System', sys);
      sample('StatusCheckFailed_Instance', inst);
      sample('StatusCheckFailed', sys || inst);

      const every = src.detailedMonitoring ? 1 : 5;
      if (minute % every !== 0) continue;
      const key = `${src.account}/${src.region}`;
      let g = byScope.get(key);
      if (!g) byScope.set(key, (g = { account: src.account, region: src.region, datums: [] }));
      const ts = new Date(minute * 60_000 - every * 60_000);
      // the aggregates by ImageId, InstanceType and across instances come from detailed monitoring only, as in AWS
      const dimSets: { Name: string; Value: string }[][] = [[{ Name: 'InstanceId', Value: src.InstanceId }]];
      if (src.detailedMonitoring) dimSets.push([{ Name: 'ImageId', Value: src.ImageId }], [{ Name: 'InstanceType', Value: src.InstanceType }], []);
      if (src.autoScalingGroupName) dimSets.push([{ Name: 'AutoScalingGroupName', Value: src.autoScalingGroupName }]);
      for (const [name, a] of st.acc) {
        if (!a.n) continue;
        // a summed metric's period value is the sum of its samples; a level's is their statistics
        const stats = SUMMED.has(name) ? { SampleCount: 1, Sum: a.sum, Minimum: a.sum, Maximum: a.sum } : { SampleCount: a.n, Sum: a.sum, Minimum: a.min, Maximum: a.max };
        for (const dims of dimSets) {
          g.datums.push({ MetricName: name, Dimensions: dims, Timestamp: ts, StatisticValues: stats, Unit: UNITS[name] });
        }
      }
      st.acc.clear();
    }
    for (const id of states.keys()) if (!seen.has(id)) states.delete(id);
    for (const g of byScope.values()) {
      try {
        metricsOf(runtime).put(g.account, g.region, 'AWS/EC2', toStored(g.datums, now, false));
      } catch (err) {
        runtime.log.warn(`cloudwatch: publishing AWS/EC2 failed: ${(err as Error).message}`);
      }
    }
  };
  const timer = onGrid(runtime.clock, 60_000, tick);
  return () => timer.cancel();
}
