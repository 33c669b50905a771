// Elastic IPs: Allocate/Associate/Disassociate/Release/DescribeAddresses, and their tags.
import type { Address, Ec2Operations } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters } from './filters.js';
import { getRecord } from './instances.js';
import { allocationNotFound, associationNotFound, checkId, instanceNotFound } from './net-errors.js';
import { scope, tables, type AddressRecord, type Ec2Ctx } from './net-store.js';
import { allocatePublicIp, releasePublicIp } from './network.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

/** The Elastic IP limit per region (AWS's default quota). */
export const MAX_ADDRESSES = 5;

/** Adapter onto the instances module: the instance's private address and subnet, if it exists and is not terminated. */
function instanceTarget(ctx: Ec2Ctx, id: string): { PrivateIpAddress: string; SubnetId: string; State: string } | undefined {
  const r = getRecord(ctx, id);
  return r && { PrivateIpAddress: r.PrivateIpAddress, SubnetId: r.SubnetId, State: r.State };
}

function view(ctx: Ec2Ctx, a: AddressRecord): Address {
  return {
    AllocationId: a.AllocationId,
    PublicIp: a.PublicIp,
    Domain: a.Domain,
    PublicIpv4Pool: 'amazon',
    NetworkBorderGroup: a.NetworkBorderGroup,
    InstanceId: a.InstanceId,
    AssociationId: a.AssociationId,
    NetworkInterfaceId: a.NetworkInterfaceId,
    NetworkInterfaceOwnerId: a.NetworkInterfaceId ? ctx.account : undefined,
    PrivateIpAddress: a.PrivateIpAddress,
    Tags: tagList(a.Tags),
  };
}

function find(ctx: Ec2Ctx, allocationId?: string, publicIp?: string): AddressRecord {
  const t = tables(ctx).addresses;
  if (allocationId) {
    checkId('eipalloc', allocationId);
    const a = t.get(scope(ctx), allocationId);
    if (!a) throw allocationNotFound(allocationId);
    return a;
  }
  if (publicIp) {
    const a = t.list(scope(ctx)).find((x) => x.PublicIp === publicIp);
    if (!a) throw new AwsError('InvalidAddress.NotFound', `Address '${publicIp}' not found.`);
    return a;
  }
  throw new AwsError('MissingParameter', 'Either public IP or allocation id must be specified');
}

function detach(a: AddressRecord): void {
  delete a.InstanceId;
  delete a.AssociationId;
  delete a.NetworkInterfaceId;
  delete a.PrivateIpAddress;
}

registerTaggable('eipalloc', {
  resourceType: 'elastic-ip',
  get: (ctx, id) => tables(ctx).addresses.get(scope(ctx), id)?.Tags,
  set: (ctx, id, tags) => {
    const t = tables(ctx).addresses;
    const a = t.get(scope(ctx), id);
    if (a) t.put(scope(ctx), id, { ...a, Tags: tags });
  },
  list: (ctx) => tables(ctx).addresses.list(scope(ctx)).map((a) => ({ id: a.AllocationId, tags: a.Tags })),
  notFound: allocationNotFound,
});

