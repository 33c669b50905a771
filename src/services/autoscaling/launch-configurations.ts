// Launch configurations: immutable launch settings a group launches from (the older sibling of launch templates).
import type { AutoscalingOperations } from '../../generated/autoscaling.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { randomUUID } from 'node:crypto';
import type { Handlers } from '../define.js';
import { alreadyExists, launchConfigurationNotFound, resourceInUse, validation } from './errors.js';
import { groups, launchConfigurations, scopeOf, type LaunchConfigurationRecord } from './store.js';
import * as ec2 from '../ec2/index.js';

export const launchConfigurationHandlers: Handlers<AutoscalingOperations> = {
  CreateLaunchConfiguration(ctx, input) {
    const scope = scopeOf(ctx);
    const name = input.LaunchConfigurationName;
    if (launchConfigurations(ctx).has(scope, name)) {
      throw alreadyExists(`Launch Configuration by this name already exists - A launch configuration already exists with the name ${name}`);
    }
    let { ImageId, InstanceType, KeyName, SecurityGroups, UserData, IamInstanceProfile } = input;
    if (input.InstanceId) {
      // the instance's settings fill what the call leaves out, as AWS does
      const [source] = ec2.describeInstancesInternal(ctx, scope, [input.InstanceId]);
      if (!source || source.State?.Name === 'terminated') throw validation(`Invalid instance id: ${input.InstanceId}`);
      ImageId ??= source.ImageId;
      InstanceType ??= source.InstanceType;
      KeyName ??= source.KeyName;
      SecurityGroups ??= source.SecurityGroups?.map((g) => g.GroupId!);
      IamInstanceProfile ??= source.IamInstanceProfile?.Arn;
    }
    if (!ImageId) throw validation('ImageId is required when InstanceId is not specified.');
    if (!InstanceType) throw validation('InstanceType is required when InstanceId is not specified.');
    if (UserData && Buffer.byteLength(UserData) > 21_847) throw validation('User data is limited to 21847 bytes');
    const record: LaunchConfigurationRecord = {
      LaunchConfigurationName: name,
      LaunchConfigurationARN: arn({
        service: 'autoscaling',
        region: ctx.region,
        account: ctx.account,
        resource: `launchConfiguration:${randomUUID()}:launchConfigurationName/${name}`,
      }),
      ImageId,
      InstanceType,
      KeyName,
      SecurityGroups: SecurityGroups ?? [],
      UserData: UserData ?? '',
      KernelId: input.KernelId ?? '',
      RamdiskId: input.RamdiskId ?? '',
      BlockDeviceMappings: input.BlockDeviceMappings ?? [],
      InstanceMonitoring: { Enabled: input.InstanceMonitoring?.Enabled ?? true },
      SpotPrice: input.SpotPrice,
      IamInstanceProfile,
      EbsOptimized: input.EbsOptimized ?? false,
      AssociatePublicIpAddress: input.AssociatePublicIpAddress,
      PlacementTenancy: input.PlacementTenancy,
      MetadataOptions: input.MetadataOptions,
      ClassicLinkVPCSecurityGroups: [],
      CreatedTime: ctx.clock.date().toISOString(),
    };
    launchConfigurations(ctx).put(scope, name, record);
  },

  DescribeLaunchConfigurations(ctx, input) {
    const all = launchConfigurations(ctx).list(scopeOf(ctx));
    const wanted = input.LaunchConfigurationNames?.length ? all.filter((l) => input.LaunchConfigurationNames!.includes(l.LaunchConfigurationName)) : all;
    if ((input.MaxRecords ?? 50) > 100) throw validation('MaxRecords must be less than or equal to 100');
    const page = paginate(wanted, (l) => l.LaunchConfigurationName, { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
    return { LaunchConfigurations: page.items, NextToken: page.next };
  },

  DeleteLaunchConfiguration(ctx, input) {
    const scope = scopeOf(ctx);
    const name = input.LaunchConfigurationName;
    if (!launchConfigurations(ctx).has(scope, name)) throw launchConfigurationNotFound(name);
    const user = groups(ctx)
      .list(scope)
      .find((g) => g.LaunchConfigurationName === name);
    if (user) throw resourceInUse(`Cannot delete launch configuration ${name} because it is attached to AutoScalingGroup ${user.AutoScalingGroupName}`);
    launchConfigurations(ctx).delete(scope, name);
  },
};
