// One workload of the process driver: a process tree in its own process group (and cgroups, when there
// are). Container semantics: when the leader exits, what is left of its tree is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Clock, TimerHandle } from '../clock/clock.js';
import type { WorkloadCgroup } from './cgroups.js';
import type {
  AppliedLimits,
  OutputLine,
  ResolvedPort,
  ResourceUsage,
  StopOptions,
  WorkloadExit,
  WorkloadHandle,
  WorkloadState,
  WorkloadStatus,
} from './driver.js';
import type { OutputBuffer } from './output.js';
import { CpuMeter, emptyUsage, measure, ProcessTable } from './usage.js';

export const DEFAULT_GRACE_MS = 10_000;
/** virtual ms to wait for the output pipes to close once the tree is dead */
const PIPE_CLOSE_BOUND_MS = 2_000;

export interface ProcessWorkloadInit {
  id: string;
  name: string | undefined;
  dir: string;
  rootDir: string;
  logPath: string | undefined;
  ports: ResolvedPort[];
  env: Record<string, string>;
  limits: AppliedLimits;
  clock: Clock;
  output: OutputBuffer;
  cgroup: WorkloadCgroup | undefined;
  /** called once after the exit, when the workload's OS resources may be released */
  finished: (w: ProcessWorkload) => void;
}

export interface LaunchOptions {
  argv: string[];
  cwd: string;
  uid?: number;
  gid?: number;
  stdin?: string | Buffer;
}

export class ProcessWorkload implements WorkloadHandle {
  readonly id: string;
  readonly name: string | undefined;
  readonly dir: string;
  readonly rootDir: string;
  readonly logPath: string | undefined;
  readonly ip = '127.0.0.1';
  readonly ports: readonly ResolvedPort[];
  readonly env: Readonly<Record<string, string>>;
  readonly limits: AppliedLimits;
  readonly logs: OutputBuffer;
  readonly cgroup: WorkloadCgroup | undefined;
  readonly startedAt: number;
  private _state: WorkloadState = 'starting';
  private _pid: number | undefined;
  private _exit: WorkloadExit | undefined;
  private child: ChildProcess | undefined;
  /** the leader's exit, final once its output pipes have closed */
  private pendingExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private exitListeners: Array<(exit: WorkloadExit) => void> = [];
  private requested = false;
  private graceTimer: TimerHandle | undefined;
  private closeTimer: TimerHandle | undefined;
  private meter: CpuMeter | undefined;
  private readonly clock: Clock;
  private readonly finished: (w: ProcessWorkload) => void;

  constructor(init: ProcessWorkloadInit) {
    this.id = init.id;
    this.name = init.name;
    this.dir = init.dir;
    this.rootDir = init.rootDir;
    this.logPath = init.logPath;
    this.ports = init.ports;
    this.env = init.env;
    this.limits = init.limits;
    this.logs = init.output;
    this.cgroup = init.cgroup;
    this.clock = init.clock;
    this.finished = init.finished;
    this.startedAt = init.clock.now();
  }

  get state(): WorkloadState {
    return this._state;
  }
  get pid(): number | undefined {
    return this._pid;
  }
  get exit(): WorkloadExit | undefined {
    return this._exit;
  }
  get exitCode(): number | null | undefined {
    return this._exit?.code;
  }
  get signal(): NodeJS.Signals | null | undefined {
    return this._exit?.signal;
  }

