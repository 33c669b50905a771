// Launch template operations: create, version, modify the default, describe, delete, and
// GetLaunchTemplateData from an instance. RunInstances reads templates through launch-templates.ts.
import type { Ec2Operations, LaunchTemplate, LaunchTemplateVersion, ResponseLaunchTemplateData } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf } from './filters.js';
import { recordsByIds, type InstanceRecord } from './instances.js';
import {
  checkTemplateId,
  findTemplate,
  findVersion,
  storedData,
  templateByName,
  templateIdNotFound,
  templateTable,
  versionKey,
  versionsOf,
  versionTable,
  type LaunchTemplateRecord,
  type LaunchTemplateVersionRecord,
} from './launch-templates.js';
import type { Ec2Ctx } from './network.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

/** AWS's quota of versions per launch template. */
const MAX_VERSIONS = 10_000;

registerTaggable('lt', {
  resourceType: 'launch-template',
  get: (ctx, id) => templateTable(ctx).get(regional(ctx), id)?.Tags,
  set: (ctx, id, tags) => {
    const t = templateTable(ctx).get(regional(ctx), id);
    if (t) templateTable(ctx).put(regional(ctx), id, { ...t, Tags: tags });
  },
  list: (ctx) => templateTable(ctx).list(regional(ctx)).map((t) => ({ id: t.LaunchTemplateId, tags: t.Tags })),
  notFound: (id) => templateIdNotFound(id),
});

function templateView(t: LaunchTemplateRecord): LaunchTemplate {
  return {
    LaunchTemplateId: t.LaunchTemplateId,
    LaunchTemplateName: t.LaunchTemplateName,
    CreateTime: t.CreateTime,
    CreatedBy: t.CreatedBy,
    DefaultVersionNumber: t.DefaultVersionNumber,
    LatestVersionNumber: t.LatestVersionNumber,
    Tags: tagList(t.Tags),
  };
}

function versionView(t: LaunchTemplateRecord, v: LaunchTemplateVersionRecord): LaunchTemplateVersion {
  return {
    LaunchTemplateId: t.LaunchTemplateId,
    LaunchTemplateName: t.LaunchTemplateName,
    VersionNumber: v.VersionNumber,
    VersionDescription: v.VersionDescription,
    CreateTime: v.CreateTime,
    CreatedBy: v.CreatedBy,
    DefaultVersion: v.VersionNumber === t.DefaultVersionNumber,
    LaunchTemplateData: structuredClone(v.LaunchTemplateData),
  };
}

function putVersion(ctx: Ec2Ctx, v: LaunchTemplateVersionRecord): void {
  versionTable(ctx).put(regional(ctx), versionKey(v.LaunchTemplateId, v.VersionNumber), v);
}

