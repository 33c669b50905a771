// EC2 instance operations: run, describe, start, stop, reboot, terminate, status; with types, images,
// attributes and console output assembled from their own files.
import type { Ec2Operations, Instance, InstanceStateChange, Reservation } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { attributeHandlers } from './instance-attributes.js';
import { consoleHandlers } from './console.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf } from './filters.js';
import { imageHandlers } from './images.js';
import { ownImageHandlers } from './images-api.js';
import { instanceTypeHandlers } from './instance-types.js';
import { instancesNotFound, instanceTable, listRecords, putRecord, recordsByIds, stateOf, toInstance, type InstanceRecord } from './instances.js';
import { engineFor, shutdownEngine } from './lifecycle.js';
import type { Ec2Ctx } from './network.js';
import { runInstances } from './run-instances.js';
import { registerTaggable } from './tagging.js';
import { registerAutomateActions } from './automate.js';
import { checkCapacity } from './capacity.js';
import { registerEc2Faults } from './fault-kinds.js';
import { startSpotMarket, stopSpotMarket } from './spot-market.js';
import { statusChecksFor, stopStatusChecks } from './status-checks.js';
import { checkSpotStop, spotInstanceStoppedOrStarted, spotInstanceTerminatedByUser } from './spot-requests.js';
import { resumeSpotInterruptions } from './spot-interruptions.js';
import { checkStartQuota, startQuotaTracking } from './quotas.js';
import { checkHostForStart } from './hosts.js';
import { startCostTracking } from './cost-tracking.js';

registerTaggable('i', {
  resourceType: 'instance',
  get: (ctx, id) => instanceTable(ctx).get({ account: ctx.account, region: ctx.region }, id)?.Tags,
  set: (ctx, id, tags) => {
    const scope = { account: ctx.account, region: ctx.region };
    const r = instanceTable(ctx).get(scope, id);
    if (r) instanceTable(ctx).put(scope, id, { ...r, Tags: tags });
  },
  list: (ctx) => listRecords(ctx).map((r) => ({ id: r.InstanceId, tags: r.Tags })),
  notFound: (id) => instancesNotFound([id]),
});

const instanceAccessors: Record<string, (i: Instance & { _r: InstanceRecord }) => string | string[] | number | boolean | undefined> = {
  'instance-id': (i) => i.InstanceId,
  'instance-state-name': (i) => i.State?.Name,
  'instance-state-code': (i) => i.State?.Code,
  'instance-type': (i) => i.InstanceType,
  'image-id': (i) => i.ImageId,
  'vpc-id': (i) => i.VpcId,
  'subnet-id': (i) => i.SubnetId,
  'availability-zone': (i) => i.Placement?.AvailabilityZone,
  'private-ip-address': (i) => i.PrivateIpAddress,
  'ip-address': (i) => i.PublicIpAddress,
  'private-dns-name': (i) => i.PrivateDnsName,
  'dns-name': (i) => i.PublicDnsName,
  'key-name': (i) => i.KeyName,
  'instance-lifecycle': (i) => i.InstanceLifecycle,
  'iam-instance-profile.arn': (i) => i.IamInstanceProfile?.Arn,
  'reservation-id': (i) => i._r.ReservationId,
  'owner-id': (i) => i._r.OwnerId,
  'launch-time': (i) => i._r.LaunchTime,
  'root-device-type': (i) => i.RootDeviceType,
  'root-device-name': (i) => i.RootDeviceName,
  architecture: (i) => i.Architecture,
  'instance.group-id': (i) => i.SecurityGroups?.map((g) => g.GroupId ?? ''),
  'instance.group-name': (i) => i.SecurityGroups?.map((g) => g.GroupName ?? ''),
  'group-id': (i) => i.SecurityGroups?.map((g) => g.GroupId ?? ''),
  'group-name': (i) => i.SecurityGroups?.map((g) => g.GroupName ?? ''),
  'network-interface.network-interface-id': (i) => i._r.NetworkInterfaceId,
  'monitoring-state': (i) => i.Monitoring?.State,
  'tenancy': (i) => i.Placement?.Tenancy,
  'placement.tenancy': (i) => i.Placement?.Tenancy,
  'host-id': (i) => i.Placement?.HostId,
  'placement.host-id': (i) => i.Placement?.HostId,
  'state-reason-code': (i) => i.StateReason?.Code,
  'client-token': (i) => i._r.ClientToken,
  'metadata-options.http-tokens': (i) => i.MetadataOptions?.HttpTokens,
  'metadata-options.http-endpoint': (i) => i.MetadataOptions?.HttpEndpoint,
  'block-device-mapping.volume-id': (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.VolumeId ?? ''),
  'hypervisor': () => 'xen',
  'virtualization-type': () => 'hvm',
  'platform-details': () => 'Linux/UNIX',
};

