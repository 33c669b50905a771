// DescribeInstanceAttribute / ModifyInstanceAttribute, and the instance profile associations
// (Associate / Replace / Disassociate / DescribeIamInstanceProfileAssociations).
import type { Ec2Operations, IamInstanceProfileAssociation, InstanceAttribute } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters } from './filters.js';
import { requireInstanceType } from './instance-types.js';
import { listRecords, putRecord, recordsByIds, toInstance, type InstanceRecord } from './instances.js';
import { resolveSecurityGroups } from './network.js';
import { resolveInstanceProfile } from './run-instances.js';
import { decodeUserData } from './user-data.js';

function notStopped(r: InstanceRecord): AwsError {
  return new AwsError('IncorrectInstanceState', `The instance '${r.InstanceId}' is not in the 'stopped' state.`);
}

function bool(v: string | undefined, name: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new AwsError('InvalidParameterValue', `Value (${v ?? ''}) for parameter ${name} is invalid. Expected: 'true' or 'false'.`);
}

function blobToBase64(v: Uint8Array | string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : Buffer.from(v).toString('base64');
}

function association(r: InstanceRecord, state: IamInstanceProfileAssociation['State'] = 'associated'): IamInstanceProfileAssociation {
  return {
    AssociationId: r.IamInstanceProfile!.AssociationId,
    InstanceId: r.InstanceId,
    IamInstanceProfile: { Arn: r.IamInstanceProfile!.Arn, Id: r.IamInstanceProfile!.Id },
    State: state,
  };
}

function byAssociation(records: InstanceRecord[], id: string): InstanceRecord {
  const r = records.find((x) => x.IamInstanceProfile?.AssociationId === id && x.State !== 'terminated');
  if (!r) throw new AwsError('InvalidAssociationID.NotFound', `An association with ID ${id} could not be found.`);
  return r;
}

