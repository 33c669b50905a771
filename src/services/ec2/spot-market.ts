// The simulated spot market: a price per instance type and Availability Zone that moves every hour of
// the clock, deterministic for a seed (CUMULUS_SPOT_SEED), between about a fifth and two thirds of the
// on-demand list price. A sweep every five minutes interrupts running spot instances whose maximum price
// the market has passed.
import { createHash } from 'node:crypto';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import type { Runtime } from '../../server/context.js';
import { instanceTable } from './instances.js';
import { onDemandPrice } from './list-prices.js';
import { interruptSpotInstance } from './spot-interruptions.js';
import { fulfillOpenRequests } from './spot-requests.js';
import { spotTable } from './spot-store.js';

export const PRICE_PERIOD_MS = 3600_000;
const SWEEP_MS = 5 * 60_000;

function seed(): string {
  return process.env.CUMULUS_SPOT_SEED ?? 'cumulus';
}

/** A uniform number in [0, 1) from the seed and the parts. */
function unit(...parts: (string | number)[]): number {
  const h = createHash('sha256').update([seed(), ...parts].join('/')).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

/** The spot price (USD/hour) of a type in a zone at a virtual time; undefined for a type without a list price. */
export function spotPriceAt(instanceType: string, zone: string, at: number): number | undefined {
  const list = onDemandPrice(instanceType);
  if (list === undefined) return undefined;
  const period = Math.floor(at / PRICE_PERIOD_MS);
  // each pool has its own level (30–45% of list); the hour moves it by up to ±50% of that level
  const level = 0.3 + 0.15 * unit('level', instanceType, zone);
  const move = 0.5 + unit('hour', instanceType, zone, period);
  const price = Math.min(list, list * level * move);
  return Math.max(0.0001, Math.round(price * 10_000) / 10_000);
}

export function formatPrice(p: number): string {
  return p.toFixed(6);
}

/** The price changes of a pool in [start, end]: the one in effect at `start`, then one per period. */
export function priceHistory(instanceType: string, zone: string, start: number, end: number): { at: number; price: number }[] {
  const out: { at: number; price: number }[] = [];
  let last: number | undefined;
  for (let p = Math.floor(start / PRICE_PERIOD_MS); p * PRICE_PERIOD_MS <= end; p++) {
    const at = p * PRICE_PERIOD_MS;
    const price = spotPriceAt(instanceType, zone, at)!;
    if (price !== last) out.push({ at, price });
    last = price;
  }
  return out;
}

const markets = new WeakMap<Clock, TimerHandle>();

export function startSpotMarket(runtime: Runtime): void {
  if (markets.has(runtime.clock)) return;
  markets.set(runtime.clock, runtime.clock.setInterval(() => sweep(runtime), SWEEP_MS));
}

export function stopSpotMarket(runtime: Pick<Runtime, 'clock'>): void {
  markets.get(runtime.clock)?.cancel();
  markets.delete(runtime.clock);
}

function sweep(runtime: Runtime): void {
  const now = runtime.clock.now();
  for (const { scope, record: r } of instanceTable(runtime).listAll()) {
    if (r.State !== 'running' || !r.SpotInstanceRequestId || r.SpotNotice) continue;
    const request = spotTable(runtime).get(scope, r.SpotInstanceRequestId);
    const price = spotPriceAt(r.InstanceType, r.AvailabilityZone, now);
    if (!request || price === undefined) continue;
    if (price > Number(request.SpotPrice)) interruptSpotInstance(runtime, scope, r.InstanceId, 'price');
  }
  fulfillOpenRequests(runtime);
}
