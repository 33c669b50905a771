// Status checks as EC2 runs them: a sweep every minute of the clock decides, per running instance, the
// system check (the host: an injected host fault, an AZ outage) and the instance check (the workload:
// dead, or hung — stopped by a signal). DescribeInstanceStatus and CloudWatch's StatusCheckFailed metrics
// read the last sweep, so a failure shows up within a minute, as on AWS. A failing host also gets the
// scheduled event AWS posts for degraded hardware.
import fs from 'node:fs';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import type { WorkloadHandle } from '../../compute/driver.js';
import type { InstanceStatus, InstanceStatusEvent } from '../../generated/ec2.js';
import { ec2Id } from '../../protocol/ids.js';
import type { Runtime } from '../../server/context.js';
import { instanceTable, stateOf, type InstanceRecord } from './instances.js';
import { engineFor } from './lifecycle.js';

export const SWEEP_MS = 60_000;
/** How far ahead AWS schedules the stop/retirement of an instance on degraded hardware. */
const RETIREMENT_NOTICE_MS = 14 * 24 * 3600_000;

type ChecksRuntime = Pick<Runtime, 'clock' | 'config' | 'store' | 'log' | 'bus' | 'faults'>;

interface Result {
  systemFailed: boolean;
  instanceFailed: boolean;
  /** virtual ms of the sweep */
  at: number;
}

export class StatusChecks {
  private readonly results = new Map<string, Result>();
  /** scheduled events per instance, each for the host it was posted for */
  private readonly events = new Map<string, { host?: string; event: InstanceStatusEvent }[]>();
  /** workloads an 'instance-check' fault froze */
  readonly frozen = new WeakSet<WorkloadHandle>();
  private timer?: TimerHandle;

  constructor(private readonly runtime: ChecksRuntime) {}

  start(): void {
    this.timer ??= this.runtime.clock.setInterval(() => this.sweep(), SWEEP_MS);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Whether the instance's host is failing: a host fault injected on its current host, or its AZ is down. */
  systemFailing(region: string, r: InstanceRecord): boolean {
    if (this.runtime.faults.find('instance-system-check', r.InstanceId).some((f) => f.spec.host === r.Host)) return true;
    return azDown(this.runtime, region, r.AvailabilityZone);
  }

  instanceFailing(region: string, r: InstanceRecord): boolean {
    if (azDown(this.runtime, region, r.AvailabilityZone)) return true;
    const handle = engineFor(this.runtime).handleOf(r.InstanceId);
    if (!handle || handle.state !== 'running') return true;
    return this.frozen.has(handle) || processStopped(handle.pid);
  }

  sweep(): void {
    const now = this.runtime.clock.now();
    const seen = new Set<string>();
    for (const { scope, record: r } of instanceTable(this.runtime).listAll()) {
      if (r.State !== 'running') continue;
      seen.add(r.InstanceId);
      const systemFailed = this.systemFailing(scope.region, r);
      this.results.set(r.InstanceId, { systemFailed, instanceFailed: this.instanceFailing(scope.region, r), at: now });
      if (systemFailed && !azDown(this.runtime, scope.region, r.AvailabilityZone)) this.postDegradedHardware(r, now);
    }
    for (const id of this.results.keys()) if (!seen.has(id)) this.results.delete(id);
  }

  /** AWS schedules a stop (EBS-backed) or a retirement (instance store) of an instance on a failing host. */
  private postDegradedHardware(r: InstanceRecord, now: number): void {
    const list = this.events.get(r.InstanceId) ?? [];
    if (list.some((e) => e.host === r.Host)) return;
    list.push({
      host: r.Host,
      event: {
        InstanceEventId: ec2Id('instance-event'),
        Code: r.RootDeviceType === 'ebs' ? 'instance-stop' : 'instance-retirement',
        Description: 'The instance is running on degraded hardware',
        NotBefore: new Date(now + RETIREMENT_NOTICE_MS).toISOString(),
      },
    });
    this.events.set(r.InstanceId, list);
  }

  /** Scheduled events of the instance on its current host. */
  eventsOf(r: InstanceRecord): InstanceStatusEvent[] {
    return (this.events.get(r.InstanceId) ?? []).filter((e) => e.host === r.Host).map((e) => e.event);
  }

  /** The last sweep's verdict, if the instance was swept since it last booted (or moved host). */
  resultOf(r: InstanceRecord): Result | undefined {
    const res = this.results.get(r.InstanceId);
    return res && res.at >= Date.parse(r.PendingTime) ? res : undefined;
  }

  /** After a move to a new host: checks start over. */
  forget(id: string): void {
    this.results.delete(id);
  }

  /** The DescribeInstanceStatus entry of one instance. */
  statusOf(r: InstanceRecord): InstanceStatus {
    const base = {
      AvailabilityZone: r.AvailabilityZone,
      AvailabilityZoneId: r.AvailabilityZoneId,
      InstanceId: r.InstanceId,
      InstanceState: stateOf(r.State),
      Events: r.State === 'terminated' ? [] : this.eventsOf(r),
    };
    if (r.State !== 'running') {
      return { ...base, InstanceStatus: { Status: 'not-applicable' }, SystemStatus: { Status: 'not-applicable' } };
    }
    const res = this.resultOf(r);
    const check = (failed: boolean | undefined) => {
      if (failed === undefined) return { Status: 'initializing' as const, Details: [{ Name: 'reachability' as const, Status: 'initializing' as const }] };
      if (!failed) return { Status: 'ok' as const, Details: [{ Name: 'reachability' as const, Status: 'passed' as const }] };
      return { Status: 'impaired' as const, Details: [{ Name: 'reachability' as const, Status: 'failed' as const, ImpairedSince: new Date(res!.at).toISOString() }] };
    };
    return { ...base, InstanceStatus: check(res?.instanceFailed), SystemStatus: check(res?.systemFailed) };
  }
}

/** Whether an 'az-outage' fault holds the zone. */
export function azDown(runtime: Pick<Runtime, 'faults'>, region: string, zone: string): boolean {
  return runtime.faults.find('az-outage', zone).some((f) => (f.spec.region ?? region) === region);
}

/** A process stopped by a signal (SIGSTOP): it is there but does not respond. Linux tells through /proc. */
function processStopped(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't';
  } catch {
    return false;
  }
}

const checks = new WeakMap<Clock, StatusChecks>();

export function statusChecksFor(runtime: ChecksRuntime): StatusChecks {
  let c = checks.get(runtime.clock);
  if (!c) checks.set(runtime.clock, (c = new StatusChecks(runtime)));
  return c;
}

/** The checks of a running Cumulus, if started (the metadata service reads scheduled events from them). */
export function statusChecksOf(clock: Clock): StatusChecks | undefined {
  return checks.get(clock);
}

export function stopStatusChecks(runtime: Pick<Runtime, 'clock'>): void {
  checks.get(runtime.clock)?.stop();
  checks.delete(runtime.clock);
}
