// ModifyReservedInstances: active Standard reservations exchanged for others of the same term end — a
// new Availability Zone, a change of scope (zonal ↔ regional), a split or merge of the count, or another
// size of the same family as long as the normalized units (large = 4, xlarge = 8 …) stay the same. The
// originals retire and the new reservations are active at once; the modification reads 'fulfilled'.
import { randomUUID } from 'node:crypto';
import type { Ec2Operations, ReservedInstancesModification } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { applyFilters } from './filters.js';
import { instanceTypeSpec } from './instance-types.js';
import { onDemandPrice } from './list-prices.js';
import type { Ec2Ctx } from './network.js';
import { availabilityZones } from './regions.js';
import { reservationState, reservationTable, type ReservationRecord } from './reserved.js';

interface ModificationRecord {
  ReservedInstancesModificationId: string;
  ClientToken?: string;
  ReservedInstancesIds: string[];
  Results: { ReservedInstancesId: string; AvailabilityZone?: string; InstanceCount: number; InstanceType: string; Scope: 'Availability Zone' | 'Region' }[];
  /** virtual epoch ms */
  Created: number;
}

const modificationTable = (ctx: Pick<Ec2Ctx, 'store'>) => ctx.store.table<ModificationRecord>('ec2', 'reserved-instances-modification');

const SIZE_UNITS: Record<string, number> = { nano: 0.25, micro: 0.5, small: 1, medium: 2, large: 4, xlarge: 8 };

/** Normalization factor of a size (AWS's table: large 4, xlarge 8, 2xlarge 16, Nxlarge 8N). */
export function normalizedUnits(instanceType: string): number {
  const size = instanceType.split('.')[1] ?? '';
  if (size in SIZE_UNITS) return SIZE_UNITS[size]!;
  const m = /^(\d+)xlarge$/.exec(size);
  return m ? 8 * Number(m[1]) : 0;
}

const family = (t: string) => t.split('.')[0]!;
const invalid = (message: string) => new AwsError('InvalidParameterValue', message);

function toModification(m: ModificationRecord): ReservedInstancesModification {
  const at = new Date(m.Created).toISOString();
  return {
    ReservedInstancesModificationId: m.ReservedInstancesModificationId,
    ClientToken: m.ClientToken,
    ReservedInstancesIds: m.ReservedInstancesIds.map((ReservedInstancesId) => ({ ReservedInstancesId })),
    ModificationResults: m.Results.map((r) => ({
      ReservedInstancesId: r.ReservedInstancesId,
      TargetConfiguration: { AvailabilityZone: r.AvailabilityZone, InstanceCount: r.InstanceCount, InstanceType: r.InstanceType as never, Platform: 'EC2-VPC', Scope: r.Scope },
    })),
    Status: 'fulfilled',
    StatusMessage: '',
    CreateDate: at,
    EffectiveDate: at,
    UpdateDate: at,
  };
}

