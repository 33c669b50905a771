// Control groups for workloads' limits: cgroup v2 when its controllers can be delegated under our own
// cgroup, else cgroup v1 (one hierarchy per controller), else none (the driver falls back to rlimits).
// Layout: <our cgroup>/cumulus-<our pid>/<workload id>. A workload joins its cgroups itself, before it
// execs (see launch.ts), so not even its first fork escapes them.
import fs from 'node:fs';
import path from 'node:path';
import type { ResourceLimits } from './driver.js';

type Controller = 'memory' | 'pids' | 'cpu';
const CONTROLLERS: Controller[] = ['memory', 'pids', 'cpu'];
const CPU_PERIOD = 100_000;

export interface CgroupSupport {
  version: 1 | 2;
  /** where workloads' cgroups are created, per controller (all the same directory on v2) */
  bases: Partial<Record<Controller, string>>;
}

export interface CgroupDetection {
  support?: CgroupSupport;
  reason?: string;
}

interface Mount {
  root: string;
  point: string;
  fstype: string;
  superOptions: string[];
}

function readMounts(): Mount[] {
  const out: Mount[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const pre = line.slice(0, dash).split(' ');
    const post = line.slice(dash + 3).split(' ');
    out.push({ root: unescape(pre[3] ?? '/'), point: unescape(pre[4] ?? ''), fstype: post[0] ?? '', superOptions: (post[2] ?? '').split(',') });
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Our own cgroup paths: '' → the v2 path, controller list → the v1 path. */
function ownCgroups(): Array<{ controllers: string[]; path: string }> {
  return fs
    .readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, ctl = '', p = '/'] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
      return { controllers: ctl ? ctl.split(',') : [], path: p };
    });
}

/** The directory of `ownPath` inside a mount of its hierarchy. */
function dirIn(mount: Mount, ownPath: string): string {
  const rel = mount.root !== '/' && ownPath.startsWith(mount.root) ? ownPath.slice(mount.root.length) : ownPath;
  return path.join(mount.point, rel);
}