/** The launch parameters an instance was started with, as a template holds them. */
export function launchDataOf(r: InstanceRecord): ResponseLaunchTemplateData {
  const userTags = Object.entries(r.Tags).filter(([k]) => !k.startsWith('aws:'));
  const burstable = /^t[234]/.test(r.InstanceType);
  return {
    ImageId: r.ImageId,
    InstanceType: r.InstanceType as ResponseLaunchTemplateData['InstanceType'],
    KeyName: r.KeyName,
    EbsOptimized: r.EbsOptimized,
    IamInstanceProfile: r.IamInstanceProfile ? { Arn: r.IamInstanceProfile.Arn } : undefined,
    BlockDeviceMappings: r.RootVolume
      ? [{ DeviceName: r.RootVolume.DeviceName, Ebs: { Encrypted: r.RootVolume.Encrypted, DeleteOnTermination: r.RootVolume.DeleteOnTermination, VolumeSize: r.RootVolume.VolumeSize, VolumeType: r.RootVolume.VolumeType as 'gp2', Iops: r.RootVolume.Iops } }]
      : undefined,
    NetworkInterfaces: [{ AssociatePublicIpAddress: r.MapPublicIp, DeleteOnTermination: true, Description: '', DeviceIndex: 0, Groups: r.Groups.map((g) => g.GroupId), Ipv6Addresses: [], PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: r.PrivateIpAddress }], SubnetId: r.SubnetId, NetworkCardIndex: 0 }],
    Monitoring: { Enabled: r.Monitoring === 'enabled' || r.Monitoring === 'pending' },
    Placement: { AvailabilityZone: r.AvailabilityZone, GroupName: '', Tenancy: r.Tenancy },
    DisableApiTermination: r.DisableApiTermination,
    InstanceInitiatedShutdownBehavior: r.InstanceInitiatedShutdownBehavior,
    UserData: r.UserData,
    TagSpecifications: userTags.length ? [{ ResourceType: 'instance', Tags: userTags.map(([Key, Value]) => ({ Key, Value })) }] : undefined,
    InstanceMarketOptions: r.SpotInstanceRequestId ? { MarketType: 'spot', SpotOptions: { InstanceInterruptionBehavior: r.SpotInterruptionBehavior } } : undefined,
    CreditSpecification: burstable ? { CpuCredits: r.InstanceType.startsWith('t2.') ? 'standard' : 'unlimited' } : undefined,
    CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
    HibernationOptions: { Configured: false },
    MetadataOptions: { ...r.MetadataOptions, HttpProtocolIpv6: 'disabled' },
    EnclaveOptions: { Enabled: false },
    PrivateDnsNameOptions: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    MaintenanceOptions: { AutoRecovery: 'default' },
  };
}

const versionAccessors: Record<string, (v: LaunchTemplateVersion) => string | string[] | number | boolean | undefined> = {
  'create-time': (v) => String(v.CreateTime),
  'ebs-optimized': (v) => String(!!v.LaunchTemplateData?.EbsOptimized),
  'iam-instance-profile': (v) => v.LaunchTemplateData?.IamInstanceProfile?.Arn ?? v.LaunchTemplateData?.IamInstanceProfile?.Name,
  'image-id': (v) => v.LaunchTemplateData?.ImageId,
  'instance-type': (v) => v.LaunchTemplateData?.InstanceType,
  'is-default-version': (v) => String(!!v.DefaultVersion),
  'kernel-id': (v) => v.LaunchTemplateData?.KernelId,
  'ram-disk-id': (v) => v.LaunchTemplateData?.RamDiskId,
  'http-endpoint': (v) => v.LaunchTemplateData?.MetadataOptions?.HttpEndpoint,
  'http-tokens': (v) => v.LaunchTemplateData?.MetadataOptions?.HttpTokens,
  'metadata-options.http-endpoint': (v) => v.LaunchTemplateData?.MetadataOptions?.HttpEndpoint,
  'metadata-options.http-tokens': (v) => v.LaunchTemplateData?.MetadataOptions?.HttpTokens,
};

