// EC2's public API for other services (CloudWatch reads instances' usage, Auto Scaling launches …).
import type { ResourceUsage } from '../../compute/driver.js';
import type { Runtime } from '../../server/context.js';
import { instanceTypeSpec } from './instance-types.js';
import type { Instance, InstanceStateChange, ResponseLaunchTemplateData, RunInstancesRequest } from '../../generated/ec2.js';
import { instanceHandlers } from './instances-api.js';
import { getRecord, instanceTable, putRecord, toInstance } from './instances.js';
import { internalContext, rootCaller, serviceRoleCaller, type Ec2Scope } from './internal-context.js';
import { findTemplate, findVersion } from './launch-templates.js';
import { engineFor } from './lifecycle.js';
import { driverFor } from '../../compute/shared.js';
import { runInstances } from './run-instances.js';
import { statusChecksFor } from './status-checks.js';
import { scope, tables, type Ec2Ctx } from './net-store.js';
import { defaultVpc, getVpc, resolveSecurityGroups, resolveSubnet, type SubnetInfo } from './network.js';

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
  const checks = statusChecksFor(runtime);
  const out: InstanceMetricSource[] = [];
  // one sweep of /proc for every workload, not one per instance (1,000 instances: 1 scan, not 1,000)
  let sampled: Map<string, ResourceUsage> | undefined;
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
      statusCheckFailed: statusCheckFailed(checks.resultOf(r)),
      usage: alive ? (sampled ??= driverFor(runtime).usageAll()).get(handle!.id) : undefined,
    });
  }
  return out;
}

/** What a load balancer needs to know about an instance it targets. */
export interface InstanceTargetInfo {
  InstanceId: string;
  State: string;
  PrivateIpAddress: string;
  VpcId: string;
  SubnetId: string;
  AvailabilityZone: string;
}

function targetInfo(r: { InstanceId: string; State: string; PrivateIpAddress: string; VpcId: string; SubnetId: string; AvailabilityZone: string }): InstanceTargetInfo {
  const { InstanceId, State, PrivateIpAddress, VpcId, SubnetId, AvailabilityZone } = r;
  return { InstanceId, State, PrivateIpAddress, VpcId, SubnetId, AvailabilityZone };
}

/**
 * An instance by id (undefined when it does not exist). With the process driver an instance shares the
 * host's network, so a program listening on port P in it is reachable at 127.0.0.1:P.
 */
export function instanceForTarget(runtime: Pick<Runtime, 'store'>, scope: { account: string; region: string }, instanceId: string): InstanceTargetInfo | undefined {
  const r = instanceTable(runtime).get(scope, instanceId);
  return r ? targetInfo(r) : undefined;
}

/** The instance (not terminated) holding a private address, for IP targets that name an instance's address. */
export function instanceByPrivateIp(runtime: Pick<Runtime, 'store'>, scope: { account: string; region: string }, ip: string): InstanceTargetInfo | undefined {
  const r = instanceTable(runtime)
    .list(scope)
    .find((x) => x.PrivateIpAddress === ip && x.State !== 'terminated');
  return r ? targetInfo(r) : undefined;
}

/** A subnet by id as a load balancer sees it (EC2's InvalidSubnetID.NotFound when missing). */
export function subnetForAttachment(ctx: Ec2Ctx, subnetId: string): SubnetInfo {
  return resolveSubnet(ctx, subnetId);
}

/** The named security groups of a VPC (EC2's errors when one is missing or in another VPC). */
export function securityGroupsOf(ctx: Ec2Ctx, vpcId: string, ids: string[]): { GroupId: string; GroupName: string }[] {
  return resolveSecurityGroups(ctx, vpcId, ids);
}

/** Whether the VPC exists (the default VPC appears on first use, as EC2 does). */
export function vpcExists(ctx: Ec2Ctx, vpcId: string): boolean {
  try {
    getVpc(ctx, vpcId);
    return true;
  } catch {
    return false;
  }
}

/** The default VPC's id and its default subnets (one per zone). */
export function defaultNetwork(ctx: Ec2Ctx): { VpcId: string; Subnets: SubnetInfo[] } | undefined {
  const vpc = defaultVpc(ctx);
  if (!vpc) return undefined;
  const subnets = tables(ctx)
    .subnets.list(scope(ctx))
    .filter((s) => s.VpcId === vpc.VpcId && s.DefaultForAz)
    .map((s) => resolveSubnet(ctx, s.SubnetId));
  return { VpcId: vpc.VpcId, Subnets: subnets };
}

/** The default vCPU count of an instance type (CloudWatch turns a workload's CPU into CPUUtilization with it). */
export function vcpusOfInstanceType(instanceType: string): number | undefined {
  return instanceTypeSpec(instanceType)?.vcpus;
}

/** The last sweep's verdict; before the first sweep of a boot nothing has failed (the checks are initializing). */
function statusCheckFailed(res: { systemFailed: boolean; instanceFailed: boolean } | undefined): InstanceMetricSource['statusCheckFailed'] {
  return { system: res?.systemFailed ?? false, instance: res?.instanceFailed ?? false };
}

export type { Ec2Scope };

/** Who launches for another service: Auto Scaling's service-linked role session when the account has the role, else the root. */
function launcher(runtime: Runtime, account: string) {
  return serviceRoleCaller(runtime, account, 'AWSServiceRoleForAutoScaling', 'AutoScaling') ?? rootCaller(account);
}

/**
 * RunInstances without an HTTP request (Auto Scaling): the same checks, records and boot as the API call,
 * in one store transaction. Throws AwsError with EC2's code and message when EC2 would refuse. A client
 * token makes it idempotent: the instances launched earlier with it are returned.
 */