function tryWrite(file: string, value: string): boolean {
  try {
    fs.writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

function makeBase(parent: string): string | undefined {
  const base = path.join(parent, `cumulus-${process.pid}`);
  try {
    fs.mkdirSync(base, { recursive: true });
    removeStale(parent);
    return base;
  } catch {
    return undefined;
  }
}

/** Removes what earlier Cumulus processes that are gone left behind (empty cgroups only). */
function removeStale(parent: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(parent).filter((n) => /^cumulus-\d+$/.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice('cumulus-'.length));
    if (pid === process.pid || fs.existsSync(`/proc/${pid}`)) continue;
    const dir = path.join(parent, name);
    try {
      for (const child of fs.readdirSync(dir, { withFileTypes: true })) if (child.isDirectory()) fs.rmdirSync(path.join(dir, child.name));
      fs.rmdirSync(dir);
    } catch {
      /* still has processes */
    }
  }
}

function detectV2(mounts: Mount[], own: ReturnType<typeof ownCgroups>): CgroupDetection {
  const mount = mounts.find((m) => m.fstype === 'cgroup2');
  const ownPath = own.find((c) => c.controllers.length === 0)?.path;
  if (!mount || ownPath === undefined) return { reason: 'no cgroup v2 hierarchy' };
  const parent = dirIn(mount, ownPath);
  let available: string[] = [];
  try {
    available = fs.readFileSync(path.join(parent, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch {
    return { reason: `cannot read ${parent}/cgroup.controllers` };
  }
  if (!available.includes('memory')) return { reason: 'cgroup v2 has no memory controller here' };
  const wanted = CONTROLLERS.filter((c) => available.includes(c));
  const enable = wanted.map((c) => `+${c}`).join(' ');
  // a non-root cgroup that holds processes cannot hand controllers to children ("no internal processes")
  if (!tryWrite(path.join(parent, 'cgroup.subtree_control'), enable)) return { reason: `cannot delegate controllers in ${parent}` };
  const base = makeBase(parent);
  if (!base) return { reason: `cannot create a cgroup under ${parent}` };
  if (!tryWrite(path.join(base, 'cgroup.subtree_control'), enable)) return { reason: `cannot delegate controllers in ${base}` };
  const bases: CgroupSupport['bases'] = {};
  for (const c of wanted) bases[c] = base;
  return { support: { version: 2, bases } };
}

function detectV1(mounts: Mount[], own: ReturnType<typeof ownCgroups>): CgroupDetection {
  const bases: CgroupSupport['bases'] = {};
  for (const c of CONTROLLERS) {
    const mount = mounts.find((m) => m.fstype === 'cgroup' && m.superOptions.includes(c));
    const ownPath = own.find((o) => o.controllers.includes(c))?.path;
    if (!mount || ownPath === undefined) continue;
    const base = makeBase(dirIn(mount, ownPath));
    if (base) bases[c] = base;
  }
  if (!bases.memory) return { reason: 'no writable cgroup v1 memory hierarchy' };
  return { support: { version: 1, bases } };
}

/** Finds how workloads can be put in cgroups here, if at all. */
export function detectCgroups(): CgroupDetection {
  if (process.platform !== 'linux') return { reason: 'not Linux' };
  try {
    const mounts = readMounts();
    const own = ownCgroups();
    const v2 = detectV2(mounts, own);
    if (v2.support) return v2;
    const v1 = detectV1(mounts, own);
    if (v1.support) return v1;
    return { reason: `${v2.reason}; ${v1.reason}` };
  } catch (err) {
    return { reason: (err as Error).message };
  }
}

/** Removes this process's base cgroups (after all workloads' cgroups are gone). */
export function removeBases(support: CgroupSupport): void {
  for (const base of new Set(Object.values(support.bases))) {
    try {
      fs.rmdirSync(base);
    } catch {
      /* not empty yet */
    }
  }
}

/** One workload's cgroups (one directory on v2, one per controller on v1). */
export class WorkloadCgroup {
  readonly applied = { memory: false, cpu: false, pids: false };
  private readonly dirs: string[];

  private constructor(
    private readonly support: CgroupSupport,
    private readonly byController: Partial<Record<Controller, string>>,
  ) {
    this.dirs = [...new Set(Object.values(byController))];
  }

  /** Creates the cgroups a workload's limits need; undefined when none is needed or none could be made. */
  static create(support: CgroupSupport, id: string, limits: ResourceLimits): WorkloadCgroup | undefined {
    const need: Controller[] = [];
    if (limits.memoryMiB) need.push('memory');
    if (limits.pids) need.push('pids');
    if (limits.vcpus) need.push('cpu');
    if (!need.length) return undefined;
    const dirs: Partial<Record<Controller, string>> = {};
    for (const c of need) {
      const base = support.bases[c];
      if (!base) continue;
      const dir = path.join(base, id);
      try {
        fs.mkdirSync(dir, { recursive: true });
        dirs[c] = dir;
      } catch {
        /* this controller is not usable for this workload */
      }
    }
    const cg = new WorkloadCgroup(support, dirs);
    cg.apply(limits);
    if (!cg.applied.memory && !cg.applied.cpu && !cg.applied.pids) {
      cg.remove();
      return undefined;
    }
    return cg;
  }

  get version(): 1 | 2 {
    return this.support.version;
  }

  /** the cgroup.procs files the workload writes its pid to before it execs */
  procsFiles(): string[] {
    return this.dirs.map((d) => path.join(d, 'cgroup.procs'));
  }

  /** Lets `uid` join (the workload joins after switching user). */
  chown(uid: number, gid: number): void {
    for (const f of this.procsFiles()) {
      try {
        fs.chownSync(f, uid, gid);
      } catch {
        /* joining will fail and say so */
      }
    }
  }

  members(): number[] {
    const pids = new Set<number>();
    for (const f of this.procsFiles()) {
      try {
        for (const s of fs.readFileSync(f, 'utf8').split('\n')) if (s) pids.add(Number(s));
      } catch {
        /* gone */
      }
    }
    return [...pids];
  }

  /** Whether the kernel killed something here for exceeding the memory limit. */
  oomKilled(): boolean {
    const dir = this.byController.memory;
    if (!dir) return false;
    try {
      const file = this.version === 2 ? 'memory.events' : 'memory.oom_control';
      const m = fs.readFileSync(path.join(dir, file), 'utf8').match(/^oom_kill (\d+)/m);
      return !!m && Number(m[1]) > 0;
    } catch {
      return false;
    }
  }

  /** SIGKILLs every process in the cgroups, even those that left the workload's process group. */
  killAll(): void {
    if (this.version === 2 && this.dirs[0] && tryWrite(path.join(this.dirs[0], 'cgroup.kill'), '1')) return;
    for (const pid of this.members()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  /** Removes the cgroups; false while processes are still in them (try again later). */
  remove(): boolean {
    let all = true;
    for (const dir of this.dirs) {
      try {
        fs.rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') all = false;
      }
    }
    return all;
  }

  private apply(limits: ResourceLimits): void {
    const { memory, pids, cpu } = this.byController;
    if (memory && limits.memoryMiB) {
      const bytes = String(Math.floor(limits.memoryMiB * 1024 * 1024));
      if (this.version === 2) {
        this.applied.memory = tryWrite(path.join(memory, 'memory.max'), bytes);
        tryWrite(path.join(memory, 'memory.swap.max'), '0');
      } else {
        // memsw must stay >= limit: order the writes so that either direction of change works
        const memsw = path.join(memory, 'memory.memsw.limit_in_bytes');
        const limit = path.join(memory, 'memory.limit_in_bytes');
        this.applied.memory = tryWrite(limit, bytes) || (tryWrite(memsw, bytes) && tryWrite(limit, bytes));
        if (fs.existsSync(memsw)) tryWrite(memsw, bytes);
      }
    }
    if (pids && limits.pids) this.applied.pids = tryWrite(path.join(pids, 'pids.max'), String(Math.floor(limits.pids)));
    if (cpu && limits.vcpus) {
      const quota = Math.max(1000, Math.round(limits.vcpus * CPU_PERIOD));
      this.applied.cpu =
        this.version === 2
          ? tryWrite(path.join(cpu, 'cpu.max'), `${quota} ${CPU_PERIOD}`)
          : tryWrite(path.join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD)) && tryWrite(path.join(cpu, 'cpu.cfs_quota_us'), String(quota));
    }
  }
}