export const launchTemplateHandlers: Handlers<Ec2Operations> = {
  CreateLaunchTemplate(ctx, input) {
    if (templateByName(ctx, input.LaunchTemplateName)) {
      throw new AwsError('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
    }
    const tags = tagsFromSpecs(input.TagSpecifications?.filter((s) => !s.ResourceType || s.ResourceType === 'launch-template'), 'launch-template');
    dryRun(input);
    const now = ctx.clock.date().toISOString();
    const t: LaunchTemplateRecord = {
      LaunchTemplateId: ec2Id('lt'),
      LaunchTemplateName: input.LaunchTemplateName,
      CreateTime: now,
      CreatedBy: ctx.caller.arn,
      DefaultVersionNumber: 1,
      LatestVersionNumber: 1,
      Tags: tags,
    };
    templateTable(ctx).put(regional(ctx), t.LaunchTemplateId, t);
    putVersion(ctx, { LaunchTemplateId: t.LaunchTemplateId, VersionNumber: 1, VersionDescription: input.VersionDescription, CreateTime: now, CreatedBy: ctx.caller.arn, LaunchTemplateData: storedData(input.LaunchTemplateData) });
    return { LaunchTemplate: templateView(t) };
  },

  CreateLaunchTemplateVersion(ctx, input) {
    const t = findTemplate(ctx, input);
    // the new version takes the source version's parameters and replaces those the call gives
    const base = input.SourceVersion !== undefined ? findVersion(ctx, t, input.SourceVersion).LaunchTemplateData : {};
    if (t.LatestVersionNumber >= MAX_VERSIONS) throw new AwsError('VersionLimitExceeded', `You've reached the maximum number of versions (${MAX_VERSIONS}) for launch template ${t.LaunchTemplateId}.`);
    dryRun(input);
    const v: LaunchTemplateVersionRecord = {
      LaunchTemplateId: t.LaunchTemplateId,
      VersionNumber: t.LatestVersionNumber + 1,
      VersionDescription: input.VersionDescription,
      CreateTime: ctx.clock.date().toISOString(),
      CreatedBy: ctx.caller.arn,
      LaunchTemplateData: { ...structuredClone(base), ...storedData(input.LaunchTemplateData) },
    };
    putVersion(ctx, v);
    t.LatestVersionNumber = v.VersionNumber;
    templateTable(ctx).put(regional(ctx), t.LaunchTemplateId, t);
    return { LaunchTemplateVersion: versionView(t, v) };
  },

  ModifyLaunchTemplate(ctx, input) {
    const t = findTemplate(ctx, input);
    if (input.DefaultVersion !== undefined) {
      const v = findVersion(ctx, t, input.DefaultVersion);
      dryRun(input);
      t.DefaultVersionNumber = v.VersionNumber;
      templateTable(ctx).put(regional(ctx), t.LaunchTemplateId, t);
    } else dryRun(input);
    return { LaunchTemplate: templateView(t) };
  },

  DescribeLaunchTemplates(ctx, input) {
    if (input.LaunchTemplateIds?.length && input.LaunchTemplateNames?.length) {
      throw new AwsError('InvalidParameterCombination', 'Only one of launchTemplateIds or launchTemplateNames can be specified.');
    }
    let list = templateTable(ctx).list(regional(ctx));
    if (input.LaunchTemplateIds?.length) {
      for (const id of input.LaunchTemplateIds) checkTemplateId(id);
      const missing = input.LaunchTemplateIds.find((id) => !list.some((t) => t.LaunchTemplateId === id));
      if (missing) throw templateIdNotFound(missing);
      list = list.filter((t) => input.LaunchTemplateIds!.includes(t.LaunchTemplateId));
    }
    if (input.LaunchTemplateNames?.length) {
      const missing = input.LaunchTemplateNames.find((n) => !list.some((t) => t.LaunchTemplateName === n));
      if (missing) throw new AwsError('InvalidLaunchTemplateName.NotFoundException', 'At least one of the launch templates specified in the request does not exist.');
      list = list.filter((t) => input.LaunchTemplateNames!.includes(t.LaunchTemplateName));
    }
    const filtered = applyFilters(list, input.Filters, {
      'create-time': (t) => t.CreateTime,
      'launch-template-name': (t) => t.LaunchTemplateName,
    });
    const page = pageOf(filtered, input, (t) => t.LaunchTemplateId, { defaultMax: 1000 });
    return { LaunchTemplates: page.items.map(templateView), NextToken: page.NextToken };
  },

  DescribeLaunchTemplateVersions(ctx, input) {
    let views: LaunchTemplateVersion[];
    if (!input.LaunchTemplateId && !input.LaunchTemplateName) {
      // without a template: the $Latest/$Default versions of every template, as AWS allows
      if (input.Versions?.some((v) => v !== '$Latest' && v !== '$Default')) {
        throw new AwsError('InvalidParameterCombination', 'Launch template ID or name must be specified when specifying version numbers.');
      }
      views = [];
      for (const t of templateTable(ctx).list(regional(ctx))) {
        const wanted = new Set((input.Versions?.length ? input.Versions : ['$Latest', '$Default']).map((v) => (v === '$Latest' ? t.LatestVersionNumber : t.DefaultVersionNumber)));
        for (const n of [...wanted].sort((a, b) => a - b)) views.push(versionView(t, findVersion(ctx, t, String(n))));
      }
    } else {
      const t = findTemplate(ctx, input);
      let versions = versionsOf(ctx, t.LaunchTemplateId);
      if (input.Versions?.length) {
        const picked = new Map<number, LaunchTemplateVersionRecord>();
        for (const v of input.Versions) {
          const found = findVersion(ctx, t, v);
          picked.set(found.VersionNumber, found);
        }
        versions = [...picked.values()].sort((a, b) => a.VersionNumber - b.VersionNumber);
      }
      const bound = (v: string | undefined, fallback: number) => (v === undefined ? fallback : v === '$Latest' ? t.LatestVersionNumber : v === '$Default' ? t.DefaultVersionNumber : Number(v));
      const min = bound(input.MinVersion, 0);
      const max = bound(input.MaxVersion, Number.MAX_SAFE_INTEGER);
      versions = versions.filter((v) => v.VersionNumber >= min && v.VersionNumber <= max);
      views = versions.map((v) => versionView(t, v));
    }
    const filtered = applyFilters(views, input.Filters, versionAccessors);
    const page = pageOf(filtered, input, (v) => `${v.LaunchTemplateId}/${String(v.VersionNumber).padStart(8, '0')}`, { defaultMax: 1000 });
    return { LaunchTemplateVersions: page.items, NextToken: page.NextToken };
  },

  DeleteLaunchTemplate(ctx, input) {
    const t = findTemplate(ctx, input);
    dryRun(input);
    for (const v of versionsOf(ctx, t.LaunchTemplateId)) versionTable(ctx).delete(regional(ctx), versionKey(t.LaunchTemplateId, v.VersionNumber));
    templateTable(ctx).delete(regional(ctx), t.LaunchTemplateId);
    return { LaunchTemplate: templateView(t) };
  },

  DeleteLaunchTemplateVersions(ctx, input) {
    const t = findTemplate(ctx, input);
    dryRun(input);
    const ok: { LaunchTemplateId: string; LaunchTemplateName: string; VersionNumber: number }[] = [];
    const failed: NonNullable<Ec2Operations['DeleteLaunchTemplateVersions']['output']['UnsuccessfullyDeletedLaunchTemplateVersions']> = [];
    const names = { LaunchTemplateId: t.LaunchTemplateId, LaunchTemplateName: t.LaunchTemplateName };
    for (const v of input.Versions) {
      const n = Number(v);
      if (!/^\d+$/.test(v)) {
        failed.push({ ...names, ResponseError: { Code: 'launchTemplateVersionDoesNotExist', Message: `The specified launch template version does not exist.` } });
        continue;
      }
      if (n === t.DefaultVersionNumber) {
        failed.push({ ...names, VersionNumber: n, ResponseError: { Code: 'unexpectedError', Message: 'Cannot delete the default version of a launch template. Set another version as the default, or delete the launch template.' } });
        continue;
      }
      if (!versionTable(ctx).has(regional(ctx), versionKey(t.LaunchTemplateId, n))) {
        failed.push({ ...names, VersionNumber: n, ResponseError: { Code: 'launchTemplateVersionDoesNotExist', Message: 'The specified launch template version does not exist.' } });
        continue;
      }
      versionTable(ctx).delete(regional(ctx), versionKey(t.LaunchTemplateId, n));
      ok.push({ ...names, VersionNumber: n });
    }
    return { SuccessfullyDeletedLaunchTemplateVersions: ok, UnsuccessfullyDeletedLaunchTemplateVersions: failed };
  },

  GetLaunchTemplateData(ctx, input) {
    const [r] = recordsByIds(ctx, [input.InstanceId]);
    dryRun(input);
    return { LaunchTemplateData: launchDataOf(r!) };
  },
};