/** The records a state-changing call names, after its DryRun check. */
function named(ctx: Ec2Ctx, input: { InstanceIds: string[]; DryRun?: boolean }): InstanceRecord[] {
  const records = recordsByIds(ctx, input.InstanceIds);
  dryRun(input);
  return records;
}

function change(r: InstanceRecord, previous: InstanceRecord['State']): InstanceStateChange {
  return { InstanceId: r.InstanceId, CurrentState: stateOf(r.State), PreviousState: stateOf(previous) };
}

const lifecycleHandlers: Handlers<Ec2Operations> = {
  RunInstances: (ctx, input) => runInstances(ctx, input),

  DescribeInstances(ctx, input) {
    if (input.MaxResults !== undefined) {
      if (input.InstanceIds?.length) throw new AwsError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
      if (input.MaxResults < 5 || input.MaxResults > 1000) {
        throw new AwsError('InvalidParameterValue', `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value greater than 5.`);
      }
    }
    const records = input.InstanceIds?.length ? recordsByIds(ctx, input.InstanceIds) : listRecords(ctx);
    const views = records.map((r) => Object.assign(toInstance(ctx, r), { _r: r }));
    const filtered = applyFilters(views, input.Filters, instanceAccessors);
    const page = pageOf(filtered, input, (i) => i.InstanceId!, { defaultMax: 1000, invalidTokenCode: 'InvalidParameterValue' });
    const reservations: Reservation[] = [];
    for (const v of page.items) {
      const { _r, ...instance } = v;
      let res = reservations[reservations.length - 1];
      if (!res || res.ReservationId !== _r.ReservationId) {
        res = { ReservationId: _r.ReservationId, OwnerId: _r.OwnerId, Groups: [], Instances: [] };
        reservations.push(res);
      }
      res.Instances!.push(instance);
    }
    return { Reservations: reservations, NextToken: page.NextToken };
  },

  DescribeInstanceStatus(ctx, input) {
    const records = input.InstanceIds?.length ? recordsByIds(ctx, input.InstanceIds) : listRecords(ctx);
    const shown = records.filter((r) => (input.IncludeAllInstances ? r.State !== 'terminated' || !!input.InstanceIds?.length : r.State === 'running'));
    const checks = statusChecksFor(ctx);
    const statuses = shown.map((r) => {
      const s = checks.statusOf(r);
      return { ...s, InstanceId: r.InstanceId, InstanceState: stateOf(r.State), InstanceStatus: s.InstanceStatus!, SystemStatus: s.SystemStatus! };
    });
    const filtered = applyFilters(statuses, input.Filters, {
      'availability-zone': (s) => s.AvailabilityZone,
      'instance-state-name': (s) => s.InstanceState.Name,
      'instance-state-code': (s) => s.InstanceState.Code,
      'instance-status.status': (s) => s.InstanceStatus.Status,
      'system-status.status': (s) => s.SystemStatus.Status,
      'instance-status.reachability': (s) => s.InstanceStatus.Details?.[0]?.Status,
      'system-status.reachability': (s) => s.SystemStatus.Details?.[0]?.Status,
      'event.code': (s) => s.Events?.map((e) => e.Code ?? ''),
      'event.description': (s) => s.Events?.map((e) => e.Description ?? ''),
      'event.instance-event-id': (s) => s.Events?.map((e) => e.InstanceEventId ?? ''),
    });
    const page = pageOf(filtered, input, (s) => s.InstanceId, { defaultMax: 1000, invalidTokenCode: 'InvalidParameterValue' });
    return { InstanceStatuses: page.items, NextToken: page.NextToken };
  },

  StartInstances(ctx, input) {
    const records = named(ctx, input);
    for (const r of records) {
      if (r.State === 'stopping' || r.State === 'shutting-down' || r.State === 'terminated') {
        throw new AwsError('IncorrectInstanceState', `The instance '${r.InstanceId}' is not in a state from which it can be started.`);
      }
    }
    for (const r of records) if (r.State === 'stopped') checkCapacity(ctx, r.AvailabilityZone, r.InstanceType);
    const starting = records.filter((r) => r.State === 'stopped');
    checkStartQuota(ctx, starting);
    for (const r of starting) checkHostForStart(ctx, r);
    const engine = engineFor(ctx);
    return {
      StartingInstances: records.map((r) => {
        const previous = r.State;
        if (previous === 'stopped') {
          engine.start(ctx, r);
          spotInstanceStoppedOrStarted(ctx, r, true);
        }
        return change(r, previous);
      }),
    };
  },

  StopInstances(ctx, input) {
    const records = named(ctx, input);
    if (input.Hibernate) {
      throw new AwsError('UnsupportedHibernationConfiguration', `The instance '${records[0]!.InstanceId}' is not enabled for hibernation. To enable hibernation, you must launch the instance with hibernation configured.`);
    }
    for (const r of records) {
      if (r.RootDeviceType === 'instance-store') {
        throw new AwsError('UnsupportedOperation', `The instance '${r.InstanceId}' does not have an 'ebs' root device type and cannot be stopped.`);
      }
      if (r.State === 'shutting-down' || r.State === 'terminated') {
        throw new AwsError('IncorrectInstanceState', `This instance '${r.InstanceId}' is not in a state from which it can be stopped.`);
      }
      checkSpotStop(ctx, r);
    }
    const engine = engineFor(ctx);
    return {
      StoppingInstances: records.map((r) => {
        const previous = r.State;
        if (previous === 'pending' || previous === 'running' || (previous === 'stopping' && input.Force)) {
          engine.stop(ctx, r, !!input.Force);
          spotInstanceStoppedOrStarted(ctx, r, false);
        }
        return change(r, previous);
      }),
    };
  },

  RebootInstances(ctx, input) {
    const records = named(ctx, input);
    for (const r of records) {
      if (r.State === 'terminated' || r.State === 'shutting-down') {
        throw new AwsError('IncorrectInstanceState', `The instance '${r.InstanceId}' is not in a state from which it can be rebooted.`);
      }
    }
    const engine = engineFor(ctx);
    for (const r of records) if (r.State === 'running') engine.reboot(ctx, r);
  },

  TerminateInstances(ctx, input) {
    const records = named(ctx, input);
    const protectedOnes = records.filter((r) => r.DisableApiTermination && r.State !== 'terminated');
    if (protectedOnes.length) {
      throw new AwsError(
        'OperationNotPermitted',
        `The instance '${protectedOnes[0]!.InstanceId}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
      );
    }
    const engine = engineFor(ctx);
    return {
      TerminatingInstances: records.map((r) => {
        const previous = r.State;
        if (previous !== 'terminated' && previous !== 'shutting-down') {
          engine.terminate(ctx, r);
          spotInstanceTerminatedByUser(ctx, r);
        }
        return change(r, previous);
      }),
    };
  },

  MonitorInstances(ctx, input) {
    const records = named(ctx, input);
    return {
      InstanceMonitorings: records.map((r) => {
        if (r.Monitoring !== 'enabled') r.Monitoring = r.State === 'running' ? 'enabled' : 'pending';
        putRecord(ctx, r);
        return { InstanceId: r.InstanceId, Monitoring: { State: r.Monitoring === 'enabled' ? 'pending' : r.Monitoring } };
      }),
    };
  },

  UnmonitorInstances(ctx, input) {
    const records = named(ctx, input);
    return {
      InstanceMonitorings: records.map((r) => {
        r.Monitoring = 'disabled';
        putRecord(ctx, r);
        return { InstanceId: r.InstanceId, Monitoring: { State: 'disabling' } };
      }),
    };
  },
};

export const instanceHandlers: Handlers<Ec2Operations> = {
  ...instanceTypeHandlers,
  ...imageHandlers,
  ...ownImageHandlers,
  ...lifecycleHandlers,
  ...attributeHandlers,
  ...consoleHandlers,
};

export const instanceLifecycle = {
  init(runtime: Runtime): void {
    engineFor(runtime).recover();
    resumeSpotInterruptions(runtime);
    registerEc2Faults(runtime);
    registerAutomateActions(runtime, lifecycleHandlers);
    statusChecksFor(runtime).start();
    startSpotMarket(runtime);
    startCostTracking(runtime);
    startQuotaTracking(runtime);
  },
  /** Stops the instances' metadata listeners and workloads; the records stay as they are (a restart boots them again). */
  async stop(runtime: Runtime): Promise<void> {
    stopStatusChecks(runtime);
    stopSpotMarket(runtime);
    await shutdownEngine(runtime);
  },
};
