// Attribute-based instance type selection: an override's InstanceRequirements (vCPUs, memory, CPU maker,
// generation, burstable, local storage, accelerators, network bandwidth, allowed/excluded types with
// wildcards, price protection) stands for every type of EC2's catalogue that has those attributes.
import type { InstanceRequirements } from '../../generated/autoscaling.js';
import * as ec2 from '../ec2/index.js';
import { validation } from './errors.js';

type Spec = ec2.InstanceTypeSpec;

/** AWS's price protection defaults: 20 % above the lowest on-demand price, 100 % above the lowest spot price. */
const ON_DEMAND_PROTECTION = 20;
const SPOT_PROTECTION = 100;

const within = (v: number, r: { Min?: number; Max?: number } | undefined) => !r || ((r.Min === undefined || v >= r.Min) && (r.Max === undefined || v <= r.Max));

/** Whether `name` matches a pattern with * wildcards (c5*.*, m5a.*, r*, *3*). */
function wildcard(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

/** The CPU maker: Graviton families end in g (t4g, m6g, c7g…); the others of the catalogue are Intel. */
function cpuManufacturer(s: Spec): string {
  return s.arch === 'arm64' ? 'amazon-web-services' : 'intel';
}

/** The network bandwidth in Gbps from EC2's figure ("Up to 12.5 Gigabit", "4x 100 Gigabit", "Moderate"). */
function networkGbps(s: Spec): number {
  const m = /(?:(\d+)x\s+)?([\d.]+)\s+Gigabit/.exec(s.network);
  if (m) return Number(m[2]) * Number(m[1] ?? 1);
  return s.network === 'High' ? 1 : s.network === 'Moderate' ? 0.75 : 0.3;
}

function matchesAttributes(r: InstanceRequirements, s: Spec): boolean {
  if (!within(s.vcpus, r.VCpuCount) || !within(s.memoryMiB, r.MemoryMiB)) return false;
  if (r.MemoryGiBPerVCpu && !within(s.memoryMiB / 1024 / s.vcpus, r.MemoryGiBPerVCpu)) return false;
  if (r.CpuManufacturers?.length && !r.CpuManufacturers.includes(cpuManufacturer(s) as never)) return false;
  if (r.InstanceGenerations?.length && !r.InstanceGenerations.includes(s.currentGeneration ? 'current' : 'previous')) return false;
  // the catalogue has no bare-metal types
  if (r.BareMetal === 'required') return false;
  const burstable = r.BurstablePerformance ?? 'excluded';
  if ((burstable === 'excluded' && s.burstable) || (burstable === 'required' && !s.burstable)) return false;
  const local = r.LocalStorage ?? 'included';
  if ((local === 'excluded' && s.storage) || (local === 'required' && !s.storage)) return false;
  if (s.storage) {
    if (r.LocalStorageTypes?.length && !r.LocalStorageTypes.includes(s.storage[2])) return false;
    if (!within(s.storage[0] * s.storage[1], r.TotalLocalStorageGB)) return false;
  } else if (r.TotalLocalStorageGB?.Min !== undefined && r.TotalLocalStorageGB.Min > 0) return false;
  const gpus = s.gpus?.[0] ?? 0;
  if (!within(gpus, r.AcceleratorCount)) return false;
  if (gpus > 0) {
    if (r.AcceleratorTypes?.length && !r.AcceleratorTypes.includes('gpu')) return false;
    if (r.AcceleratorManufacturers?.length && !r.AcceleratorManufacturers.includes(s.gpus![2].toLowerCase() as never)) return false;
    if (r.AcceleratorNames?.length && !r.AcceleratorNames.includes(s.gpus![1].toLowerCase() as never)) return false;
    if (!within(gpus * s.gpus![3], r.AcceleratorTotalMemoryMiB)) return false;
  } else if (r.AcceleratorNames?.length || r.AcceleratorManufacturers?.length || (r.AcceleratorTypes?.length && !r.AcceleratorCount)) {
    // naming accelerators asks for them
    return false;
  }
  if (!within(networkGbps(s), r.NetworkBandwidthGbps)) return false;
  if (r.AllowedInstanceTypes?.length && !r.AllowedInstanceTypes.some((p) => wildcard(p, s.name))) return false;
  if (r.ExcludedInstanceTypes?.some((p) => wildcard(p, s.name))) return false;
  return true;
}

/** Whether a type has the attributes (price protection aside): an instance refresh's SkipMatching asks. */
export function typeSatisfies(r: InstanceRequirements, type: string): boolean {
  const s = ec2.allInstanceTypes().find((x) => x.name === type);
  return !!s && matchesAttributes(r, s);
}

/** Checks InstanceRequirements as AWS does (the model checks the required fields). */
export function checkInstanceRequirements(r: InstanceRequirements): void {
  for (const [name, range] of Object.entries({ VCpuCount: r.VCpuCount, MemoryMiB: r.MemoryMiB, MemoryGiBPerVCpu: r.MemoryGiBPerVCpu, AcceleratorCount: r.AcceleratorCount, TotalLocalStorageGB: r.TotalLocalStorageGB, NetworkBandwidthGbps: r.NetworkBandwidthGbps, AcceleratorTotalMemoryMiB: r.AcceleratorTotalMemoryMiB })) {
    const x = range as { Min?: number; Max?: number } | undefined;
    if (x?.Min !== undefined && x.Max !== undefined && x.Min > x.Max) throw validation(`The minimum value of ${name} must be less than or equal to its maximum value.`);
  }
  if (r.AllowedInstanceTypes?.length && r.ExcludedInstanceTypes?.length) throw validation('You can specify either AllowedInstanceTypes or ExcludedInstanceTypes, but not both.');
  if (r.SpotMaxPricePercentageOverLowestPrice !== undefined && r.MaxSpotPriceAsPercentageOfOptimalOnDemandPrice !== undefined) {
    throw validation('You can specify either SpotMaxPricePercentageOverLowestPrice or MaxSpotPriceAsPercentageOfOptimalOnDemandPrice, but not both.');
  }
  if (!ec2.allInstanceTypes().some((s) => matchesAttributes(r, s))) throw validation('No instance types match the specified instance requirements.');
}

/**
 * The catalogue's types with the attributes, then price protection: a type whose price is more than the
 * threshold above the lowest price of the matching current-generation C, M and R types (of all matching
 * types when there are none) is left out. `price` is the price of the market the launch uses.
 */
export function typesMatching(r: InstanceRequirements, market: 'on-demand' | 'spot', price: (type: string) => number | undefined): string[] {
  const matching = ec2.allInstanceTypes().filter((s) => matchesAttributes(r, s));
  const priced = matching.map((s) => ({ s, p: price(s.name) })).filter((x): x is { s: Spec; p: number } => x.p !== undefined);
  const reference = priced.filter((x) => x.s.currentGeneration && /^[cmr]\d/.test(x.s.name));
  const base = (reference.length ? reference : priced).reduce((m, x) => Math.min(m, x.p), Infinity);
  let pct = market === 'spot' ? (r.SpotMaxPricePercentageOverLowestPrice ?? SPOT_PROTECTION) : (r.OnDemandMaxPricePercentageOverLowestPrice ?? ON_DEMAND_PROTECTION);
  let limit = base * (1 + pct / 100);
  if (market === 'spot' && r.MaxSpotPriceAsPercentageOfOptimalOnDemandPrice !== undefined) {
    // the spot threshold is then a share of the lowest on-demand price
    const od = reference.length ? reference : priced;
    const lowestOnDemand = od.reduce((m, x) => Math.min(m, ec2.onDemandPrice(x.s.name) ?? Infinity), Infinity);
    pct = r.MaxSpotPriceAsPercentageOfOptimalOnDemandPrice;
    limit = lowestOnDemand * (pct / 100);
  }
  return priced.filter((x) => x.p <= limit + 1e-9).map((x) => x.s.name);
}
