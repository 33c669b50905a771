// Dedicated Hosts: AllocateHosts / DescribeHosts / ModifyHosts / ReleaseHosts and the placement of
// instances launched with tenancy 'host'. A host of a family has the vCPUs of that family's largest size
// (two sockets); it fits as many instances of a size as its free vCPUs allow (simpler than EC2's
// per-size slot tables, and the same for a host that supports one instance type).
import type { Ec2Operations, Host } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { TagMap } from '../../protocol/tags.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { applyFilters, pageOf } from './filters.js';
import { allInstanceTypes, instanceTypeSpec } from './instance-types.js';
import { instanceTable } from './instances.js';
import { onDemandPrice } from './list-prices.js';
import type { Ec2Ctx } from './network.js';
import { availabilityZones } from './regions.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

export interface HostRecord {
  HostId: string;
  InstanceType?: string;
  InstanceFamily: string;
  AvailabilityZone: string;
  AvailabilityZoneId: string;
  AutoPlacement: 'on' | 'off';
  HostRecovery: 'on' | 'off';
  HostMaintenance: 'on' | 'off';
  State: 'available' | 'released';
  /** virtual epoch ms */
  AllocationTime: number;
  ReleaseTime?: number;
  ClientToken?: string;
  Tags: TagMap;
}

export const hostTable = (ctx: Pick<Ec2Ctx, 'store'>) => ctx.store.table<HostRecord>('ec2', 'dedicated-host');

/** How long a released host stays visible (DescribeHosts shows it as 'released'). */
const RELEASED_VISIBLE_MS = 60 * 60_000;

/** On-demand Dedicated Host prices (USD/hour, us-east-1, approximate) of the catalog's families. */
const HOST_PRICES: Record<string, number> = {
  m4: 2.42, m5: 5.069, m5d: 5.966, m6i: 5.069, m7i: 5.322, c4: 1.75, c5: 4.488, c6i: 4.488, c7i: 4.712,
  r4: 4.682, r5: 6.653, r6i: 6.653, x1: 14.672, g4dn: 8.712, g5: 17.917, p3: 26.928, p4d: 36.05,
  i3: 5.491, i4i: 12.08, d2: 6.072, d3: 4.395, t3: 0.8448,
};

function familyOf(instanceType: string): string {
  return instanceType.split('.')[0]!;
}

/** The family's largest size: the host's physical capacity. */
function largestOf(family: string) {
  return allInstanceTypes()
    .filter((t) => familyOf(t.name) === family)
    .sort((a, b) => b.vcpus - a.vcpus)[0];
}

export function hostTotalVcpus(h: Pick<HostRecord, 'InstanceFamily'>): number {
  return largestOf(h.InstanceFamily)?.vcpus ?? 0;
}

/** USD per hour of a host (the table, else 1.1 × the largest size's on-demand price). */
export function hostHourlyPrice(h: Pick<HostRecord, 'InstanceFamily'>): number {
  const listed = HOST_PRICES[h.InstanceFamily];
  if (listed !== undefined) return listed;
  const big = largestOf(h.InstanceFamily);
  return big ? (onDemandPrice(big.name) ?? 0) * 1.1 : 0;
}

const OCCUPYING = new Set(['pending', 'running', 'stopping', 'shutting-down']);

function instancesOn(ctx: Ec2Ctx, hostId: string) {
  return instanceTable(ctx)
    .list(regional(ctx))
    .filter((r) => r.HostId === hostId && OCCUPYING.has(r.State));
}

function usedVcpus(ctx: Ec2Ctx, hostId: string, extra: string[] = []): number {
  let n = instancesOn(ctx, hostId).reduce((s, r) => s + (instanceTypeSpec(r.InstanceType)?.vcpus ?? 0), 0);
  for (const t of extra) n += instanceTypeSpec(t)?.vcpus ?? 0;
  return n;
}

function fits(ctx: Ec2Ctx, h: HostRecord, instanceType: string, pending: string[]): boolean {
  if (h.State !== 'available') return false;
  if (h.InstanceType ? h.InstanceType !== instanceType : h.InstanceFamily !== familyOf(instanceType)) return false;
  const need = instanceTypeSpec(instanceType)?.vcpus ?? 1;
  return usedVcpus(ctx, h.HostId, pending) + need <= hostTotalVcpus(h);
}