export function runInstancesInternal(
  runtime: Runtime,
  scope: Ec2Scope,
  input: RunInstancesRequest,
  opts: { clientToken?: string; systemTags?: Record<string, string> } = {},
): Instance[] {
  const ctx = internalContext(runtime, scope, 'RunInstances', launcher(runtime, scope.account));
  const request = opts.clientToken ? { ...input, ClientToken: opts.clientToken } : input;
  return runtime.store.transaction(() => {
    const instances = runInstances(ctx, request).Instances ?? [];
    // tags only AWS may set (aws:autoscaling:groupName): users' TagSpecifications refuse the aws: prefix
    if (opts.systemTags) {
      for (const i of instances) {
        const r = getRecord(ctx, i.InstanceId!);
        if (!r) continue;
        Object.assign(r.Tags, opts.systemTags);
        putRecord(ctx, r);
        i.Tags = toInstance(ctx, r).Tags;
      }
    }
    return instances;
  });
}

/** TerminateInstances for another service; ids that no longer exist are skipped. Termination protection still refuses (AwsError). */
export function terminateInstancesInternal(runtime: Runtime, scope: Ec2Scope, ids: string[]): InstanceStateChange[] {
  const ctx = internalContext(runtime, scope, 'TerminateInstances', launcher(runtime, scope.account));
  return runtime.store.transaction(() => {
    const present = ids.filter((id) => getRecord(ctx, id));
    if (!present.length) return [];
    const out = instanceHandlers.TerminateInstances!(ctx, { InstanceIds: present }) as { TerminatingInstances?: InstanceStateChange[] };
    return out.TerminatingInstances ?? [];
  });
}

/** StopInstances or StartInstances for another service (Auto Scaling's warm pools). Throws AwsError when EC2 refuses. */
function stopOrStart(runtime: Runtime, scope: Ec2Scope, op: 'StopInstances' | 'StartInstances', ids: string[]): InstanceStateChange[] {
  const ctx = internalContext(runtime, scope, op, launcher(runtime, scope.account));
  return runtime.store.transaction(() => {
    const out = instanceHandlers[op]!(ctx, { InstanceIds: ids }) as { StoppingInstances?: InstanceStateChange[]; StartingInstances?: InstanceStateChange[] };
    return out.StoppingInstances ?? out.StartingInstances ?? [];
  });
}

export const stopInstancesInternal = (runtime: Runtime, scope: Ec2Scope, ids: string[]) => stopOrStart(runtime, scope, 'StopInstances', ids);
export const startInstancesInternal = (runtime: Runtime, scope: Ec2Scope, ids: string[]) => stopOrStart(runtime, scope, 'StartInstances', ids);

/** The instances (as DescribeInstances shows them) among `ids`; missing ones are left out. Without ids: all of the scope. */
export function describeInstancesInternal(runtime: Runtime, scope: Ec2Scope, ids?: string[]): Instance[] {
  const ctx = internalContext(runtime, scope, 'DescribeInstances');
  const records = ids ? ids.map((id) => getRecord(ctx, id)).filter((r) => r !== undefined) : instanceTable(runtime).list(scope);
  return records.map((r) => toInstance(ctx, r));
}

/** A launch template version's data, resolved ($Default when Version is absent, $Latest, or a number); AwsError as EC2 answers. */
export function launchTemplateData(
  runtime: Runtime,
  scope: Ec2Scope,
  spec: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string },
): { LaunchTemplateId: string; LaunchTemplateName: string; VersionNumber: number; LaunchTemplateData: ResponseLaunchTemplateData } {
  const ctx = internalContext(runtime, scope, 'DescribeLaunchTemplateVersions');
  const t = findTemplate(ctx, spec);
  const v = findVersion(ctx, t, spec.Version);
  return { LaunchTemplateId: t.LaunchTemplateId, LaunchTemplateName: t.LaunchTemplateName, VersionNumber: v.VersionNumber, LaunchTemplateData: structuredClone(v.LaunchTemplateData) };
}

/** The last status-check sweep's verdict for each of `ids` that is running (Auto Scaling's EC2 health checks). */
export function statusChecksFailedOf(runtime: Runtime, scope: Ec2Scope, ids: string[]): Map<string, InstanceMetricSource['statusCheckFailed']> {
  const checks = statusChecksFor(runtime);
  const out = new Map<string, InstanceMetricSource['statusCheckFailed']>();
  for (const id of ids) {
    const r = instanceTable(runtime).get(scope, id);
    if (r?.State === 'running') out.set(id, statusCheckFailed(checks.resultOf(r)));
  }
  return out;
}

/** Sets (value) or removes (undefined) tags only AWS may write, on an existing instance (Auto Scaling's aws:autoscaling:groupName). */
export function setSystemTags(runtime: Runtime, scope: Ec2Scope, instanceId: string, tags: Record<string, string | undefined>): void {
  const r = instanceTable(runtime).get(scope, instanceId);
  if (!r) return;
  for (const [k, v] of Object.entries(tags)) {
    if (v === undefined) delete r.Tags[k];
    else r.Tags[k] = v;
  }
  instanceTable(runtime).put(scope, instanceId, r);
}

export { costReport, type CostReport, type InstanceCost, type ScopeCost } from './cost-report.js';
export { allInstanceTypes, type InstanceTypeSpec } from './instance-types.js';
export { onDemandPrice } from './list-prices.js';
export { spotPriceAt } from './spot-market.js';
export { vpcEndpointById, type VpcEndpointRecord } from './vpc-endpoints.js';
