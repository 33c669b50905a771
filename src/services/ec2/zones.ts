// DescribeAvailabilityZones, DescribeRegions, DescribeAccountAttributes.
import type { AccountAttribute, AvailabilityZone, Ec2Operations, Region } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { Handlers } from '../define.js';
import { applyFilters } from './filters.js';
import { defaultVpc } from './network.js';
import { availabilityZones, isOptInRegion, regionNames } from './regions.js';

function optIn(region: string): 'opt-in-not-required' | 'opted-in' {
  return isOptInRegion(region) ? 'opted-in' : 'opt-in-not-required';
}

export const zoneHandlers: Handlers<Ec2Operations> = {
  DescribeAvailabilityZones(ctx, input) {
    const zones: AvailabilityZone[] = availabilityZones(ctx.region).map((z) => ({
      State: 'available',
      OptInStatus: 'opt-in-not-required',
      Messages: [],
      RegionName: ctx.region,
      ZoneName: z.ZoneName,
      ZoneId: z.ZoneId,
      GroupName: ctx.region,
      NetworkBorderGroup: ctx.region,
      ZoneType: 'availability-zone',
      GroupLongName: ctx.region,
    }));
    for (const n of input.ZoneNames ?? []) {
      if (!zones.some((z) => z.ZoneName === n)) throw new AwsError('InvalidParameterValue', `The zone '${n}' does not exist.`);
    }
    for (const n of input.ZoneIds ?? []) {
      if (!zones.some((z) => z.ZoneId === n)) throw new AwsError('InvalidParameterValue', `The zone id '${n}' does not exist.`);
    }
    let picked = zones;
    if (input.ZoneNames?.length || input.ZoneIds?.length) {
      picked = zones.filter((z) => input.ZoneNames?.includes(z.ZoneName!) || input.ZoneIds?.includes(z.ZoneId!));
    }
    const out = applyFilters(picked, input.Filters, {
      'group-name': (z) => z.GroupName,
      'group-long-name': (z) => z.GroupLongName,
      'message': () => undefined,
      'network-border-group': (z) => z.NetworkBorderGroup,
      'opt-in-status': (z) => z.OptInStatus,
      'region-name': (z) => z.RegionName,
      'state': (z) => z.State,
      'zone-id': (z) => z.ZoneId,
      'zone-name': (z) => z.ZoneName,
      'zone-type': (z) => z.ZoneType,
      'parent-zone-id': () => undefined,
      'parent-zone-name': () => undefined,
    });
    return { AvailabilityZones: out };
  },

  DescribeRegions(_ctx, input) {
    const regions: Region[] = regionNames().map((r) => ({ RegionName: r, Endpoint: `ec2.${r}.amazonaws.com`, OptInStatus: optIn(r) }));
    let picked = regions;
    if (input.RegionNames?.length) {
      for (const n of input.RegionNames) {
        if (!regions.some((r) => r.RegionName === n)) throw new AwsError('InvalidParameterValue', `Invalid region: ${n}`);
      }
      picked = regions.filter((r) => input.RegionNames!.includes(r.RegionName!));
    }
    const out = applyFilters(picked, input.Filters, {
      'endpoint': (r) => r.Endpoint,
      'opt-in-status': (r) => r.OptInStatus,
      'region-name': (r) => r.RegionName,
    });
    return { Regions: out };
  },

  DescribeAccountAttributes(ctx, input) {
    const vpc = defaultVpc(ctx);
    const all: AccountAttribute[] = [
      { AttributeName: 'supported-platforms', AttributeValues: [{ AttributeValue: 'VPC' }] },
      { AttributeName: 'default-vpc', AttributeValues: [{ AttributeValue: vpc?.VpcId ?? 'none' }] },
      { AttributeName: 'max-instances', AttributeValues: [{ AttributeValue: '20' }] },
      { AttributeName: 'vpc-max-security-groups-per-interface', AttributeValues: [{ AttributeValue: '5' }] },
      { AttributeName: 'max-elastic-ips', AttributeValues: [{ AttributeValue: '5' }] },
      { AttributeName: 'vpc-max-elastic-ips', AttributeValues: [{ AttributeValue: '5' }] },
    ];
    const names = input.AttributeNames;
    return { AccountAttributes: names?.length ? all.filter((a) => names.includes(a.AttributeName as never)) : all };
  },
};
