// The failures EC2 can be made to suffer (POST /_cumulus/faults): a failing host, a hung or killed
// workload, an Availability Zone outage, a spot interruption. Registered at EC2's init.
import { FaultError, type FaultSpec } from '../../server/faults.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { instanceTable, type InstanceRecord } from './instances.js';
import { engineFor } from './lifecycle.js';
import { availabilityZones } from './regions.js';
import { interruptSpotInstance } from './spot-interruptions.js';
import { azDown, statusChecksFor } from './status-checks.js';

/** The instance a fault names, anywhere in Cumulus (instance ids are unique), with its scope. */
function instanceOf(runtime: Runtime, spec: FaultSpec, liveOnly = true): { scope: Scope; record: InstanceRecord } {
  const id = spec.instanceId;
  if (typeof id !== 'string' || !id) throw new FaultError(`fault '${spec.kind}' needs "instanceId"`);
  const found = instanceTable(runtime).listAll().find((x) => x.id === id);
  if (!found) throw new FaultError(`no instance ${id}`);
  if (liveOnly && found.record.State !== 'running' && found.record.State !== 'pending') {
    throw new FaultError(`instance ${id} is ${found.record.State}: the fault needs it running`);
  }
  return { scope: found.scope, record: found.record };
}

export function registerEc2Faults(runtime: Runtime): void {
  const engine = engineFor(runtime);
  const checks = statusChecksFor(runtime);

  runtime.faults.register('instance-system-check', {
    description: '{instanceId}: the instance\'s host fails: system status impaired until cleared (or until the instance moves host: stop/start, recover)',
    apply(spec) {
      const { record } = instanceOf(runtime, spec);
      // the fault belongs to the host the instance is on now
      spec.host = record.Host;
      return { target: record.InstanceId };
    },
  });

  runtime.faults.register('instance-check', {
    description: '{instanceId}: the workload hangs (SIGSTOP): instance status impaired until cleared (SIGCONT)',
    apply(spec) {
      const { record } = instanceOf(runtime, spec);
      const handle = engine.handleOf(record.InstanceId);
      if (!handle || handle.state !== 'running') throw new FaultError(`instance ${record.InstanceId} has no running workload`);
      handle.kill('SIGSTOP');
      checks.frozen.add(handle);
      return {
        target: record.InstanceId,
        clear: () => {
          checks.frozen.delete(handle);
          handle.kill('SIGCONT');
        },
      };
    },
  });

  runtime.faults.register('workload-kill', {
    description: '{instanceId}: kills the instance\'s workload (as a crash): the instance stays running and its instance check fails',
    apply(spec) {
      const { record } = instanceOf(runtime, spec);
      const handle = engine.handleOf(record.InstanceId);
      if (!handle || handle.state !== 'running') throw new FaultError(`instance ${record.InstanceId} has no running workload`);
      handle.kill('SIGKILL');
      return { target: record.InstanceId, oneShot: true };
    },
  });

  runtime.faults.register('az-outage', {
    description: '{availabilityZone, region?}: the zone loses power: its instances\' workloads stop and both checks fail; RunInstances there gets InsufficientInstanceCapacity; on clear the instances boot again',
    apply(spec) {
      const zone = spec.availabilityZone;
      if (typeof zone !== 'string' || !zone) throw new FaultError(`fault 'az-outage' needs "availabilityZone"`);
      const region = typeof spec.region === 'string' && spec.region ? spec.region : zone.replace(/[a-z]$/, '');
      if (!availabilityZones(region).some((z) => z.ZoneName === zone)) throw new FaultError(`no availability zone ${zone} in ${region}`);
      spec.region = region;
      const inZone = () => instanceTable(runtime).listAll().filter((x) => x.scope.region === region && x.record.AvailabilityZone === zone && x.record.State === 'running');
      for (const x of inZone()) engine.powerOff(x.id);
      return {
        target: zone,
        clear: () => {
          // another outage of the same zone may still hold it (this one is already removed from the registry)
          if (azDown(runtime, region, zone)) return;
          for (const x of inZone()) engine.powerOn(x.scope, x.id);
        },
      };
    },
  });

  runtime.faults.register('spot-interruption', {
    description: '{instanceId}: EC2 reclaims a spot instance: the two-minute notice (metadata spot/instance-action, EventBridge warning), then stop or terminate as requested',
    apply(spec) {
      const { scope, record } = instanceOf(runtime, spec);
      if (!record.SpotInstanceRequestId) throw new FaultError(`instance ${record.InstanceId} is not a spot instance`);
      if (!interruptSpotInstance(runtime, scope, record.InstanceId)) throw new FaultError(`instance ${record.InstanceId} already has an interruption notice`);
      return { target: record.InstanceId, oneShot: true };
    },
  });
}
