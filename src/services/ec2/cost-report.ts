// What the account has cost so far at list prices (a bundled table of facts, us-east-1 Linux/UNIX):
// instances per second with a 60-second minimum per start — on-demand at the list price, spot at the
// simulated market's price of each hour, Dedicated Instances at the list price + 10%, instances covered
// by a Reserved Instance at the reservation's effective hourly rate (upfront spread over the term plus the
// hourly charge), instances on a Dedicated Host at nothing (the host is billed per second instead); EBS
// volumes and snapshots per GB-month (730 hours) of their age.
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { billingTable, type BillingRecord } from './cost-tracking.js';
import { hostHourlyPrice, hostTable } from './hosts.js';
import { instanceTable } from './instances.js';
import { onDemandPrice } from './list-prices.js';
import { quotaUsage } from './quotas.js';
import { activeWindow, reservationState, reservationTable, type ReservationRecord } from './reserved.js';
import { PRICE_PERIOD_MS, spotPriceAt } from './spot-market.js';
import { snapshotTable, volumeTable } from './volumes.js';

const HOURS_PER_MONTH = 730;
const MIN_BILLED_MS = 60_000;

/** EBS storage, USD per GB-month (us-east-1); io1/io2 add USD 0.065 per provisioned IOPS-month. */
export const EBS_GB_MONTH: Record<string, number> = { gp2: 0.1, gp3: 0.08, io1: 0.125, io2: 0.125, st1: 0.045, sc1: 0.015, standard: 0.05 };
export const EBS_IOPS_MONTH = 0.065;
export const SNAPSHOT_GB_MONTH = 0.05;
/** Dedicated Instances cost about 10% more than the same instance on shared hardware. */
const DEDICATED_FACTOR = 1.1;

export interface InstanceCost {
  InstanceId: string;
  InstanceType: string;
  AvailabilityZone: string;
  State: string;
  PurchasingOption: 'on-demand' | 'spot' | 'reserved' | 'dedicated' | 'dedicated-host';
  ReservedInstancesId?: string;
  HostId?: string;
  RunningSeconds: number;
  BilledSeconds: number;
  HourlyPriceUSD: number;
  CostUSD: number;
}

export interface ScopeCost {
  account: string;
  region: string;
  instances: InstanceCost[];
  volumes: { VolumeId: string; VolumeType: string; Size: number; Iops?: number; Seconds: number; CostUSD: number }[];
  snapshots: { SnapshotId: string; VolumeSize: number; Seconds: number; CostUSD: number }[];
  hosts: { HostId: string; InstanceFamily: string; State: string; HourlyPriceUSD: number; BilledSeconds: number; CostUSD: number }[];
  reservations: { ReservedInstancesId: string; InstanceType: string; AvailabilityZone?: string; State: string; InstanceCount: number; OfferingType: string; UpfrontUSD: number; EffectiveHourlyUSD: number; CoveredInstances: string[] }[];
  quotas: ReturnType<typeof quotaUsage>;
  totals: { instancesUSD: number; volumesUSD: number; snapshotsUSD: number; hostsUSD: number; totalUSD: number };
}

export interface CostReport {
  currency: 'USD';
  generatedAt: string;
  accounts: ScopeCost[];
  totalUSD: number;
}

const usd = (n: number) => Math.round(n * 1e6) / 1e6;
const overlap = (a: number, b: number, c: number, d: number) => Math.max(0, Math.min(b, d) - Math.max(a, c));

/** Billed [start, end) of each period: open ones end now, each lasts at least a minute. */
function billed(b: BillingRecord, now: number): [number, number][] {
  return b.periods.map((p) => {
    const end = p.end ?? now;
    return [p.start, Math.max(end, p.start + MIN_BILLED_MS)];
  });
}

function spotCost(type: string, zone: string, start: number, end: number): number {
  let cost = 0;
  for (let t = start; t < end; ) {
    const next = Math.min(end, (Math.floor(t / PRICE_PERIOD_MS) + 1) * PRICE_PERIOD_MS);
    cost += ((spotPriceAt(type, zone, t) ?? 0) * (next - t)) / 3_600_000;
    t = next;
  }
  return cost;
}

/**
 * Which on-demand instances each reservation covers: the first InstanceCount matching ones by launch time
 * (zonal reservations first). An instance can be covered by several reservations one after the other
 * (a modified reservation's successors), never by two at once.
 */