export const addressHandlers: Handlers<Ec2Operations> = {
  AllocateAddress(ctx, input) {
    if (input.Domain === 'standard') throw new AwsError('InvalidParameterValue', 'EC2-Classic is not supported: the domain must be vpc.');
    const t = tables(ctx).addresses;
    const tags = tagsFromSpecs(input.TagSpecifications, 'elastic-ip');
    if (t.count(scope(ctx)) >= MAX_ADDRESSES) throw new AwsError('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
    dryRun(input);
    const a: AddressRecord = { AllocationId: ec2Id('eipalloc'), PublicIp: allocatePublicIp(ctx), Domain: 'vpc', NetworkBorderGroup: ctx.region, Tags: tags };
    t.put(scope(ctx), a.AllocationId, a);
    return { AllocationId: a.AllocationId, PublicIp: a.PublicIp, Domain: 'vpc', PublicIpv4Pool: 'amazon', NetworkBorderGroup: ctx.region };
  },

  AssociateAddress(ctx, input) {
    const a = find(ctx, input.AllocationId, input.PublicIp);
    if (!input.InstanceId) {
      if (input.NetworkInterfaceId) throw new AwsError('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${input.NetworkInterfaceId}' does not exist`);
      throw new AwsError('MissingParameter', 'Either instance ID or network interface ID must be specified');
    }
    checkId('i', input.InstanceId);
    const inst = instanceTarget(ctx, input.InstanceId);
    if (!inst || inst.State === 'terminated') throw instanceNotFound(input.InstanceId);
    if (inst.State === 'shutting-down') {
      throw new AwsError('IncorrectInstanceState', `The instance '${input.InstanceId}' is not in a valid state for this operation.`);
    }
    if (a.AssociationId && a.InstanceId !== input.InstanceId && input.AllowReassociation === false) {
      throw new AwsError('Resource.AlreadyAssociated', `resource ${a.AllocationId} is already associated with associate-id ${a.AssociationId}`);
    }
    dryRun(input);
    const t = tables(ctx).addresses;
    // an instance has one Elastic IP on its primary address: a previous one is disassociated
    for (const other of t.list(scope(ctx))) {
      if (other.InstanceId === input.InstanceId && other.AllocationId !== a.AllocationId) {
        detach(other);
        t.put(scope(ctx), other.AllocationId, other);
      }
    }
    a.InstanceId = input.InstanceId;
    a.AssociationId = ec2Id('eipassoc');
    a.PrivateIpAddress = input.PrivateIpAddress ?? inst.PrivateIpAddress;
    a.NetworkInterfaceId = `eni-${input.InstanceId.slice(2)}`;
    t.put(scope(ctx), a.AllocationId, a);
    return { AssociationId: a.AssociationId };
  },

  DisassociateAddress(ctx, input) {
    const t = tables(ctx).addresses;
    let a: AddressRecord | undefined;
    if (input.AssociationId) {
      a = t.list(scope(ctx)).find((x) => x.AssociationId === input.AssociationId);
      if (!a) throw associationNotFound(input.AssociationId);
    } else {
      a = find(ctx, undefined, input.PublicIp);
      if (!a.AssociationId) return;
    }
    dryRun(input);
    detach(a);
    t.put(scope(ctx), a.AllocationId, a);
  },

  ReleaseAddress(ctx, input) {
    const a = find(ctx, input.AllocationId, input.PublicIp);
    if (a.AssociationId) throw new AwsError('InvalidIPAddress.InUse', `Address ${a.PublicIp} is in use.`);
    dryRun(input);
    tables(ctx).addresses.delete(scope(ctx), a.AllocationId);
    releasePublicIp(ctx, a.PublicIp);
  },

  DescribeAddresses(ctx, input) {
    const all = tables(ctx).addresses.list(scope(ctx));
    let picked = all;
    if (input.AllocationIds?.length) picked = input.AllocationIds.map((id) => find(ctx, id));
    if (input.PublicIps?.length) picked = picked.filter((a) => input.PublicIps!.includes(a.PublicIp));
    for (const ip of input.PublicIps ?? []) {
      if (!all.some((a) => a.PublicIp === ip)) throw new AwsError('InvalidAddress.NotFound', `Address '${ip}' not found.`);
    }
    const filtered = applyFilters(picked, input.Filters, {
      'allocation-id': (a) => a.AllocationId,
      'association-id': (a) => a.AssociationId,
      'domain': (a) => a.Domain,
      'instance-id': (a) => a.InstanceId,
      'network-border-group': (a) => a.NetworkBorderGroup,
      'network-interface-id': (a) => a.NetworkInterfaceId,
      'network-interface-owner-id': (a) => (a.NetworkInterfaceId ? ctx.account : undefined),
      'private-ip-address': (a) => a.PrivateIpAddress,
      'public-ip': (a) => a.PublicIp,
    });
    return { Addresses: filtered.map((a) => view(ctx, a)) };
  },
};
