// What exactly gets exec'd for a workload: the resolved executable (or the script), wrapped by a tiny
// `sh` that joins the workload's cgroups and sets its rlimits before it execs the real program, so the
// limits hold from the first instruction and no child escapes them.
import fs from 'node:fs';
import path from 'node:path';
import { DriverError } from './driver.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The executable `cmd` names: a path (relative to `cwd`) when it holds a '/', else the first match in PATH. */
export function resolveExecutable(cmd: string, cwd: string, searchPath: string): string | undefined {
  const ok = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) {
    const p = path.resolve(cwd, cmd);
    return ok(p) ? p : undefined;
  }
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const p = path.join(path.resolve(cwd, dir), cmd);
    if (ok(p)) return p;
  }
  return undefined;
}

/** Writes a workload's script and returns the argv that runs it (its `#!` line, else sh). */
export function scriptArgv(script: string, file: string): string[] {
  fs.writeFileSync(file, script, { mode: 0o755 });
  fs.chmodSync(file, 0o755);
  return script.startsWith('#!') ? [file] : ['/bin/sh', file];
}

export interface Identity {
  uid: number;
  gid: number;
}

/** 'name', 'uid' or 'uid:gid', looked up in /etc/passwd. */
export function lookupUser(user: string): Identity {
  const m = user.match(/^(\d+)(?::(\d+))?$/);
  let entries: string[][] = [];
  try {
    entries = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => l.split(':'));
  } catch {
    /* numeric ids still work */
  }
  if (m) {
    const uid = Number(m[1]);
    const gid = m[2] !== undefined ? Number(m[2]) : Number(entries.find((e) => Number(e[2]) === uid)?.[3] ?? uid);
    return { uid, gid };
  }
  const e = entries.find((x) => x[0] === user);
  if (!e) throw new DriverError('UserNotFound', `no such user: ${user}`);
  return { uid: Number(e[2]), gid: Number(e[3]) };
}

export interface WrapOptions {
  /** cgroup.procs files to join */
  cgroupProcs: string[];
  /** RLIMIT_AS in KiB */
  addressSpaceKiB?: number;
  /** RLIMIT_NOFILE */
  openFiles?: number;
  /** `chrt` to put the workload under SCHED_BATCH with (best effort) */
  batchWith?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** argv that sets up the limits and then execs `argv`; `argv` itself when there is nothing to set up. */
export function wrap(argv: string[], options: WrapOptions): string[] {
  const steps: string[] = [];
  for (const f of options.cgroupProcs) {
    steps.push(`echo $$ > ${quote(f)} || { echo 'cumulus: cannot join cgroup ${f.replace(/'/g, '')}' >&2; exit 125; }`);
  }
  if (options.addressSpaceKiB) steps.push(`ulimit -v ${Math.floor(options.addressSpaceKiB)} || exit 125`);
  if (options.openFiles) steps.push(`ulimit -n ${Math.floor(options.openFiles)} || exit 125`);
  // the policy is inherited through exec and by the workload's own children
  if (options.batchWith) steps.push(`${quote(options.batchWith)} -b -p 0 $$ >/dev/null 2>&1 || true`);
  if (!steps.length) return argv;
  return ['/bin/sh', '-c', [...steps, 'exec "$@"'].join('\n'), 'cumulus-workload', ...argv];
}