  /** Spawns the tree; resolves once it runs or has failed to start. */
  launch(options: LaunchOptions): Promise<void> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn(options.argv[0]!, options.argv.slice(1), {
          cwd: options.cwd,
          env: this.env,
          detached: true, // its own process group, so the whole tree can be signalled at once
          stdio: [options.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
          ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
        });
      } catch (err) {
        this.fail(`cannot start ${options.argv[0]}: ${(err as Error).message}`, 126);
        return resolve();
      }
      this.child = child;
      this._pid = child.pid;
      child.stdout!.on('data', (d: Buffer) => this.logs.write('stdout', d));
      child.stderr!.on('data', (d: Buffer) => this.logs.write('stderr', d));
      child.stdout!.on('error', () => undefined);
      child.stderr!.on('error', () => undefined);
      if (options.stdin !== undefined) {
        child.stdin!.on('error', () => undefined); // the workload may not read it
        child.stdin!.end(options.stdin);
      }
      child.once('spawn', () => {
        this.meter = new CpuMeter();
        if (this._state === 'starting') this._state = 'running';
        resolve();
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (this._state !== 'starting') return; // errors of kill() after start are harmless
        this._pid = undefined;
        const code = err.code === 'ENOENT' ? 127 : 126;
        this.fail(`cannot start ${options.argv[0]}: ${err.code === 'ENOENT' ? 'not found (command, interpreter or working directory)' : err.message}`, code);
        resolve();
      });
      child.once('exit', (code, signal) => this.exited(code, signal));
      child.once('close', () => this.finish());
    });
  }

  /** Ends the workload before it ran (bad command, unusable directory …), with the reason in its output. */
  fail(error: string, code = 127): void {
    if (this._exit) return;
    this.logs.note('stderr', `cumulus: ${error}`);
    this.settle({ code, signal: null, error, oomKilled: false, requested: false, at: this.clock.now() });
  }

  onExit(cb: (exit: WorkloadExit) => void): () => void {
    if (this._exit) {
      const exit = this._exit;
      queueMicrotask(() => cb(exit));
      return () => undefined;
    }
    this.exitListeners.push(cb);
    return () => {
      this.exitListeners = this.exitListeners.filter((l) => l !== cb);
    };
  }

  onOutput(cb: (line: OutputLine) => void): () => void {
    return this.logs.onLine(cb);
  }

  wait(): Promise<WorkloadExit> {
    return new Promise((resolve) => this.onExit(resolve));
  }

  stop(options: StopOptions = {}): Promise<WorkloadExit> {
    const done = this.wait();
    if (this._exit || this.pendingExit || this._pid === undefined) return done;
    this.requested = true;
    const grace = options.graceMs ?? DEFAULT_GRACE_MS;
    if (grace <= 0) {
      this.kill('SIGKILL');
      return done;
    }
    this.signalTree(options.signal ?? 'SIGTERM');
    this.graceTimer?.cancel();
    this.graceTimer = this.clock.setTimeout(() => this.kill('SIGKILL'), grace);
    return done;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this._exit || this.pendingExit || this._pid === undefined) return;
    // pausing or resuming (a hung-workload fault) is not asking it to end
    if (signal !== 'SIGSTOP' && signal !== 'SIGCONT' && signal !== 'SIGTSTP') this.requested = true;
    this.signalTree(signal);
  }

  usage(): ResourceUsage {
    if (this._exit || this._pid === undefined) return emptyUsage();
    return this.usageFrom(ProcessTable.scan());
  }

  /** Usage from a scan the caller made (one scan for many workloads). */
  usageFrom(table: ProcessTable): ResourceUsage {
    if (this._exit || this._pid === undefined) return emptyUsage();
    this.meter ??= new CpuMeter();
    return measure(table, table.tree(this._pid, this.cgroup?.members()), this.meter);
  }

  status(): WorkloadStatus {
    const s: WorkloadStatus = {
      id: this.id,
      state: this._state,
      startedAt: this.startedAt,
      rootDir: this.rootDir,
      ip: this.ip,
      ports: [...this.ports],
      limits: { ...this.limits },
    };
    if (this.name !== undefined) s.name = this.name;
    if (this._pid !== undefined) s.pid = this._pid;
    if (this._exit) s.exit = { ...this._exit };
    return s;
  }

  private signalTree(signal: NodeJS.Signals): void {
    const pid = this._pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // before the child has made its group: the leader alone (never once reaped: its pid may be reused)
      if (!this.pendingExit) {
        try {
          process.kill(pid, signal);
        } catch {
          /* already gone */
        }
      }
    }
    if (!this.cgroup) return;
    if (signal === 'SIGKILL') this.cgroup.killAll();
    else
      for (const member of this.cgroup.members()) {
        try {
          process.kill(member, signal);
        } catch {
          /* gone */
        }
      }
  }

  /** The leader is gone: what is left of its tree goes too; the exit is final once the pipes close. */
  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.pendingExit = { code, signal };
    this.graceTimer?.cancel();
    this.signalTree('SIGKILL');
    // a process that left the group and holds the pipes must not keep the exit from being reported
    this.closeTimer = this.clock.setTimeout(() => {
      this.child?.stdout?.destroy();
      this.child?.stderr?.destroy();
      this.finish();
    }, PIPE_CLOSE_BOUND_MS);
  }

  private finish(): void {
    if (this._exit) return;
    const pending = this.pendingExit ?? { code: this.child?.exitCode ?? null, signal: (this.child?.signalCode as NodeJS.Signals | null) ?? null };
    this.settle({ ...pending, oomKilled: this.cgroup?.oomKilled() ?? false, requested: this.requested, at: this.clock.now() });
  }

  private settle(exit: WorkloadExit): void {
    if (this._exit) return;
    this.graceTimer?.cancel();
    this.closeTimer?.cancel();
    this.logs.end();
    this._exit = exit;
    this._state = 'exited';
    this.child = undefined;
    this.meter = undefined;
    this.finished(this);
    const listeners = this.exitListeners;
    this.exitListeners = [];
    for (const cb of listeners) {
      try {
        cb(exit);
      } catch (err) {
        console.error('[compute] exit listener failed:', err);
      }
    }
  }
}