export const hostNotFound = (id: string) => new AwsError('InvalidHostID.NotFound', `The host ID '${id}' was not found`);

/** AWS's errors when no host takes the instance: a named host that is full, or no host for auto-placement. */
function onHostFull(): AwsError {
  return new AwsError('InsufficientCapacityOnHost', 'There is not enough capacity on the Dedicated Host to launch or start the instance.');
}
function noCompatibleHost(): AwsError {
  return new AwsError('IncompatibleHostRequirements', 'There are no available or compatible Dedicated Hosts available on which to launch or start the instance.');
}

/**
 * The host an instance of RunInstances goes onto: the named one (it must exist, be in the zone and fit),
 * or an available host with auto-placement on. `placed` lists the hosts chosen earlier in the same call.
 * Undefined (or AWS's InsufficientCapacityOnHost / IncompatibleHostRequirements when `required`) when none fits.
 */
export function placeOnHost(ctx: Ec2Ctx, instanceType: string, zone: string, hostId: string | undefined, placed: string[], required: boolean): string | undefined {
  const table = hostTable(ctx);
  const typesOn = (id: string) => placed.filter((p) => p === id).map(() => instanceType);
  if (hostId) {
    const h = table.get(regional(ctx), hostId);
    if (!h || h.State === 'released') throw hostNotFound(hostId);
    if (h.AvailabilityZone !== zone) {
      throw new AwsError('InvalidParameterValue', `The Dedicated Host ${hostId} is in ${h.AvailabilityZone}, but the instance is being launched in ${zone}.`);
    }
    if (fits(ctx, h, instanceType, typesOn(h.HostId))) return h.HostId;
    if (required) throw onHostFull();
    return undefined;
  }
  const h = table
    .list(regional(ctx))
    .filter((x) => x.AutoPlacement === 'on' && x.AvailabilityZone === zone)
    .sort((a, b) => a.AllocationTime - b.AllocationTime)
    .find((x) => fits(ctx, x, instanceType, typesOn(x.HostId)));
  if (h) return h.HostId;
  if (required) throw noCompatibleHost();
  return undefined;
}

/** StartInstances: a stopped instance on a host starts there again only if the host still has room. */
export function checkHostForStart(ctx: Ec2Ctx, r: { HostId?: string; InstanceType: string; AvailabilityZone: string }): void {
  if (!r.HostId) return;
  const h = hostTable(ctx).get(regional(ctx), r.HostId);
  if (!h || !fits(ctx, h, r.InstanceType, [])) throw onHostFull();
}

function toHost(ctx: Ec2Ctx, h: HostRecord): Host {
  const total = hostTotalVcpus(h);
  const on = instancesOn(ctx, h.HostId);
  const used = usedVcpus(ctx, h.HostId);
  const free = h.State === 'available' ? Math.max(0, total - used) : 0;
  const types = h.InstanceType ? [h.InstanceType] : allInstanceTypes().filter((t) => familyOf(t.name) === h.InstanceFamily).map((t) => t.name);
  return {
    HostId: h.HostId,
    AutoPlacement: h.AutoPlacement,
    HostRecovery: h.HostRecovery,
    HostMaintenance: h.HostMaintenance,
    AvailabilityZone: h.AvailabilityZone,
    AvailabilityZoneId: h.AvailabilityZoneId,
    ClientToken: h.ClientToken,
    State: h.State,
    AllocationTime: new Date(h.AllocationTime).toISOString(),
    ReleaseTime: h.ReleaseTime !== undefined ? new Date(h.ReleaseTime).toISOString() : undefined,
    AllowsMultipleInstanceTypes: h.InstanceType ? 'off' : 'on',
    OwnerId: ctx.account,
    MemberOfServiceLinkedResourceGroup: false,
    HostProperties: { Sockets: 2, Cores: Math.max(1, total / 2), TotalVCpus: total, InstanceType: h.InstanceType, InstanceFamily: h.InstanceType ? undefined : h.InstanceFamily },
    AvailableCapacity: {
      AvailableVCpus: free,
      AvailableInstanceCapacity: types.map((t) => {
        const v = instanceTypeSpec(t)?.vcpus ?? 1;
        return { InstanceType: t, AvailableCapacity: Math.floor(free / v), TotalCapacity: Math.floor(total / v) };
      }),
    },
    Instances: on.map((r) => ({ InstanceId: r.InstanceId, InstanceType: r.InstanceType, OwnerId: r.OwnerId })),
    Tags: tagList(h.Tags),
  };
}

