// What each instance runs under and when it ran: a billing record per instance (kept after the instance
// is gone) with its running periods, opened at pending → running and closed at any other state. The cost
// report (cost-report.ts) prices them; `GET /_aws/ec2/cost` serves that report as JSON.
import type { Runtime } from '../../server/context.js';
import type { WireRequest } from '../../protocol/identify.js';
import { regional } from '../../server/context.js';
import { getRecord, type InstanceRecord } from './instances.js';
import { registerStateListener } from './lifecycle.js';
import type { Ec2Ctx } from './network.js';

export type PurchasingOption = 'on-demand' | 'spot' | 'dedicated' | 'dedicated-host';

export interface BillingRecord {
  InstanceId: string;
  InstanceType: string;
  AvailabilityZone: string;
  option: PurchasingOption;
  HostId?: string;
  State: InstanceRecord['State'];
  LaunchTime: string;
  /** virtual epoch ms; the last one is open while the instance runs */
  periods: { start: number; end?: number }[];
}

export const billingTable = (ctx: Pick<Ec2Ctx, 'store'>) => ctx.store.table<BillingRecord>('ec2', 'instance-billing');

export function purchasingOptionOf(r: Pick<InstanceRecord, 'SpotInstanceRequestId' | 'Tenancy'>): PurchasingOption {
  if (r.Tenancy === 'host') return 'dedicated-host';
  if (r.SpotInstanceRequestId) return 'spot';
  return r.Tenancy === 'dedicated' ? 'dedicated' : 'on-demand';
}

registerStateListener((ctx, id, state) => {
  const table = billingTable(ctx);
  const now = ctx.clock.now();
  const known = table.get(regional(ctx), id);
  // the record starts when the instance first runs (keeps RunInstances' hot path free of it)
  if (!known && state !== 'running') return;
  const r = getRecord(ctx, id);
  if (!r) return;
  const b: BillingRecord = known ?? {
    InstanceId: id,
    InstanceType: r.InstanceType,
    AvailabilityZone: r.AvailabilityZone,
    option: purchasingOptionOf(r),
    HostId: r.HostId,
    State: state,
    LaunchTime: r.LaunchTime,
    periods: [],
  };
  b.State = state;
  b.InstanceType = r.InstanceType; // a stopped instance's type can change
  const open = b.periods.at(-1)?.end === undefined ? b.periods.at(-1) : undefined;
  if (state === 'running' && !open) b.periods.push({ start: now });
  else if (state !== 'running' && open) open.end = now;
  table.put(regional(ctx), id, b);
});

const planes = new WeakSet<object>();

/** Serves the cost report at GET /_aws/ec2/cost (?account=&region= narrow it). */
export function startCostTracking(runtime: Runtime): void {
  if (planes.has(runtime.http)) return;
  planes.add(runtime.http);
  runtime.http.addDataPlane(async (req: WireRequest) => {
    if (req.path !== '/_aws/ec2/cost') return undefined;
    if (req.method !== 'GET') return { status: 405, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'use GET' }) };
    const { costReport } = await import('./cost-report.js');
    const report = costReport(runtime, { account: req.query.get('account') ?? undefined, region: req.query.get('region') ?? undefined });
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(report, null, 2) };
  });
}
