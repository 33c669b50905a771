// The portable `process` driver: each workload is a process tree in its own directory and process group,
// with real host ports, captured output and whatever limits this host can enforce (cgroups, else rlimits).
// Nothing here runs per workload on a timer: usage is read on demand, or for all workloads in one sweep.
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../clock/clock.js';
import { detectCgroups, removeBases, WorkloadCgroup, type CgroupSupport } from './cgroups.js';
import {
  DriverError,
  type AppliedLimits,
  type Driver,
  type DriverCapabilities,
  type LimitMechanism,
  type ResourceUsage,
  type WorkloadHandle,
  type WorkloadSpec,
} from './driver.js';
import { DEFAULT_PATH, lookupUser, resolveExecutable, scriptArgv, wrap, type Identity } from './launch.js';
import { Guardian } from './guardian.js';
import { OutputBuffer } from './output.js';
import { envName, PortAllocator, portEnv } from './ports.js';
import { ProcessWorkload } from './process-workload.js';
import { ProcessTable, readStat } from './usage.js';

export interface ProcessDriverOptions {
  /** workloads live in <baseDir>/workloads/<id>/ */
  baseDir: string;
  clock: Clock;
  /** 'off' never uses cgroups (limits fall back to rlimits); default 'auto' */
  cgroups?: 'auto' | 'off';
  /** bytes of output kept in memory per workload (default 256 KiB) */
  ringBytes?: number;
  /** cap of each workload's console.log per start (default 64 MiB) */
  logFileBytes?: number;
  /** where dynamic host ports come from (default 32768–61000) */
  portRange?: [number, number];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** the leader's pid and start time, so a Cumulus that crashed does not leave a second copy running */
const LEADER_FILE = 'leader';

export class ProcessDriver implements Driver {
  readonly kind = 'process' as const;
  private readonly live = new Map<string, ProcessWorkload>();
  private readonly ports: PortAllocator;
  private readonly cgroupSupport: CgroupSupport | undefined;
  private readonly caps: DriverCapabilities;
  /** cgroups of exited workloads whose last processes were still being torn down, by workload id */
  private readonly leftoverCgroups = new Map<string, WorkloadCgroup>();
  /** log files still being flushed by exited workloads, by id: a restart appends after them */
  private readonly closing = new Map<string, Promise<void>>();
  private closed = false;
  /** kills the workloads' process groups if Cumulus dies without stopping them */
  private readonly guardian = new Guardian();

  constructor(private readonly options: ProcessDriverOptions) {
    this.ports = new PortAllocator(options.portRange);
    const detection = options.cgroups === 'off' ? { reason: 'disabled by option' } : detectCgroups();
    this.cgroupSupport = detection.support;
    const cg = detection.support;
    const via = (c: 'memory' | 'cpu' | 'pids', fallback: LimitMechanism): LimitMechanism =>
      cg?.bases[c] ? (cg.version === 2 ? 'cgroup-v2' : 'cgroup-v1') : fallback;
    this.caps = {
      kind: 'process',
      limits: { memory: via('memory', 'rlimit'), cpu: via('cpu', 'none'), pids: via('pids', 'none'), fileDescriptors: 'rlimit', tmp: 'none' },
      usage: { cpu: true, memory: true, disk: fs.existsSync('/proc/self/io'), network: false },
      networkIsolation: false,
      readOnlyMounts: false,
      users: process.getuid?.() === 0,
    };
    if (cg) this.caps.cgroup = { version: cg.version, dir: cg.bases.memory! };
    else this.caps.cgroupUnavailable = detection.reason ?? 'unknown';
  }

  capabilities(): DriverCapabilities {
    return structuredClone(this.caps);
  }

  get(id: string): WorkloadHandle | undefined {
    return this.live.get(id);
  }

  list(): WorkloadHandle[] {
    return [...this.live.values()];
  }

  usageAll(): Map<string, ResourceUsage> {
    const out = new Map<string, ResourceUsage>();
    if (!this.live.size) return out;
    const table = ProcessTable.scan();
    for (const [id, w] of this.live) out.set(id, w.usageFrom(table));
    return out;
  }

