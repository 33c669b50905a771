// EC2's public API for other services (CloudWatch reads instances' usage, Auto Scaling launches …).
import type { ResourceUsage } from '../../compute/driver.js';
import type { Runtime } from '../../server/context.js';
import { instanceTable } from './instances.js';
import { engineFor } from './lifecycle.js';

/** What CloudWatch needs to publish AWS/EC2 metrics for one running instance. */
export interface InstanceMetricSource {
  account: string;
  region: string;
  InstanceId: string;
  ImageId: string;
  InstanceType: string;
  /** detailed monitoring publishes every minute, basic every 5 minutes */
  detailedMonitoring: boolean;
  /** the aws:autoscaling:groupName tag, for the AutoScalingGroupName dimension */
  autoScalingGroupName?: string;
  /** the last status-check sweep: true when the check failed */
  statusCheckFailed: { system: boolean; instance: boolean };
  /** the workload's usage now; undefined while it is not running */
  usage?: ResourceUsage;
}

/** Every running instance across accounts and regions, with its usage sampled now. */
export function runningInstancesForMetrics(runtime: Runtime): InstanceMetricSource[] {
  const engine = engineFor(runtime);
  const out: InstanceMetricSource[] = [];
  for (const { scope, record: r } of instanceTable(runtime).listAll()) {
    if (r.State !== 'running') continue;
    const handle = engine.handleOf(r.InstanceId);
    const alive = handle?.state === 'running';
    out.push({
      account: scope.account,
      region: scope.region,
      InstanceId: r.InstanceId,
      ImageId: r.ImageId,
      InstanceType: r.InstanceType,
      detailedMonitoring: r.Monitoring === 'enabled',
      autoScalingGroupName: r.Tags['aws:autoscaling:groupName'],
      statusCheckFailed: { system: false, instance: !alive },
      usage: alive ? handle!.usage() : undefined,
    });
  }
  return out;
}