export const attributeHandlers: Handlers<Ec2Operations> = {
  DescribeInstanceAttribute(ctx, input) {
    const [r] = recordsByIds(ctx, [input.InstanceId]);
    dryRun(input);
    const out: InstanceAttribute = { InstanceId: r!.InstanceId };
    switch (input.Attribute) {
      case 'instanceType':
        out.InstanceType = { Value: r!.InstanceType };
        break;
      case 'userData':
        out.UserData = r!.UserData ? { Value: r!.UserData } : {};
        break;
      case 'disableApiTermination':
        out.DisableApiTermination = { Value: r!.DisableApiTermination };
        break;
      case 'disableApiStop':
        out.DisableApiStop = { Value: false };
        break;
      case 'instanceInitiatedShutdownBehavior':
        out.InstanceInitiatedShutdownBehavior = { Value: r!.InstanceInitiatedShutdownBehavior };
        break;
      case 'rootDeviceName':
        out.RootDeviceName = { Value: r!.RootDeviceName };
        break;
      case 'blockDeviceMapping':
        out.BlockDeviceMappings = toInstance(ctx, r!).BlockDeviceMappings;
        break;
      case 'productCodes':
        out.ProductCodes = [];
        break;
      case 'sourceDestCheck':
        out.SourceDestCheck = { Value: r!.SourceDestCheck };
        break;
      case 'groupSet':
        out.Groups = r!.Groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName }));
        break;
      case 'ebsOptimized':
        out.EbsOptimized = { Value: r!.EbsOptimized };
        break;
      case 'enaSupport':
        out.EnaSupport = { Value: r!.EnaSupport };
        break;
      case 'sriovNetSupport':
        out.SriovNetSupport = { Value: 'simple' };
        break;
      case 'kernel':
        out.KernelId = {};
        break;
      case 'ramdisk':
        out.RamdiskId = {};
        break;
      case 'enclaveOptions':
        out.EnclaveOptions = { Enabled: false };
        break;
      default:
        throw new AwsError('InvalidParameterValue', `Value (${input.Attribute}) for parameter attribute is invalid. Unknown attribute.`);
    }
    return out;
  },

  ModifyInstanceAttribute(ctx, input) {
    const [r] = recordsByIds(ctx, [input.InstanceId]);
    const rec = r!;
    // the legacy form: Attribute + Value
    const value = input.Value;
    const attr = input.Attribute;
    const instanceType = input.InstanceType?.Value ?? (attr === 'instanceType' ? value : undefined);
    const userData = input.UserData ? blobToBase64(input.UserData.Value) ?? '' : attr === 'userData' ? value : undefined;
    const disableApiTermination = input.DisableApiTermination?.Value ?? (attr === 'disableApiTermination' ? bool(value, 'disableApiTermination') : undefined);
    const shutdown = input.InstanceInitiatedShutdownBehavior?.Value ?? (attr === 'instanceInitiatedShutdownBehavior' ? value : undefined);
    const sourceDestCheck = input.SourceDestCheck?.Value ?? (attr === 'sourceDestCheck' ? bool(value, 'sourceDestCheck') : undefined);
    const ebsOptimized = input.EbsOptimized?.Value ?? (attr === 'ebsOptimized' ? bool(value, 'ebsOptimized') : undefined);
    if (instanceType !== undefined) {
      if (rec.State !== 'stopped') throw notStopped(rec);
      const spec = requireInstanceType(instanceType);
      if (spec.arch !== rec.Architecture) {
        throw new AwsError('InvalidParameterValue', `The instance type '${instanceType}' does not support the architecture '${rec.Architecture}' of the instance.`);
      }
      rec.InstanceType = spec.name;
    }
    if (userData !== undefined) {
      if (rec.State !== 'stopped') throw notStopped(rec);
      const decoded = decodeUserData(userData);
      rec.UserData = decoded ? decoded.toString('base64') : undefined;
    }
    if (shutdown !== undefined) {
      if (shutdown !== 'stop' && shutdown !== 'terminate') {
        throw new AwsError('InvalidParameterValue', `Value (${shutdown}) for parameter instanceInitiatedShutdownBehavior is invalid. Expected: 'stop' or 'terminate'.`);
      }
      rec.InstanceInitiatedShutdownBehavior = shutdown;
    }
    if (disableApiTermination !== undefined) rec.DisableApiTermination = disableApiTermination;
    if (sourceDestCheck !== undefined) rec.SourceDestCheck = sourceDestCheck;
    if (ebsOptimized !== undefined) rec.EbsOptimized = ebsOptimized;
    if (input.Groups?.length) rec.Groups = resolveSecurityGroups(ctx, rec.VpcId, input.Groups);
    if (rec.State === 'terminated') throw new AwsError('IncorrectInstanceState', `The instance '${rec.InstanceId}' is not in a state from which it can be modified.`);
    dryRun(input);
    putRecord(ctx, rec);
  },

  AssociateIamInstanceProfile(ctx, input) {
    const [r] = recordsByIds(ctx, [input.InstanceId]);
    const profile = resolveInstanceProfile(ctx, input.IamInstanceProfile);
    if (r!.IamInstanceProfile) {
      throw new AwsError('IncorrectState', `There is an existing association for instance ${r!.InstanceId}`);
    }
    if (r!.State !== 'running' && r!.State !== 'stopped' && r!.State !== 'pending') {
      throw new AwsError('IncorrectInstanceState', `The instance '${r!.InstanceId}' is not in a valid state for this operation.`);
    }
    r!.IamInstanceProfile = { ...profile, AssociationId: ec2Id('iip-assoc') };
    putRecord(ctx, r!);
    return { IamInstanceProfileAssociation: association(r!, 'associating') };
  },

  ReplaceIamInstanceProfileAssociation(ctx, input) {
    const r = byAssociation(listRecords(ctx), input.AssociationId);
    const profile = resolveInstanceProfile(ctx, input.IamInstanceProfile);
    r.IamInstanceProfile = { ...profile, AssociationId: ec2Id('iip-assoc') };
    putRecord(ctx, r);
    return { IamInstanceProfileAssociation: association(r, 'associating') };
  },

  DisassociateIamInstanceProfile(ctx, input) {
    const r = byAssociation(listRecords(ctx), input.AssociationId);
    const result = association(r, 'disassociating');
    delete r.IamInstanceProfile;
    putRecord(ctx, r);
    return { IamInstanceProfileAssociation: result };
  },

  DescribeIamInstanceProfileAssociations(ctx, input) {
    const records = listRecords(ctx).filter((r) => r.IamInstanceProfile && r.State !== 'terminated');
    if (input.AssociationIds?.length) for (const id of input.AssociationIds) byAssociation(records, id);
    let items = records.map((r) => association(r));
    if (input.AssociationIds?.length) items = items.filter((a) => input.AssociationIds!.includes(a.AssociationId!));
    items = applyFilters(items, input.Filters, { 'instance-id': (a) => a.InstanceId, state: (a) => a.State });
    const page = paginate(items, (a) => a.AssociationId!, { token: input.NextToken, max: input.MaxResults, defaultMax: 1000, invalidTokenCode: 'InvalidParameterValue' });
    return { IamInstanceProfileAssociations: page.items, NextToken: page.next };
  },
};