  async start(spec: WorkloadSpec): Promise<WorkloadHandle> {
    if (this.closed) throw new DriverError('ShutDown', 'the driver has been shut down');
    this.validate(spec);
    if (this.live.has(spec.id)) throw new DriverError('WorkloadExists', `workload ${spec.id} is already running`);
    const dir = path.join(this.options.baseDir, 'workloads', spec.id);
    const rootDir = path.resolve(spec.rootDir ?? path.join(dir, 'root'));
    const tmpDir = path.join(rootDir, 'tmp');
    const cwd = path.resolve(rootDir, spec.workingDir ?? '.');
    const identity = this.identity(spec.user);
    try {
      for (const d of [dir, rootDir, tmpDir, cwd]) fs.mkdirSync(d, { recursive: true });
      if (identity) for (const d of [rootDir, tmpDir, cwd]) fs.chownSync(d, identity.uid, identity.gid);
    } catch (err) {
      throw new DriverError('InvalidSpec', `cannot prepare the workload's directories: ${(err as Error).message}`);
    }
    this.killLeftover(dir);
    const mountEnv = this.mount(spec, rootDir);
    await this.closing.get(spec.id);
    const ports = await this.ports.allocate(spec.ports ?? []);
    if (this.closed || this.live.has(spec.id)) {
      this.ports.release(ports);
      if (this.closed) throw new DriverError('ShutDown', 'the driver has been shut down');
      throw new DriverError('WorkloadExists', `workload ${spec.id} is already running`);
    }

    const limits = spec.limits ?? {};
    this.leftoverCgroups.delete(spec.id); // its directory is about to be reused
    const cgroup = this.cgroupSupport ? WorkloadCgroup.create(this.cgroupSupport, spec.id, limits) : undefined;
    if (cgroup && identity) cgroup.chown(identity.uid, identity.gid);
    const cgVia: LimitMechanism = cgroup?.version === 2 ? 'cgroup-v2' : 'cgroup-v1';
    const applied: AppliedLimits = {
      memory: !limits.memoryMiB ? 'none' : cgroup?.applied.memory ? cgVia : 'rlimit',
      cpu: limits.vcpus && cgroup?.applied.cpu ? cgVia : 'none',
      pids: limits.pids && cgroup?.applied.pids ? cgVia : 'none',
      fileDescriptors: limits.fileDescriptors ? 'rlimit' : 'none',
      tmp: 'none',
    };

    const env: Record<string, string> = {
      PATH: process.env.PATH || DEFAULT_PATH,
      HOME: rootDir,
      TMPDIR: tmpDir,
      PWD: cwd,
      ...portEnv(ports),
      ...mountEnv,
      ...spec.env,
    };
    const logPath = spec.logFile === false ? undefined : path.join(dir, 'console.log');
    const output = new OutputBuffer({ clock: this.options.clock, ringBytes: this.options.ringBytes, logPath, logFileBytes: this.options.logFileBytes });
    const workload = new ProcessWorkload({
      id: spec.id,
      name: spec.name,
      dir,
      rootDir,
      logPath,
      ports,
      env,
      limits: applied,
      clock: this.options.clock,
      output,
      cgroup,
      finished: (w) => this.finished(w, dir),
    });
    this.live.set(spec.id, workload);

    let argv: string[];
    try {
      argv = spec.script !== undefined ? scriptArgv(spec.script, path.join(dir, 'script')) : [...spec.command!];
    } catch (err) {
      workload.fail(`cannot write the script: ${(err as Error).message}`, 126);
      return workload;
    }
    const exe = resolveExecutable(argv[0]!, cwd, env.PATH ?? DEFAULT_PATH);
    if (!exe) {
      workload.fail(`command not found: ${argv[0]}`, 127);
      return workload;
    }
    argv[0] = exe;
    const wrapped = wrap(argv, {
      cgroupProcs: cgroup?.procsFiles() ?? [],
      addressSpaceKiB: applied.memory === 'rlimit' ? limits.memoryMiB! * 1024 : undefined,
      openFiles: limits.fileDescriptors,
      batchWith: spec.batchScheduling && process.platform === 'linux' ? resolveExecutable('chrt', cwd, DEFAULT_PATH) : undefined,
    });
    await workload.launch({ argv: wrapped, cwd, uid: identity?.uid, gid: identity?.gid, stdin: spec.stdin });
    if (workload.pid !== undefined && workload.state !== 'exited') {
      this.recordLeader(dir, workload.pid);
      this.guardian.add(workload.pid);
    }
    return workload;
  }

