// Resource usage of process trees, read from /proc. One scan of /proc serves any number of workloads
// (the driver's usageAll), so a periodic sample of a thousand workloads costs one sweep, not a thousand.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { ResourceUsage } from './driver.js';

export interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  /** utime + stime + cutime + cstime: reaped children's time stays counted in their parent */
  ticks: number;
  rssPages: number;
  /** clock ticks after boot: with the pid, identifies a process across pid reuse */
  startTime: number;
}

let sysconf: { pageSize: number; clkTck: number } | undefined;

function conf(): { pageSize: number; clkTck: number } {
  if (!sysconf) {
    const get = (name: string, fallback: number) => {
      try {
        return Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim()) || fallback;
      } catch {
        return fallback;
      }
    };
    sysconf = { pageSize: get('PAGESIZE', 4096), clkTck: get('CLK_TCK', 100) };
  }
  return sysconf;
}

export function readStat(pid: number): ProcStat | undefined {
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name is in parentheses and may itself hold spaces and parentheses
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state) of proc(5)
  return {
    pid,
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
    rssPages: Number(f[21]),
    startTime: Number(f[19]),
  };
}

/** Every process of the host, indexed by parent and by process group. */
export class ProcessTable {
  readonly byPid = new Map<number, ProcStat>();
  private readonly children = new Map<number, number[]>();
  private readonly groups = new Map<number, number[]>();

  static scan(): ProcessTable {
    const t = new ProcessTable();
    let names: string[] = [];
    try {
      names = fs.readdirSync('/proc');
    } catch {
      return t;
    }
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const st = readStat(Number(name));
      if (st) t.add(st);
    }
    return t;
  }

  add(st: ProcStat): void {
    this.byPid.set(st.pid, st);
    push(this.children, st.ppid, st.pid);
    push(this.groups, st.pgrp, st.pid);
  }

  /** The members of process group `pgid`, the processes listed in `extra` (a cgroup's), and all their descendants. */
  tree(pgid: number, extra: readonly number[] = []): number[] {
    const seen = new Set<number>();
    const queue = [...(this.groups.get(pgid) ?? []), ...extra];
    while (queue.length) {
      const pid = queue.pop()!;
      if (seen.has(pid) || !this.byPid.has(pid)) continue;
      seen.add(pid);
      const kids = this.children.get(pid);
      if (kids) queue.push(...kids);
    }
    return [...seen];
  }
}

function push(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function readIo(pid: number): { read: number; write: number } {
  try {
    const s = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
    return { read: Number(s.match(/^read_bytes: (\d+)/m)?.[1] ?? 0), write: Number(s.match(/^write_bytes: (\d+)/m)?.[1] ?? 0) };
  } catch {
    return { read: 0, write: 0 };
  }
}

/** Turns successive CPU-time readings of one workload into a utilisation figure. */
const MIN_WINDOW_SECONDS = 0.25;

export class CpuMeter {
  private lastTicks = 0;
  private lastAt: number;

  // CPU time is real, so its rate is measured against real elapsed time, not the virtual clock
  constructor(startedAtReal = performance.now()) {
    this.lastAt = startedAtReal;
  }

  private lastPercent = 0;

  percent(ticks: number): number {
    const now = performance.now();
    const seconds = (now - this.lastAt) / 1000;
    // CPU time comes in clock ticks (10 ms): a window much shorter than a second (two samplers, or timers
    // catching up after the virtual clock jumped) would read 0 % for a busy process. Keep the last figure
    // and let the window grow instead.
    if (seconds < MIN_WINDOW_SECONDS) return this.lastPercent;
    const used = Math.max(0, ticks - this.lastTicks) / conf().clkTck;
    this.lastTicks = ticks;
    this.lastAt = now;
    this.lastPercent = Math.round((used / seconds) * 1000) / 10;
    return this.lastPercent;
  }
}

export function emptyUsage(): ResourceUsage {
  return { cpuPercent: 0, cpuSeconds: 0, memoryBytes: 0, processes: 0, diskReadBytes: 0, diskWriteBytes: 0 };
}

/** Usage of the given processes of `table`. */
export function measure(table: ProcessTable, pids: readonly number[], meter: CpuMeter): ResourceUsage {
  const { pageSize, clkTck } = conf();
  const u = emptyUsage();
  let ticks = 0;
  for (const pid of pids) {
    const st = table.byPid.get(pid);
    if (!st) continue;
    u.processes++;
    ticks += st.ticks;
    u.memoryBytes += st.rssPages * pageSize;
    const io = readIo(pid);
    u.diskReadBytes += io.read;
    u.diskWriteBytes += io.write;
  }
  u.cpuSeconds = ticks / clkTck;
  u.cpuPercent = meter.percent(ticks);
  return u;
}
