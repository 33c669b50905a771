// vCPU quotas as EC2 enforces them: running On-Demand and Spot instances are counted in vCPUs per
// "instance bucket" (the family letter groups of Service Quotas) per account and region. A launch or a
// start that would pass the bucket's limit fails with VcpuLimitExceeded; RunInstances launches fewer than
// MaxCount (but at least MinCount) when only that many fit, as EC2 does.
// Limits come from CUMULUS_EC2_VCPU_LIMIT_<BUCKET> (on-demand) and CUMULUS_EC2_VCPU_LIMIT_SPOT_<BUCKET>.
// A brand-new AWS account starts far lower (5 vCPUs of Standard); Cumulus's defaults are those of an
// established account, large enough for a benchmark of 1,000 small instances.
import { AwsError } from '../../protocol/errors.js';
import { regional, type Runtime } from '../../server/context.js';
import { instanceTypeSpec } from './instance-types.js';
import { instanceTable, type InstanceRecord } from './instances.js';
import { registerStateListener } from './lifecycle.js';
import type { Ec2Ctx } from './network.js';

export type Bucket = 'STANDARD' | 'F' | 'G' | 'INF' | 'P' | 'X' | 'DL' | 'TRN' | 'HPC';

/** Service Quotas' names of the buckets (On-Demand / Spot). */
export const BUCKET_NAMES: Record<Bucket, [string, string]> = {
  STANDARD: ['Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances', 'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests'],
  F: ['Running On-Demand F instances', 'All F Spot Instance Requests'],
  G: ['Running On-Demand G and VT instances', 'All G and VT Spot Instance Requests'],
  INF: ['Running On-Demand Inf instances', 'All Inf Spot Instance Requests'],
  P: ['Running On-Demand P instances', 'All P Spot Instance Requests'],
  X: ['Running On-Demand X instances', 'All X Spot Instance Requests'],
  DL: ['Running On-Demand DL instances', 'All DL Spot Instance Requests'],
  TRN: ['Running On-Demand Trn instances', 'All Trn Spot Instance Requests'],
  HPC: ['Running On-Demand HPC instances', 'All HPC Spot Instance Requests'],
};

const DEFAULTS: Record<Bucket, [number, number]> = {
  STANDARD: [5120, 5120],
  F: [128, 128],
  G: [256, 256],
  INF: [256, 256],
  P: [384, 384],
  X: [512, 512],
  DL: [96, 96],
  TRN: [256, 256],
  HPC: [384, 384],
};

/** The bucket an instance type's family belongs to. */
export function bucketOf(instanceType: string): Bucket {
  const family = instanceType.split('.')[0]!.toLowerCase();
  if (family.startsWith('inf')) return 'INF';
  if (family.startsWith('trn')) return 'TRN';
  if (family.startsWith('dl')) return 'DL';
  if (family.startsWith('hpc')) return 'HPC';
  if (family.startsWith('vt') || family.startsWith('g')) return 'G';
  const letter = family[0];
  if (letter === 'f') return 'F';
  if (letter === 'p') return 'P';
  if (letter === 'x' || family.startsWith('u-') || family.startsWith('u7')) return 'X';
  return 'STANDARD';
}

export type Market = 'on-demand' | 'spot';

/** The vCPU limit of a bucket for on-demand or spot (environment, else the default). */
export function vcpuLimit(bucket: Bucket, market: Market): number {
  const name = market === 'spot' ? `CUMULUS_EC2_VCPU_LIMIT_SPOT_${bucket}` : `CUMULUS_EC2_VCPU_LIMIT_${bucket}`;
  const v = Number(process.env[name]);
  if (process.env[name] !== undefined && process.env[name] !== '' && Number.isFinite(v) && v >= 0) return Math.floor(v);
  return DEFAULTS[bucket][market === 'spot' ? 1 : 0];
}

/** The market an instance counts against; instances on a Dedicated Host count against the host instead. */
export function marketOf(r: Pick<InstanceRecord, 'SpotInstanceRequestId' | 'Tenancy'>): Market | undefined {
  if (r.Tenancy === 'host') return undefined;
  return r.SpotInstanceRequestId ? 'spot' : 'on-demand';
}

const COUNTED = new Set<InstanceRecord['State']>(['pending', 'running', 'stopping', 'shutting-down']);

/**
 * vCPUs in use per account, region, bucket and market, kept in memory (RunInstances must not scan every
 * instance): built from the records on first use, then moved by each state change (lifecycle.ts tells).
 */
interface Usage {
  totals: Map<string, number>;
  byInstance: Map<string, { key: string; vcpus: number }>;
}
const usages = new WeakMap<object, Usage>();

const usageKey = (scope: { account: string; region: string }, bucket: Bucket, market: Market) => `${scope.account}|${scope.region}|${bucket}|${market}`;