  async shutdown(options: { graceMs?: number } = {}): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live.values()].map((w) => w.stop({ graceMs: options.graceMs ?? 0 })));
    // SIGKILLed processes leave their cgroups as soon as the kernel has torn them down
    for (let i = 0; i < 1000 && this.leftoverCgroups.size; i++) {
      this.retryCgroups();
      if (this.leftoverCgroups.size) await new Promise((r) => setImmediate(r));
    }
    if (this.cgroupSupport && !this.leftoverCgroups.size) removeBases(this.cgroupSupport);
    this.guardian.close();
  }

  private validate(spec: WorkloadSpec): void {
    if (!ID.test(spec.id ?? '')) throw new DriverError('InvalidSpec', `invalid workload id: ${JSON.stringify(spec.id)}`);
    const hasCommand = spec.command !== undefined;
    if (hasCommand === (spec.script !== undefined)) throw new DriverError('InvalidSpec', 'give exactly one of command and script');
    if (hasCommand && (!spec.command!.length || !spec.command![0])) throw new DriverError('InvalidSpec', 'command is empty');
    const l = spec.limits ?? {};
    for (const [k, v] of Object.entries(l)) {
      if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new DriverError('InvalidSpec', `invalid limit ${k}: ${v}`);
    }
  }

  private identity(user: string | undefined): Identity | undefined {
    if (user === undefined) return undefined;
    const id = lookupUser(user);
    if (process.getuid?.() !== 0 && id.uid !== process.getuid?.()) {
      throw new DriverError('InvalidSpec', `running as ${user} needs Cumulus to run as root`);
    }
    return id;
  }

  /** Links each mount's target inside the root to its source and names it in the environment. */
  private mount(spec: WorkloadSpec, rootDir: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const m of spec.mounts ?? []) {
      const rel = path.normalize(m.target).replace(/^\/+/, '');
      if (!rel || rel === '.' || rel.startsWith('..')) throw new DriverError('InvalidSpec', `invalid mount target: ${m.target}`);
      const source = path.resolve(m.source);
      try {
        fs.mkdirSync(source, { recursive: true });
      } catch (err) {
        throw new DriverError('InvalidSpec', `cannot create mount source ${source}: ${(err as Error).message}`);
      }
      const link = path.join(rootDir, rel);
      let seen = source;
      try {
        fs.mkdirSync(path.dirname(link), { recursive: true });
        const st = fs.lstatSync(link, { throwIfNoEntry: false });
        if (st?.isSymbolicLink()) fs.unlinkSync(link);
        else if (st?.isDirectory()) fs.rmdirSync(link); // only when empty: never hide a workload's files
        fs.symlinkSync(source, link);
        seen = link;
      } catch {
        /* the variable still points at the source */
      }
      env[`CUMULUS_MOUNT_${envName(rel)}`] = seen;
    }
    return env;
  }

  private finished(w: ProcessWorkload, dir: string): void {
    this.ports.release(w.ports);
    if (w.pid !== undefined) this.guardian.remove(w.pid);
    if (this.live.get(w.id) === w) this.live.delete(w.id);
    try {
      const file = path.join(dir, LEADER_FILE);
      if (fs.readFileSync(file, 'utf8').startsWith(`${w.pid} `)) fs.rmSync(file, { force: true });
    } catch {
      /* none */
    }
    if (w.cgroup) this.leftoverCgroups.set(w.id, w.cgroup);
    this.retryCgroups();
    const closing = w.logs.close().catch(() => undefined);
    this.closing.set(w.id, closing);
    void closing.then(() => {
      if (this.closing.get(w.id) === closing) this.closing.delete(w.id);
    });
  }

  private retryCgroups(): void {
    for (const [id, cg] of this.leftoverCgroups) if (cg.remove()) this.leftoverCgroups.delete(id);
  }

  private recordLeader(dir: string, pid: number): void {
    const st = readStat(pid);
    if (!st) return;
    try {
      fs.writeFileSync(path.join(dir, LEADER_FILE), `${pid} ${st.startTime}\n`);
    } catch {
      /* only a safeguard */
    }
  }

  /** Kills the tree an earlier Cumulus left running for this workload directory. */
  private killLeftover(dir: string): void {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, LEADER_FILE), 'utf8');
    } catch {
      return;
    }
    const [pid, startTime] = text.trim().split(' ').map(Number);
    if (pid && readStat(pid)?.startTime === startTime) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(path.join(dir, LEADER_FILE), { force: true });
  }
}
