// Shared bits of the compute tests: a driver on a fresh directory, bounded polling, output waits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Clock } from '../../src/clock/clock.js';
import { createDriver, type Driver, type OutputLine, type WorkloadHandle } from '../../src/compute/index.js';

export function tempDir(prefix = 'cumulus-compute-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function newDriver(options: { cgroups?: 'auto' | 'off' } = {}): { driver: Driver; clock: Clock; baseDir: string } {
  const clock = new Clock();
  const baseDir = tempDir();
  return { driver: createDriver('process', { baseDir, clock, ...options }), clock, baseDir };
}

/** Polls `check` until it returns something truthy, failing after `ms` real milliseconds. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, ms = 10_000): Promise<NonNullable<T>> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with the first output line (from `since` on) that matches. */
export function waitForLine(h: WorkloadHandle, match: string | RegExp, since = 0, ms = 10_000): Promise<OutputLine> {
  const test = (l: OutputLine) => (typeof match === 'string' ? l.text.includes(match) : match.test(l.text));
  return new Promise((resolve, reject) => {
    const seen = h.logs.lines(since).find(test);
    if (seen) return resolve(seen);
    const deadline = setTimeout(() => {
      off();
      offExit();
      reject(new Error(`no line matching ${match} (state ${h.state}); output:\n${h.logs.text()}`));
    }, ms);
    const done = (l: OutputLine) => {
      clearTimeout(deadline);
      off();
      offExit();
      resolve(l);
    };
    const off = h.onOutput((l) => {
      if (l.seq >= since && test(l)) done(l);
    });
    const offExit = h.onExit(() => {
      const l = h.logs.lines(since).find(test);
      if (l) done(l);
    });
  });
}

/** Whether a process is gone (or a zombie nobody has reaped yet). */
export function isDead(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
