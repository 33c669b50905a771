// /tmp is capped at the function's EphemeralStorage (512 MB to 10,240 MB). When the compute driver cannot
// enforce the cap itself (the process driver without a tmpfs of that size: limits.tmp 'none'), Lambda watches
// the environments' private TMPDIR while they work and stops an environment whose /tmp has grown past its
// size. The difference with AWS, said plainly: on AWS the write that crosses the limit fails with ENOSPC
// and the function decides what to do; here the write succeeds, and within about a second the environment is
// stopped: its invocation fails (Runtime.ExitError, "signal: killed") with a log line
// naming the cause, and the next invocation gets a fresh environment with an empty /tmp.
// The watch runs on real time, not the virtual clock: disk use grows with real work, and a one-second timer on
// the virtual clock would run millions of times when a test advances the clock by weeks.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Environment } from './environments.js';
import type { Execution } from './invoke.js';

const CHECK_MS = 1000;
const timers = new WeakMap<Execution, NodeJS.Timeout>();

/** Bytes allocated under `dir` (as du counts them: blocks, so sparse files count what they use). */
export async function diskUsage(dir: string, stopAbove = Infinity): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length) {
    const d = pending.pop()!;
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      continue; // gone meanwhile
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) pending.push(p);
      try {
        const st = await fs.lstat(p);
        total += st.blocks * 512;
      } catch {
        /* gone meanwhile */
      }
      if (total > stopAbove) return total;
    }
  }
  return total;
}

function watched(e: Environment, now: number): boolean {
  const h = e.handle;
  if (!h || e.isDead() || h.limits.tmp !== 'none') return false;
  // an idle environment is frozen on AWS: only one that works (or just did) can grow its /tmp
  return e.busy || e.state === 'starting' || now - e.lastUsed <= 2 * CHECK_MS;
}

function check(x: Execution, checking: Set<Environment>): void {
  const now = x.runtime.clock.now();
  for (const e of x.pool.list()) {
    if (checking.has(e) || !watched(e, now)) continue;
    checking.add(e);
    const limit = e.fn.EphemeralStorage * 1024 * 1024;
    void diskUsage(path.join(e.handle!.rootDir, 'tmp'), limit)
      .then((used) => {
        if (used <= limit || e.isDead()) return;
        const mb = Math.ceil(used / 1048576);
        e.log.line(
          `${x.runtime.clock.date().toISOString()} Error: /tmp holds ${mb} MB, more than the function's ephemeral storage (${e.fn.EphemeralStorage} MB): ENOSPC: no space left on device; the execution environment is stopped\n`,
        );
        x.runtime.log.warn(`lambda: ${e.fn.FunctionName}: /tmp of environment ${e.id} grew past ${e.fn.EphemeralStorage} MB; environment stopped`);
        e.retire();
      })
      .finally(() => checking.delete(e));
  }
}

export function startTmpQuota(x: Execution): void {
  if (timers.has(x)) return;
  const checking = new Set<Environment>();
  const timer = setInterval(() => {
    try {
      check(x, checking);
    } catch (err) {
      x.runtime.log.warn(`lambda: /tmp check: ${(err as Error)?.message}`);
    }
  }, CHECK_MS);
  timer.unref();
  timers.set(x, timer);
}

export function stopTmpQuota(x: Execution): void {
  clearInterval(timers.get(x));
  timers.delete(x);
}
