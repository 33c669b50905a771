// Shared pieces of the EC2 fault and status tests: injecting and clearing faults, status checks after a sweep.
import { DescribeInstanceStatusCommand, type EC2Client, type InstanceStatus } from '@aws-sdk/client-ec2';
import { advance, until } from './instances-helpers.js';

export async function inject(c: { url: string }, spec: Record<string, unknown>): Promise<{ status: number; body: { fault?: { id: string }; message?: string; error?: string } }> {
  const res = await fetch(`${c.url}/_cumulus/faults`, { method: 'POST', body: JSON.stringify(spec), headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as { fault?: { id: string } } };
}

export async function clearFault(c: { url: string }, id: string): Promise<void> {
  const res = await fetch(`${c.url}/_cumulus/faults/${id}`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`clear fault ${id}: ${res.status}`);
}

export async function statusOf(ec2: EC2Client, id: string): Promise<InstanceStatus> {
  const r = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id], IncludeAllInstances: true }));
  return r.InstanceStatuses![0]!;
}

/** Advances the clock a sweep at a time until the instance's checks read `want` (instance/system status). */
export function sweepUntil(c: { url: string }, ec2: EC2Client, id: string, want: { instance?: string; system?: string }, ms = 20_000): Promise<InstanceStatus> {
  return until(
    `${id} status ${JSON.stringify(want)}`,
    async () => {
      await advance(c, 60);
      const s = await statusOf(ec2, id);
      const ok = (!want.instance || s.InstanceStatus?.Status === want.instance) && (!want.system || s.SystemStatus?.Status === want.system);
      return ok ? s : undefined;
    },
    ms,
  );
}
