// MixedInstancesPolicy: which market (on-demand or spot) and instance type the next launch uses, so the
// group keeps its OnDemandBaseCapacity and OnDemandPercentageAboveBaseCapacity; capacity counted in the
// overrides' weights; overrides given as InstanceRequirements stand for the catalogue's matching types;
// the lowest-price strategies rank by EC2's on-demand list prices and its spot market's prices of the hour.
import type { LaunchTemplateOverrides } from '../../generated/autoscaling.js';
import * as ec2 from '../ec2/index.js';
import { validation } from './errors.js';
import { checkInstanceRequirements, typesMatching } from './instance-requirements.js';
import type { GroupInstanceRecord, GroupRecord } from './store.js';

export type Market = 'on-demand' | 'spot';

export interface LaunchChoice {
  market: Market;
  /** instance types to try, best first (a refused one gives way to the next) */
  overrides: LaunchTemplateOverrides[];
}

const SPOT_STRATEGIES = ['lowest-price', 'capacity-optimized', 'capacity-optimized-prioritized', 'price-capacity-optimized'];
const ON_DEMAND_STRATEGIES = ['prioritized', 'lowest-price'];

/** Checks a MixedInstancesPolicy as AWS does. */
export function checkMixedPolicy(p: GroupRecord['MixedInstancesPolicy']): void {
  if (!p) return;
  if (!p.LaunchTemplate?.LaunchTemplateSpecification) throw validation('A launch template must be specified in the MixedInstancesPolicy.');
  const d = p.InstancesDistribution ?? {};
  if (d.SpotAllocationStrategy !== undefined && !SPOT_STRATEGIES.includes(d.SpotAllocationStrategy)) {
    throw validation(`Invalid spot allocation strategy: ${d.SpotAllocationStrategy}. Valid values are ${SPOT_STRATEGIES.join(', ')}.`);
  }
  if (d.OnDemandAllocationStrategy !== undefined && !ON_DEMAND_STRATEGIES.includes(d.OnDemandAllocationStrategy)) {
    throw validation(`Invalid on-demand allocation strategy: ${d.OnDemandAllocationStrategy}. Valid values are ${ON_DEMAND_STRATEGIES.join(', ')}.`);
  }
  if (d.OnDemandPercentageAboveBaseCapacity !== undefined && (d.OnDemandPercentageAboveBaseCapacity < 0 || d.OnDemandPercentageAboveBaseCapacity > 100)) {
    throw validation('OnDemandPercentageAboveBaseCapacity must be between 0 and 100.');
  }
  if (d.SpotMaxPrice !== undefined && d.SpotMaxPrice !== '' && !(Number(d.SpotMaxPrice) > 0)) throw validation(`Invalid SpotMaxPrice: ${d.SpotMaxPrice}`);
  const overrides = p.LaunchTemplate.Overrides ?? [];
  if (overrides.length > 40) throw validation('The number of overrides exceeds the limit of 40.');
  const weighted = overrides.filter((o) => o.WeightedCapacity !== undefined);
  if (weighted.length && weighted.length !== overrides.length) throw validation('If you specify WeightedCapacity for one instance type, you must specify it for all instance types.');
  for (const o of weighted) {
    const w = Number(o.WeightedCapacity);
    if (!Number.isInteger(w) || w < 1 || w > 999) throw validation(`Invalid WeightedCapacity: ${o.WeightedCapacity}. It must be an integer between 1 and 999.`);
  }
  const types = overrides.map((o) => o.InstanceType).filter(Boolean);
  if (new Set(types).size !== types.length) throw validation('Duplicate instance types are not allowed in the overrides.');
  for (const o of overrides) {
    if (o.InstanceRequirements && o.InstanceType) throw validation('You can specify either InstanceType or InstanceRequirements in an override, but not both.');
    if (o.InstanceRequirements) checkInstanceRequirements(o.InstanceRequirements);
  }
  const withRequirements = overrides.filter((o) => o.InstanceRequirements).length;
  if (withRequirements && withRequirements !== overrides.length) throw validation('If you specify InstanceRequirements in one override, you must specify it in all overrides.');
  if (withRequirements && d.OnDemandAllocationStrategy === 'prioritized') {
    throw validation('The prioritized on-demand allocation strategy is not supported with InstanceRequirements: use lowest-price.');
  }
}

const attributeBased = (p: GroupRecord['MixedInstancesPolicy']) => !!p?.LaunchTemplate?.Overrides?.some((o) => o.InstanceRequirements);

/** The capacity units one instance counts for (1 without weights). */
export function weightOf(i: Pick<GroupInstanceRecord, 'WeightedCapacity'>): number {
  return Number(i.WeightedCapacity ?? 1) || 1;
}

export function capacityOf(list: GroupInstanceRecord[]): number {
  let n = 0;
  for (const i of list) n += weightOf(i);
  return n;
}

/** The weight an override gives (1 without weights). */
export const overrideWeight = (o: LaunchTemplateOverrides | undefined) => Number(o?.WeightedCapacity ?? 1) || 1;

