// Reserved Instances: offerings derived from the on-demand list prices (approximate AWS-like discounts),
// purchases (payment-pending → active → retired on the clock), and the reservations that cost tracking
// applies to matching running on-demand instances (type + zone for zonal, type for regional).
import { createHash, randomUUID } from 'node:crypto';
import type { Ec2Operations, ReservedInstances, ReservedInstancesOffering } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { TagMap } from '../../protocol/tags.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf } from './filters.js';
import { allInstanceTypes } from './instance-types.js';
import { onDemandPrice } from './list-prices.js';
import type { Ec2Ctx } from './network.js';
import { availabilityZones } from './regions.js';

export const ONE_YEAR = 31_536_000;
export const THREE_YEARS = 94_608_000;
type OfferingClass = 'standard' | 'convertible';
type OfferingType = 'No Upfront' | 'Partial Upfront' | 'All Upfront';

/**
 * Discounts off the on-demand price (approximate, close to AWS's published averages for Linux):
 * standard 40% (1 year) / 60% (3 years), convertible 31% / 54%, for All Upfront; Partial Upfront saves
 * two points less and No Upfront five points less.
 */
const DISCOUNT: Record<OfferingClass, Record<number, number>> = {
  standard: { [ONE_YEAR]: 0.4, [THREE_YEARS]: 0.6 },
  convertible: { [ONE_YEAR]: 0.31, [THREE_YEARS]: 0.54 },
};
const PAYMENT_PENALTY: Record<OfferingType, number> = { 'All Upfront': 0, 'Partial Upfront': 0.02, 'No Upfront': 0.05 };

interface Offering {
  id: string;
  InstanceType: string;
  AvailabilityZone?: string;
  AvailabilityZoneId?: string;
  Duration: number;
  OfferingClass: OfferingClass;
  OfferingType: OfferingType;
  FixedPrice: number;
  /** USD per hour charged whether used or not */
  Hourly: number;
  /** what an hour of a covered instance costs in all (upfront spread over the term + hourly) */
  EffectiveHourly: number;
}

export interface ReservationRecord {
  ReservedInstancesId: string;
  OfferingId: string;
  InstanceType: string;
  AvailabilityZone?: string;
  AvailabilityZoneId?: string;
  Duration: number;
  OfferingClass: OfferingClass;
  OfferingType: OfferingType;
  FixedPrice: number;
  Hourly: number;
  EffectiveHourly: number;
  InstanceCount: number;
  /** virtual epoch ms */
  Start: number;
  Tags: TagMap;
  /** made by ModifyReservedInstances: active from its start (no payment) */
  FromModification?: string;
  /** retired early: exchanged for others by ModifyReservedInstances (virtual epoch ms) */
  RetiredAt?: number;
}

export const reservationTable = (ctx: Pick<Ec2Ctx, 'store'>) => ctx.store.table<ReservationRecord>('ec2', 'reserved-instances');

