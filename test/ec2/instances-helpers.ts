// Shared pieces of the EC2 instance tests: polling with a bound, the host's real python, HTTP gets.
import { execFileSync } from 'node:child_process';
import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { PYTHON } from '../helpers/cumulus.js';

/** The real interpreter (not a pyenv shim, which needs the host's HOME): instances get their own HOME. */
export const REAL_PYTHON = execFileSync(PYTHON, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

/** Polls `fn` until it returns a value (not undefined), for at most `ms` real milliseconds. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function describe1(ec2: EC2Client, id: string): Promise<Instance> {
  const d = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return d.Reservations![0]!.Instances![0]!;
}

export function waitState(ec2: EC2Client, id: string, state: string, ms = 20_000): Promise<Instance> {
  return until(`${id} ${state}`, async () => {
    const i = await describe1(ec2, id);
    return i.State?.Name === state ? i : undefined;
  }, ms);
}

export async function httpGet(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

export const b64 = (s: string) => Buffer.from(s).toString('base64');

export async function advance(c: { url: string }, seconds: number): Promise<void> {
  const res = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(`clock advance: ${res.status}`);
}