export const reservedModificationHandlers: Handlers<Ec2Operations> = {
  ModifyReservedInstances(ctx, input) {
    const table = reservationTable(ctx);
    const now = ctx.clock.now();
    if (input.ClientToken) {
      const earlier = modificationTable(ctx).list(regional(ctx)).find((m) => m.ClientToken === input.ClientToken);
      if (earlier) return { ReservedInstancesModificationId: earlier.ReservedInstancesModificationId };
    }
    if (!input.ReservedInstancesIds?.length) throw new AwsError('MissingParameter', 'The request must contain the parameter ReservedInstancesId');
    if (!input.TargetConfigurations?.length) throw new AwsError('MissingParameter', 'The request must contain the parameter ReservedInstancesConfigurationSetItemType');
    const originals = input.ReservedInstancesIds.map((id) => {
      const r = table.get(regional(ctx), id);
      if (!r) throw new AwsError('InvalidReservedInstancesId', `Reserved Instances ID '${id}' does not exist`);
      if (reservationState(r, now) !== 'active') throw new AwsError('InvalidReservedInstancesState', `Reserved Instances '${id}' must be active to be modified`);
      if (r.OfferingClass !== 'standard') throw new AwsError('InvalidParameterValue', `Convertible Reserved Instances '${id}' are exchanged, not modified`);
      return r;
    });
    const first = originals[0]!;
    const end = first.Start + first.Duration * 1000;
    if (originals.some((r) => r.Start + r.Duration * 1000 !== end || family(r.InstanceType) !== family(first.InstanceType) || r.OfferingType !== first.OfferingType)) {
      throw invalid('The Reserved Instances to modify together must have the same end time, instance family and payment option.');
    }
    if (!input.TargetConfigurations.length) throw new AwsError('MissingParameter', 'The request must contain the parameter targetConfigurations');
    const zones = availabilityZones(ctx.region);
    const targets = input.TargetConfigurations.map((t) => {
      const type = t.InstanceType ?? first.InstanceType;
      if (!instanceTypeSpec(type) || onDemandPrice(type) === undefined) throw invalid(`Invalid value '${type}' for InstanceType.`);
      if (family(type) !== family(first.InstanceType)) throw invalid(`The instance type ${type} is not in the family of the Reserved Instances (${family(first.InstanceType)}).`);
      const scope = t.Scope ?? (t.AvailabilityZone ? 'Availability Zone' : first.AvailabilityZone ? 'Availability Zone' : 'Region');
      const zone = scope === 'Region' ? undefined : zones.find((z) => z.ZoneName === (t.AvailabilityZone ?? first.AvailabilityZone));
      if (scope !== 'Region' && !zone) throw invalid(`Invalid availability zone: [${t.AvailabilityZone ?? ''}]`);
      const count = t.InstanceCount ?? 1;
      if (count < 1) throw invalid(`Value (${count}) for parameter instanceCount is invalid. Expected a value greater than 0.`);
      return { type, zone, count };
    });
    const before = originals.reduce((s, r) => s + normalizedUnits(r.InstanceType) * r.InstanceCount, 0);
    const after = targets.reduce((s, t) => s + normalizedUnits(t.type) * t.count, 0);
    if (before !== after) {
      throw invalid(`The requested configuration's instance size footprint (${after}) does not match that of the Reserved Instances (${before}).`);
    }
    const id = `rimod-${randomUUID()}`;
    // whole seconds of term left; the successors start where the originals retire
    const duration = Math.ceil((end - now) / 1000);
    const start = end - duration * 1000;
    const results: ModificationRecord['Results'] = [];
    for (const t of targets) {
      // the new reservation keeps the term's end and the price per normalized unit
      const factor = normalizedUnits(t.type) / normalizedUnits(first.InstanceType);
      const r: ReservationRecord = {
        ...first,
        ReservedInstancesId: randomUUID(),
        InstanceType: t.type,
        AvailabilityZone: t.zone?.ZoneName,
        AvailabilityZoneId: t.zone?.ZoneId,
        InstanceCount: t.count,
        FixedPrice: first.FixedPrice * factor,
        Hourly: first.Hourly * factor,
        EffectiveHourly: first.EffectiveHourly * factor,
        Start: start,
        Duration: duration,
        Tags: {},
        FromModification: id,
        RetiredAt: undefined,
      };
      table.put(regional(ctx), r.ReservedInstancesId, r);
      results.push({ ReservedInstancesId: r.ReservedInstancesId, AvailabilityZone: r.AvailabilityZone, InstanceCount: r.InstanceCount, InstanceType: r.InstanceType, Scope: r.AvailabilityZone ? 'Availability Zone' : 'Region' });
    }
    for (const r of originals) table.put(regional(ctx), r.ReservedInstancesId, { ...r, RetiredAt: start });
    modificationTable(ctx).put(regional(ctx), id, { ReservedInstancesModificationId: id, ClientToken: input.ClientToken, ReservedInstancesIds: originals.map((r) => r.ReservedInstancesId), Results: results, Created: now });
    return { ReservedInstancesModificationId: id };
  },

  DescribeReservedInstancesModifications(ctx, input) {
    let list = modificationTable(ctx).list(regional(ctx));
    for (const id of input.ReservedInstancesModificationIds ?? []) {
      if (!list.some((m) => m.ReservedInstancesModificationId === id)) {
        throw new AwsError('InvalidReservedInstancesModificationId', `Reserved Instances modification ID '${id}' does not exist`);
      }
    }
    if (input.ReservedInstancesModificationIds?.length) list = list.filter((m) => input.ReservedInstancesModificationIds!.includes(m.ReservedInstancesModificationId));
    const views = applyFilters(list.map(toModification), input.Filters, {
      'reserved-instances-modification-id': (m) => m.ReservedInstancesModificationId,
      'reserved-instances-id': (m) => m.ReservedInstancesIds?.map((r) => r.ReservedInstancesId ?? ''),
      'modification-result.reserved-instances-id': (m) => m.ModificationResults?.map((r) => r.ReservedInstancesId ?? ''),
      'modification-result.target-configuration.availability-zone': (m) => m.ModificationResults?.map((r) => r.TargetConfiguration?.AvailabilityZone ?? ''),
      'modification-result.target-configuration.instance-type': (m) => m.ModificationResults?.map((r) => r.TargetConfiguration?.InstanceType ?? ''),
      'modification-result.target-configuration.instance-count': (m) => m.ModificationResults?.map((r) => String(r.TargetConfiguration?.InstanceCount ?? '')),
      status: (m) => m.Status,
      'client-token': (m) => m.ClientToken,
    });
    return { ReservedInstancesModifications: views };
  },
};