/** Virtual seconds a purchase stays payment-pending (CUMULUS_EC2_RI_PAYMENT_SECONDS, default 60). */
export function paymentDelayMs(): number {
  const s = Number(process.env.CUMULUS_EC2_RI_PAYMENT_SECONDS ?? 60);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 60_000;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

function uuidOf(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('/')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const offeringCache = new Map<string, Offering[]>();

/** Every offering of a region (built once: the catalog × scopes × terms × payment options × classes). */
function offeringsOf(region: string): Offering[] {
  let list = offeringCache.get(region);
  if (list) return list;
  list = [];
  const scopes: ({ ZoneName: string; ZoneId: string } | undefined)[] = [undefined, ...availabilityZones(region)];
  for (const t of allInstanceTypes()) {
    const price = onDemandPrice(t.name);
    if (price === undefined) continue;
    for (const zone of scopes) {
      for (const cls of ['standard', 'convertible'] as OfferingClass[]) {
        for (const duration of [ONE_YEAR, THREE_YEARS]) {
          for (const type of ['No Upfront', 'Partial Upfront', 'All Upfront'] as OfferingType[]) {
            const effective = price * (1 - DISCOUNT[cls][duration]! + PAYMENT_PENALTY[type]);
            const hours = duration / 3600;
            const fixed = type === 'All Upfront' ? round(effective * hours, 0) : type === 'Partial Upfront' ? round((effective * hours) / 2, 0) : 0;
            const hourly = type === 'All Upfront' ? 0 : type === 'Partial Upfront' ? round(effective / 2, 4) : round(effective, 4);
            list.push({
              id: uuidOf(region, t.name, zone?.ZoneName ?? 'region', cls, String(duration), type),
              InstanceType: t.name,
              AvailabilityZone: zone?.ZoneName,
              AvailabilityZoneId: zone?.ZoneId,
              Duration: duration,
              OfferingClass: cls,
              OfferingType: type,
              FixedPrice: fixed,
              Hourly: hourly,
              EffectiveHourly: fixed / hours + hourly,
            });
          }
        }
      }
    }
  }
  offeringCache.set(region, list);
  return list;
}

function toOffering(o: Offering): ReservedInstancesOffering {
  return {
    ReservedInstancesOfferingId: o.id,
    InstanceType: o.InstanceType as ReservedInstancesOffering['InstanceType'],
    AvailabilityZone: o.AvailabilityZone,
    AvailabilityZoneId: o.AvailabilityZoneId,
    Duration: o.Duration,
    UsagePrice: 0,
    FixedPrice: o.FixedPrice,
    ProductDescription: 'Linux/UNIX',
    InstanceTenancy: 'default',
    CurrencyCode: 'USD',
    OfferingType: o.OfferingType,
    OfferingClass: o.OfferingClass,
    RecurringCharges: [{ Frequency: 'Hourly', Amount: o.Hourly }],
    Marketplace: false,
    PricingDetails: [],
    Scope: o.AvailabilityZone ? 'Availability Zone' : 'Region',
  };
}

export type ReservationState = 'payment-pending' | 'active' | 'retired';

/** The state a reservation has at a virtual time. */
export function reservationState(r: Pick<ReservationRecord, 'Start' | 'Duration' | 'FromModification' | 'RetiredAt'>, now: number): ReservationState {
  const [start, end] = activeWindow(r);
  if (now < start) return 'payment-pending';
  if (now < end) return 'active';
  return 'retired';
}

/** When the reservation applies: from payment to the end of its term (or its exchange). */
export function activeWindow(r: Pick<ReservationRecord, 'Start' | 'Duration' | 'FromModification' | 'RetiredAt'>): [number, number] {
  const end = Math.min(r.Start + r.Duration * 1000, r.RetiredAt ?? Infinity);
  return [r.FromModification ? r.Start : r.Start + paymentDelayMs(), end];
}

function toReserved(r: ReservationRecord, now: number): ReservedInstances {
  return {
    ReservedInstancesId: r.ReservedInstancesId,
    InstanceType: r.InstanceType as ReservedInstances['InstanceType'],
    AvailabilityZone: r.AvailabilityZone,
    AvailabilityZoneId: r.AvailabilityZoneId,
    Start: new Date(r.Start).toISOString(),
    End: new Date(r.Start + r.Duration * 1000).toISOString(),
    Duration: r.Duration,
    UsagePrice: 0,
    FixedPrice: r.FixedPrice,
    InstanceCount: r.InstanceCount,
    ProductDescription: 'Linux/UNIX',
    State: reservationState(r, now),
    InstanceTenancy: 'default',
    CurrencyCode: 'USD',
    OfferingType: r.OfferingType,
    OfferingClass: r.OfferingClass,
    RecurringCharges: [{ Frequency: 'Hourly', Amount: r.Hourly }],
    Scope: r.AvailabilityZone ? 'Availability Zone' : 'Region',
    Tags: Object.entries(r.Tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

export function listReservations(ctx: Ec2Ctx): ReservationRecord[] {
  return reservationTable(ctx).list(regional(ctx));
}

const common = {
  'availability-zone': (x: { AvailabilityZone?: string }) => x.AvailabilityZone,
  duration: (x: { Duration?: number }) => x.Duration,
  'fixed-price': (x: { FixedPrice?: number }) => x.FixedPrice,
  'instance-type': (x: { InstanceType?: string }) => x.InstanceType,
  'product-description': () => 'Linux/UNIX',
  scope: (x: { Scope?: string }) => x.Scope,
  'usage-price': () => 0,
  'instance-tenancy': () => 'default',
};

export const reservedHandlers: Handlers<Ec2Operations> = {
  DescribeReservedInstancesOfferings(ctx, input) {
    dryRun(input);
    if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 100)) {
      throw new AwsError('InvalidParameterValue', `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 1 and 100.`);
    }
    if (input.AvailabilityZone && !availabilityZones(ctx.region).some((z) => z.ZoneName === input.AvailabilityZone)) {
      throw new AwsError('InvalidParameterValue', `Invalid availability zone: [${input.AvailabilityZone}]`);
    }
    const ids = input.ReservedInstancesOfferingIds;
    const list = offeringsOf(ctx.region).filter(
      (o) =>
        (!ids?.length || ids.includes(o.id)) &&
        (!input.InstanceType || o.InstanceType === input.InstanceType) &&
        (!input.AvailabilityZone || o.AvailabilityZone === input.AvailabilityZone) &&
        (!input.AvailabilityZoneId || o.AvailabilityZoneId === input.AvailabilityZoneId) &&
        (input.MinDuration === undefined || o.Duration >= input.MinDuration) &&
        (input.MaxDuration === undefined || o.Duration <= input.MaxDuration) &&
        (!input.OfferingClass || o.OfferingClass === input.OfferingClass) &&
        (!input.OfferingType || o.OfferingType === input.OfferingType) &&
        (!input.InstanceTenancy || input.InstanceTenancy === 'default') &&
        (!input.ProductDescription || input.ProductDescription.startsWith('Linux/UNIX')),
    );
    const views = applyFilters(list.map(toOffering), input.Filters, {
      ...common,
      marketplace: () => false,
      'reserved-instances-offering-id': (o) => o.ReservedInstancesOfferingId,
    });
    const page = pageOf(views, { NextToken: input.NextToken, MaxResults: input.MaxResults }, (o) => o.ReservedInstancesOfferingId!, { defaultMax: 100, invalidTokenCode: 'InvalidParameterValue' });
    return { ReservedInstancesOfferings: page.items, NextToken: page.NextToken };
  },

  PurchaseReservedInstancesOffering(ctx, input) {
    const o = offeringsOf(ctx.region).find((x) => x.id === input.ReservedInstancesOfferingId);
    if (!o) {
      throw new AwsError('InvalidReservedInstancesOfferingId', `The Reserved Instances offering ID '${input.ReservedInstancesOfferingId}' is not valid.`);
    }
    if (input.InstanceCount < 1) throw new AwsError('InvalidParameterValue', `Value (${input.InstanceCount}) for parameter instanceCount is invalid. Expected a value greater than 0.`);
    if (input.LimitPrice?.Amount !== undefined && o.FixedPrice * input.InstanceCount > input.LimitPrice.Amount) {
      throw new AwsError('ReservedInstancesLimitPriceExceeded', `The total upfront price of ${o.FixedPrice * input.InstanceCount} is above the limit price of ${input.LimitPrice.Amount}.`);
    }
    dryRun(input);
    const r: ReservationRecord = {
      ReservedInstancesId: randomUUID(),
      OfferingId: o.id,
      InstanceType: o.InstanceType,
      AvailabilityZone: o.AvailabilityZone,
      AvailabilityZoneId: o.AvailabilityZoneId,
      Duration: o.Duration,
      OfferingClass: o.OfferingClass,
      OfferingType: o.OfferingType,
      FixedPrice: o.FixedPrice,
      Hourly: o.Hourly,
      EffectiveHourly: o.EffectiveHourly,
      InstanceCount: input.InstanceCount,
      Start: ctx.clock.now(),
      Tags: {},
    };
    reservationTable(ctx).put(regional(ctx), r.ReservedInstancesId, r);
    return { ReservedInstancesId: r.ReservedInstancesId };
  },

  DescribeReservedInstances(ctx, input) {
    dryRun(input);
    const now = ctx.clock.now();
    let list = listReservations(ctx);
    if (input.ReservedInstancesIds?.length) {
      for (const id of input.ReservedInstancesIds) {
        if (!list.some((r) => r.ReservedInstancesId === id)) throw new AwsError('InvalidReservedInstancesId', `Reserved Instances ID '${id}' does not exist`);
      }
      list = list.filter((r) => input.ReservedInstancesIds!.includes(r.ReservedInstancesId));
    }
    list = list.filter((r) => (!input.OfferingClass || r.OfferingClass === input.OfferingClass) && (!input.OfferingType || r.OfferingType === input.OfferingType));
    const views = applyFilters(list.map((r) => toReserved(r, now)), input.Filters, {
      ...common,
      end: (r) => (r.End as string | undefined),
      start: (r) => (r.Start as string | undefined),
      state: (r) => r.State,
      'reserved-instances-id': (r) => r.ReservedInstancesId,
    });
    return { ReservedInstances: views };
  },
};