/** How much of `desired` should be on-demand: the base, then the percentage of the rest (rounded up, in favour of on-demand). */
export function onDemandTarget(g: GroupRecord, desired: number): number {
  const d = g.MixedInstancesPolicy?.InstancesDistribution ?? {};
  const base = Math.min(desired, d.OnDemandBaseCapacity ?? 0);
  const pct = d.OnDemandPercentageAboveBaseCapacity ?? 100;
  return base + Math.ceil(((desired - base) * pct) / 100);
}

/** Where and when prices are read: the group's zones at the launch's virtual time. */
export interface PriceContext {
  now: number;
  zones: string[];
}

/** The price (USD/hour) of a type in a market: the on-demand list price, or the spot price of the hour averaged over the zones. */
function priceOf(type: string, market: Market, at: PriceContext | undefined): number | undefined {
  if (market === 'on-demand' || !at?.zones.length) return ec2.onDemandPrice(type);
  const prices = at.zones.map((z) => ec2.spotPriceAt(type, z, at.now)).filter((p): p is number => p !== undefined);
  return prices.length ? prices.reduce((a, b) => a + b, 0) / prices.length : undefined;
}

/** The overrides with InstanceRequirements replaced by the types they stand for (in the catalogue's order). */
function expand(overrides: LaunchTemplateOverrides[], market: Market, at: PriceContext | undefined): LaunchTemplateOverrides[] {
  return overrides.flatMap((o) => {
    if (!o.InstanceRequirements) return [o];
    const { InstanceRequirements: req, ...rest } = o;
    return typesMatching(req, market, (t) => priceOf(t, market, at)).map((t) => ({ ...rest, InstanceType: t }));
  });
}

/** The market and instance types for the group's next launch, given its instances now. */
export function nextLaunch(g: GroupRecord, active: GroupInstanceRecord[], desired: number, at?: PriceContext): LaunchChoice {
  const p = g.MixedInstancesPolicy!;
  const d = p.InstancesDistribution ?? {};
  const onDemandNow = capacityOf(active.filter((i) => !i.spot));
  const market: Market = onDemandNow < onDemandTarget(g, desired) ? 'on-demand' : 'spot';
  const overrides = p.LaunchTemplate?.Overrides?.length ? expand(p.LaunchTemplate.Overrides, market, at) : [{}];
  // a type without a price (outside EC2's list) goes last
  const rank = (o: LaunchTemplateOverrides) => (o.InstanceType ? (priceOf(o.InstanceType, market, at) ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER) / overrideWeight(o);
  const byPrice = [...overrides].sort((a, b) => rank(a) - rank(b));
  const onDemandStrategy = d.OnDemandAllocationStrategy ?? (attributeBased(p) ? 'lowest-price' : 'prioritized');
  if (market === 'on-demand') return { market, overrides: onDemandStrategy === 'lowest-price' ? byPrice : overrides };
  const strategy = d.SpotAllocationStrategy ?? 'price-capacity-optimized';
  // capacity-optimized(-prioritized): every pool has the same depth in Cumulus, so the overrides' order decides
  return { market, overrides: strategy === 'lowest-price' || strategy === 'price-capacity-optimized' ? byPrice : overrides };
}

/** Which market holds more than its share, for scale-in (AWS keeps the distribution when terminating). */
export function surplusMarket(g: GroupRecord, active: GroupInstanceRecord[], desiredAfter: number): Market | undefined {
  if (!g.MixedInstancesPolicy) return undefined;
  const target = onDemandTarget(g, desiredAfter);
  const od = capacityOf(active.filter((i) => !i.spot));
  const spot = capacityOf(active.filter((i) => i.spot));
  if (od > target) return 'on-demand';
  if (spot > desiredAfter - target) return 'spot';
  return undefined;
}

/** The policy as AWS stores and shows it: the distribution's defaults filled in. */
export function normalizeMixed(p: NonNullable<GroupRecord['MixedInstancesPolicy']>): NonNullable<GroupRecord['MixedInstancesPolicy']> {
  checkMixedPolicy(p);
  const d = p.InstancesDistribution ?? {};
  const spot = d.SpotAllocationStrategy ?? 'lowest-price';
  return {
    ...p,
    InstancesDistribution: {
      OnDemandAllocationStrategy: d.OnDemandAllocationStrategy ?? (attributeBased(p) ? 'lowest-price' : 'prioritized'),
      OnDemandBaseCapacity: d.OnDemandBaseCapacity ?? 0,
      OnDemandPercentageAboveBaseCapacity: d.OnDemandPercentageAboveBaseCapacity ?? 100,
      SpotAllocationStrategy: spot,
      ...(spot === 'lowest-price' ? { SpotInstancePools: d.SpotInstancePools ?? 2 } : {}),
      ...(d.SpotMaxPrice !== undefined ? { SpotMaxPrice: d.SpotMaxPrice } : {}),
    },
  };
}