function contribution(scope: { account: string; region: string }, r: InstanceRecord): { key: string; vcpus: number } | undefined {
  const market = marketOf(r);
  if (!market || !COUNTED.has(r.State)) return undefined;
  return { key: usageKey(scope, bucketOf(r.InstanceType), market), vcpus: instanceTypeSpec(r.InstanceType)?.vcpus ?? 0 };
}

function usageOf(ctx: Pick<Ec2Ctx, 'store'>): Usage {
  let u = usages.get(ctx.store);
  if (u) return u;
  u = { totals: new Map(), byInstance: new Map() };
  for (const { scope, record } of instanceTable(ctx).listAll()) {
    const c = contribution(scope, record);
    if (!c) continue;
    u.byInstance.set(`${scope.account}|${scope.region}|${record.InstanceId}`, c);
    u.totals.set(c.key, (u.totals.get(c.key) ?? 0) + c.vcpus);
  }
  usages.set(ctx.store, u);
  return u;
}

registerStateListener((ctx, id) => {
  const u = usages.get(ctx.store);
  if (!u) return; // built from the records on first use
  const scope = regional(ctx);
  const k = `${scope.account}|${scope.region}|${id}`;
  const before = u.byInstance.get(k);
  if (before) {
    u.totals.set(before.key, (u.totals.get(before.key) ?? 0) - before.vcpus);
    u.byInstance.delete(k);
  }
  const r = instanceTable(ctx).get(scope, id);
  const c = r && contribution(scope, r);
  if (c) {
    u.byInstance.set(k, c);
    u.totals.set(c.key, (u.totals.get(c.key) ?? 0) + c.vcpus);
  }
});

/** vCPUs of the account and region's instances in the bucket and market that hold capacity now. */
export function vcpusInUse(ctx: Ec2Ctx, bucket: Bucket, market: Market): number {
  return usageOf(ctx).totals.get(usageKey(regional(ctx), bucket, market)) ?? 0;
}

export function vcpuLimitExceeded(limit: number): AwsError {
  return new AwsError(
    'VcpuLimitExceeded',
    `You have requested more vCPU capacity than your current vCPU limit of ${limit} allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`,
  );
}

/** How many of `max` instances of the type fit in the bucket's limit; VcpuLimitExceeded when fewer than `min` do. */
export function instancesThatFit(ctx: Ec2Ctx, instanceType: string, market: Market | undefined, min: number, max: number): number {
  if (!market) return max;
  const vcpus = instanceTypeSpec(instanceType)?.vcpus ?? 1;
  const bucket = bucketOf(instanceType);
  const limit = vcpuLimit(bucket, market);
  const free = limit - vcpusInUse(ctx, bucket, market);
  const fit = Math.max(0, Math.floor(free / vcpus));
  if (fit < min) throw vcpuLimitExceeded(limit);
  return Math.min(max, fit);
}

/** StartInstances: the stopped instances starting together must fit in their buckets. */
export function checkStartQuota(ctx: Ec2Ctx, starting: InstanceRecord[]): void {
  const need = new Map<string, number>();
  for (const r of starting) {
    const market = marketOf(r);
    if (!market) continue;
    const key = `${bucketOf(r.InstanceType)}|${market}`;
    need.set(key, (need.get(key) ?? 0) + (instanceTypeSpec(r.InstanceType)?.vcpus ?? 0));
  }
  for (const [key, n] of need) {
    const [bucket, market] = key.split('|') as [Bucket, Market];
    const limit = vcpuLimit(bucket, market);
    if (vcpusInUse(ctx, bucket, market) + n > limit) throw vcpuLimitExceeded(limit);
  }
}

/** The quotas with their usage now (the cost report shows them). */
export function quotaUsage(ctx: Ec2Ctx): { bucket: Bucket; market: Market; name: string; limit: number; inUse: number }[] {
  const out: { bucket: Bucket; market: Market; name: string; limit: number; inUse: number }[] = [];
  for (const bucket of Object.keys(BUCKET_NAMES) as Bucket[]) {
    for (const market of ['on-demand', 'spot'] as Market[]) {
      const inUse = vcpusInUse(ctx, bucket, market);
      if (inUse === 0 && bucket !== 'STANDARD') continue;
      out.push({ bucket, market, name: BUCKET_NAMES[bucket][market === 'spot' ? 1 : 0], limit: vcpuLimit(bucket, market), inUse });
    }
  }
  return out;
}

const watched = new WeakSet<object>();

/** A reset drops the records the in-memory usage was built from: it is rebuilt on next use. */
export function startQuotaTracking(runtime: Pick<Runtime, 'bus' | 'store'>): void {
  if (watched.has(runtime.bus)) return;
  watched.add(runtime.bus);
  runtime.bus.on('reset', ({ service }) => {
    if (!service || service === 'ec2') usages.delete(runtime.store);
  });
}