function assign(reservations: ReservationRecord[], records: BillingRecord[], now: number): Map<string, ReservationRecord[]> {
  const out = new Map<string, ReservationRecord[]>();
  const usable = reservations
    .filter((r) => reservationState(r, now) !== 'payment-pending')
    .sort((a, b) => Number(!!b.AvailabilityZone) - Number(!!a.AvailabilityZone) || a.Start - b.Start);
  const candidates = records.filter((b) => b.option === 'on-demand').sort((a, b) => a.LaunchTime.localeCompare(b.LaunchTime));
  for (const r of usable) {
    const [ws, we] = activeWindow(r);
    let left = r.InstanceCount;
    for (const b of candidates) {
      if (!left) break;
      if (b.InstanceType !== r.InstanceType) continue;
      if (r.AvailabilityZone && b.AvailabilityZone !== r.AvailabilityZone) continue;
      const taken = out.get(b.InstanceId) ?? [];
      if (taken.some((x) => {
        const [s, e] = activeWindow(x);
        return overlap(s, e, ws, we) > 0;
      })) continue;
      if (!billed(b, now).some(([s, e]) => overlap(s, e, ws, we) > 0)) continue;
      out.set(b.InstanceId, [...taken, r]);
      left--;
    }
  }
  return out;
}

function instanceCost(b: BillingRecord, reservations: ReservationRecord[], now: number): InstanceCost {
  const periods = billed(b, now);
  const running = b.periods.reduce((s, p) => s + ((p.end ?? now) - p.start), 0);
  const billedMs = periods.reduce((s, [a, e]) => s + (e - a), 0);
  const list = onDemandPrice(b.InstanceType) ?? 0;
  let cost = 0;
  let hourly = list;
  let option: InstanceCost['PurchasingOption'] = b.option;
  // the reservation shown: the one applying now, else the last one that did
  const reservation = reservations.find((r) => reservationState(r, now) === 'active') ?? reservations.at(-1);
  if (b.option === 'spot') {
    for (const [s, e] of periods) cost += spotCost(b.InstanceType, b.AvailabilityZone, s, e);
    hourly = spotPriceAt(b.InstanceType, b.AvailabilityZone, now) ?? 0;
  } else if (b.option === 'dedicated-host') {
    hourly = 0;
  } else if (b.option === 'dedicated') {
    hourly = list * DEDICATED_FACTOR;
    cost = (hourly * billedMs) / 3_600_000;
  } else {
    let coveredMs = 0;
    for (const r of reservations) {
      const [ws, we] = activeWindow(r);
      const ms = periods.reduce((s, [a, e]) => s + overlap(a, e, ws, we), 0);
      coveredMs += ms;
      cost += (r.EffectiveHourly * ms) / 3_600_000;
    }
    cost += (list * (billedMs - coveredMs)) / 3_600_000;
    if (reservation && reservationState(reservation, now) === 'active') {
      option = 'reserved';
      hourly = reservation.EffectiveHourly;
    }
  }
  return {
    InstanceId: b.InstanceId,
    InstanceType: b.InstanceType,
    AvailabilityZone: b.AvailabilityZone,
    State: b.State,
    PurchasingOption: option,
    ReservedInstancesId: option === 'reserved' ? reservation?.ReservedInstancesId : undefined,
    HostId: b.HostId,
    RunningSeconds: Math.round(running / 1000),
    BilledSeconds: Math.round(billedMs / 1000),
    HourlyPriceUSD: usd(hourly),
    CostUSD: usd(cost),
  };
}