/** Hosts of the scope; released ones vanish an hour after their release. */
export function listHosts(ctx: Ec2Ctx): HostRecord[] {
  const now = ctx.clock.now();
  return hostTable(ctx)
    .list(regional(ctx))
    .filter((h) => h.State !== 'released' || (h.ReleaseTime ?? 0) + RELEASED_VISIBLE_MS > now);
}

function checkHostId(id: string): void {
  if (!/^h-[0-9a-f]{8,17}$/.test(id)) throw new AwsError('InvalidHostID.Malformed', `Invalid id: "${id}" (expecting "h-...")`);
}

function unsuccessful(id: string, code: string, message: string) {
  return { ResourceId: id, Error: { Code: code, Message: message } };
}

registerTaggable('h', {
  resourceType: 'dedicated-host',
  get: (ctx, id) => hostTable(ctx).get(regional(ctx), id)?.Tags,
  set: (ctx, id, tags) => {
    const h = hostTable(ctx).get(regional(ctx), id);
    if (h) hostTable(ctx).put(regional(ctx), id, { ...h, Tags: tags });
  },
  list: (ctx) => listHosts(ctx).map((h) => ({ id: h.HostId, tags: h.Tags })),
  notFound: hostNotFound,
});

export const hostHandlers: Handlers<Ec2Operations> = {
  AllocateHosts(ctx, input) {
    if (!input.InstanceType === !input.InstanceFamily) {
      throw new AwsError('InvalidParameterCombination', 'Either instance type or instance family must be specified, but not both.');
    }
    const family = input.InstanceFamily ?? familyOf(input.InstanceType!);
    if (input.InstanceType && !instanceTypeSpec(input.InstanceType)) throw new AwsError('InvalidParameterValue', `Invalid value '${input.InstanceType}' for InstanceType.`);
    if (!largestOf(family)) throw new AwsError('InvalidParameterValue', `Invalid value '${family}' for InstanceFamily.`);
    const zones = availabilityZones(ctx.region);
    const zone = zones.find((z) => z.ZoneName === input.AvailabilityZone || (input.AvailabilityZoneId && z.ZoneId === input.AvailabilityZoneId));
    if (!zone) {
      if (!input.AvailabilityZone && !input.AvailabilityZoneId) throw new AwsError('MissingParameter', 'The request must contain the parameter availabilityZone');
      throw new AwsError('InvalidParameterValue', `Invalid availability zone: [${input.AvailabilityZone ?? input.AvailabilityZoneId}]`);
    }
    const quantity = input.Quantity ?? 1;
    if (quantity < 1) throw new AwsError('InvalidQuantity', `Value (${quantity}) for parameter quantity is invalid. Expected a value greater than 0.`);
    if (input.ClientToken) {
      const earlier = hostTable(ctx).list(regional(ctx)).filter((h) => h.ClientToken === input.ClientToken);
      if (earlier.length) return { HostIds: earlier.map((h) => h.HostId) };
    }
    const tags = tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'dedicated-host'), 'dedicated-host');
    const ids: string[] = [];
    for (let i = 0; i < quantity; i++) {
      const h: HostRecord = {
        HostId: ec2Id('h'),
        InstanceType: input.InstanceType,
        InstanceFamily: family,
        AvailabilityZone: zone.ZoneName,
        AvailabilityZoneId: zone.ZoneId,
        AutoPlacement: input.AutoPlacement ?? 'on',
        HostRecovery: input.HostRecovery ?? 'off',
        HostMaintenance: input.HostMaintenance ?? 'on',
        State: 'available',
        AllocationTime: ctx.clock.now(),
        ClientToken: input.ClientToken,
        Tags: { ...tags },
      };
      hostTable(ctx).put(regional(ctx), h.HostId, h);
      ids.push(h.HostId);
    }
    return { HostIds: ids };
  },

  DescribeHosts(ctx, input) {
    for (const id of input.HostIds ?? []) checkHostId(id);
    let hosts = listHosts(ctx);
    if (input.HostIds?.length) {
      const missing = input.HostIds.filter((id) => !hosts.some((h) => h.HostId === id));
      if (missing.length) throw hostNotFound(missing[0]!);
      hosts = hosts.filter((h) => input.HostIds!.includes(h.HostId));
    }
    const filtered = applyFilters(hosts, input.Filter, {
      'auto-placement': (h) => h.AutoPlacement,
      'availability-zone': (h) => h.AvailabilityZone,
      'client-token': (h) => h.ClientToken,
      'host-reservation-id': () => undefined,
      'instance-type': (h) => h.InstanceType,
      'instance-family': (h) => h.InstanceFamily,
      state: (h) => h.State,
    });
    const page = pageOf(filtered, input, (h) => h.HostId);
    return { Hosts: page.items.map((h) => toHost(ctx, h)), NextToken: page.NextToken };
  },

  ModifyHosts(ctx, input) {
    const Successful: string[] = [];
    const Unsuccessful: ReturnType<typeof unsuccessful>[] = [];
    if (input.InstanceType && input.InstanceFamily) {
      throw new AwsError('InvalidParameterCombination', 'Either instance type or instance family must be specified, but not both.');
    }
    for (const id of input.HostIds) {
      const h = hostTable(ctx).get(regional(ctx), id);
      if (!h || h.State === 'released') {
        Unsuccessful.push(unsuccessful(id, 'InvalidHostID.NotFound', `The host ID '${id}' was not found`));
        continue;
      }
      if (input.InstanceType || input.InstanceFamily) {
        // the supported type or family changes only on an empty host
        if (instancesOn(ctx, id).length) {
          Unsuccessful.push(unsuccessful(id, 'InvalidHostState', `Host ${id} has running instances; its instance type or family can only be modified when it has none.`));
          continue;
        }
        if (input.InstanceType) {
          if (!instanceTypeSpec(input.InstanceType)) throw new AwsError('InvalidParameterValue', `Invalid value '${input.InstanceType}' for InstanceType.`);
          h.InstanceType = input.InstanceType;
          h.InstanceFamily = familyOf(input.InstanceType);
        } else {
          if (!largestOf(input.InstanceFamily!)) throw new AwsError('InvalidParameterValue', `Invalid value '${input.InstanceFamily}' for InstanceFamily.`);
          delete h.InstanceType;
          h.InstanceFamily = input.InstanceFamily!;
        }
      }
      if (input.AutoPlacement) h.AutoPlacement = input.AutoPlacement;
      if (input.HostRecovery) h.HostRecovery = input.HostRecovery;
      if (input.HostMaintenance) h.HostMaintenance = input.HostMaintenance;
      hostTable(ctx).put(regional(ctx), id, h);
      Successful.push(id);
    }
    return { Successful, Unsuccessful };
  },

  ReleaseHosts(ctx, input) {
    const Successful: string[] = [];
    const Unsuccessful: ReturnType<typeof unsuccessful>[] = [];
    for (const id of input.HostIds) {
      const h = hostTable(ctx).get(regional(ctx), id);
      if (!h || h.State === 'released') {
        Unsuccessful.push(unsuccessful(id, 'InvalidHostID.NotFound', `The host ID '${id}' was not found`));
        continue;
      }
      if (instancesOn(ctx, id).length) {
        Unsuccessful.push(unsuccessful(id, 'Client.InvalidHost.Occupied', 'Host has running instances'));
        continue;
      }
      h.State = 'released';
      h.ReleaseTime = ctx.clock.now();
      hostTable(ctx).put(regional(ctx), id, h);
      Successful.push(id);
    }
    return { Successful, Unsuccessful };
  },
};