function scopeCost(runtime: Pick<Runtime, 'store' | 'clock' | 'config'>, scope: Scope): ScopeCost {
  const now = runtime.clock.now();
  const ctx = { ...scope, store: runtime.store, clock: runtime.clock, config: runtime.config };
  const records = billingTable(runtime).list(scope);
  const reservations = reservationTable(runtime).list(scope);
  const covering = assign(reservations, records, now);
  const instances = records.map((b) => instanceCost(b, covering.get(b.InstanceId) ?? [], now));

  const liveInstances = instanceTable(runtime).list(scope);
  const terminated = new Set(liveInstances.filter((r) => r.State === 'terminated').map((r) => r.InstanceId));
  const vols: { id: string; type: string; size: number; iops?: number; created: number }[] = [];
  for (const v of volumeTable(runtime).list(scope)) {
    if (v.Attachment && v.Attachment.DeleteOnTermination && terminated.has(v.Attachment.InstanceId)) continue;
    vols.push({ id: v.VolumeId, type: v.VolumeType, size: v.Size, iops: v.Iops, created: Date.parse(v.CreateTime) });
  }
  for (const r of liveInstances) {
    if (!r.RootVolume || r.State === 'terminated') continue;
    vols.push({ id: r.RootVolume.VolumeId, type: r.RootVolume.VolumeType, size: r.RootVolume.VolumeSize, iops: r.RootVolume.Iops, created: Date.parse(r.RootVolume.AttachTime) });
  }
  const volumes = vols.map((v) => {
    const ms = Math.max(0, now - v.created);
    const months = ms / 3_600_000 / HOURS_PER_MONTH;
    const perMonth = (EBS_GB_MONTH[v.type] ?? 0.1) * v.size + (v.type === 'io1' || v.type === 'io2' ? EBS_IOPS_MONTH * (v.iops ?? 0) : 0);
    return { VolumeId: v.id, VolumeType: v.type, Size: v.size, Iops: v.iops, Seconds: Math.round(ms / 1000), CostUSD: usd(perMonth * months) };
  });
  const snapshots = snapshotTable(runtime)
    .list(scope)
    .map((s) => {
      const ms = Math.max(0, now - s.StartTime);
      return { SnapshotId: s.SnapshotId, VolumeSize: s.VolumeSize, Seconds: Math.round(ms / 1000), CostUSD: usd((SNAPSHOT_GB_MONTH * s.VolumeSize * ms) / 3_600_000 / HOURS_PER_MONTH) };
    });
  const hosts = hostTable(runtime)
    .list(scope)
    .map((h) => {
      const end = h.ReleaseTime ?? now;
      const ms = Math.max(end - h.AllocationTime, MIN_BILLED_MS);
      const hourly = hostHourlyPrice(h);
      return { HostId: h.HostId, InstanceFamily: h.InstanceFamily, State: h.State, HourlyPriceUSD: usd(hourly), BilledSeconds: Math.round(ms / 1000), CostUSD: usd((hourly * ms) / 3_600_000) };
    });
  const sum = (xs: { CostUSD: number }[]) => usd(xs.reduce((s, x) => s + x.CostUSD, 0));
  const totals = { instancesUSD: sum(instances), volumesUSD: sum(volumes), snapshotsUSD: sum(snapshots), hostsUSD: sum(hosts), totalUSD: 0 };
  totals.totalUSD = usd(totals.instancesUSD + totals.volumesUSD + totals.snapshotsUSD + totals.hostsUSD);
  return {
    account: scope.account,
    region: scope.region,
    instances,
    volumes,
    snapshots,
    hosts,
    reservations: reservations.map((r) => ({
      ReservedInstancesId: r.ReservedInstancesId,
      InstanceType: r.InstanceType,
      AvailabilityZone: r.AvailabilityZone,
      State: reservationState(r, now),
      InstanceCount: r.InstanceCount,
      OfferingType: r.OfferingType,
      UpfrontUSD: usd(r.FixedPrice * r.InstanceCount),
      EffectiveHourlyUSD: usd(r.EffectiveHourly),
      CoveredInstances: [...covering].filter(([, xs]) => xs.includes(r)).map(([id]) => id),
    })),
    quotas: quotaUsage(ctx),
    totals,
  };
}

/** The cost of every account and region with EC2 resources (or of one account / region). */
export function costReport(runtime: Pick<Runtime, 'store' | 'clock' | 'config'>, only: { account?: string; region?: string } = {}): CostReport {
  const scopes = new Map<string, Scope>();
  const add = (s: Scope) => {
    if (only.account && s.account !== only.account) return;
    if (only.region && s.region !== only.region) return;
    scopes.set(`${s.account}|${s.region}`, { account: s.account, region: s.region });
  };
  for (const t of [billingTable(runtime), volumeTable(runtime), snapshotTable(runtime), hostTable(runtime), reservationTable(runtime), instanceTable(runtime)] as { listAll(): { scope: Scope }[] }[]) {
    for (const { scope } of t.listAll()) add(scope);
  }
  const accounts = [...scopes.values()].sort((a, b) => `${a.account}${a.region}`.localeCompare(`${b.account}${b.region}`)).map((s) => scopeCost(runtime, s));
  return { currency: 'USD', generatedAt: runtime.clock.date().toISOString(), accounts, totalUSD: usd(accounts.reduce((s, a) => s + a.totals.totalUSD, 0)) };
}
