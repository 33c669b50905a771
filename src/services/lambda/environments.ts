// Execution environments: one real process per environment (through the compute driver), speaking the
// Runtime API to its own listener. An environment runs one invocation at a time, is reused while warm,
// is never shared between functions, versions or revisions, and is retired when idle for
// CUMULUS_LAMBDA_IDLE_SECONDS (default 300, virtual) unless it holds provisioned concurrency.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { TimerHandle } from '../../clock/clock.js';
import type { WorkloadExit, WorkloadHandle } from '../../compute/driver.js';
import { driverFor } from '../../compute/shared.js';
import type { Runtime } from '../../server/context.js';
import { issueRoleCredentials } from '../sts/index.js';
import { EnvironmentLog, initStartLine } from './lambda-logs.js';
import type { ResolvedFunction } from './resolved-function.js';
import { type DeliveredEvent, startRuntimeApi, type RuntimeApiServer, type RuntimeApiTarget } from './runtime-api.js';
import { ensureRuntime, RuntimeLaunchError, runtimeLaunch } from './runtimes.js';
import type { EnvironmentPool } from './env-pool.js';

export { EnvironmentPool, type Acquired, envWaitMs } from './env-pool.js';

/** AWS gives the init phase of an on-demand environment 10 seconds. */
const INIT_LIMIT_MS = 10_000;
/** role credentials handed to an environment; it is retired before they expire */
export const CREDENTIAL_SECONDS = 3600;

export type Outcome =
  | { kind: 'response'; body: Buffer }
  | { kind: 'error'; body: Buffer; errorType?: string }
  | { kind: 'init-error'; body: Buffer; errorType?: string }
  | { kind: 'timeout' }
  | { kind: 'init-timeout' }
  | { kind: 'exit'; exit: WorkloadExit; initPhase: boolean }
  | { kind: 'too-large'; size: number }
  | { kind: 'start-failed'; message: string; errorType?: string };

export interface Assignment {
  event: DeliveredEvent;
  /** the function's timeout, ms (virtual) */
  timeoutMs: number;
  done(outcome: Outcome): void;
  /** pieces of a streamed response as the runtime sends them */
  onChunk?: (chunk: Buffer) => void;
  delivered?: boolean;
  /** performance.now() when the runtime got the event: Duration counts from here (init excluded) */
  deliveredAt?: number;
  timer?: TimerHandle;
}

/** /proc/PID/status is about 1.5 KB; VmHWM is in its first half */
const STATUS_BUF = Buffer.alloc(4096);


export function idleLimitMs(): number {
  const s = Number(process.env.CUMULUS_LAMBDA_IDLE_SECONDS ?? 300);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 300_000;
}

/** how old a memory reading an invocation of over a millisecond may reuse (see settle) */
const SAMPLE_AGE_MS = 10;

/** AWS's vCPU per MB of memory: 1,769 MB is one vCPU; 10,240 MB gets six. */
const MB_PER_VCPU = 1769;

/**
 * The CPU an environment may use: with CUMULUS_LAMBDA_CPU=proportional, in proportion to its memory as on AWS
 * (128 MB: 7% of a core), enforced by a cgroup's CPU quota where the host has one; by default unlimited —
 * on a laptop or CI machine a 128 MB function would otherwise start and run ten times slower than people
 * expect of local testing.
 */
export function vcpusFor(memoryMB: number): number | undefined {
  if ((process.env.CUMULUS_LAMBDA_CPU ?? '').toLowerCase() !== 'proportional') return undefined;
  return Math.min(6, memoryMB / MB_PER_VCPU);
}

export class Environment implements RuntimeApiTarget {
  readonly id: string;
  readonly log: EnvironmentLog;
  state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  handle: WorkloadHandle | undefined;
  /** set once the runtime first asks for an event: how long init took (ms), reported on the first REPORT */
  initDurationMs: number | undefined;
  /** whether the Init Duration is still to be reported */
  initUnreported = true;
  lastUsed: number;
  readonly createdAt: number;
  maxMemoryMB = 0;
  private api: RuntimeApiServer | undefined;
  private waiter: { deliver: (e: DeliveredEvent) => void; cancelled: () => boolean } | undefined;
  private current: Assignment | undefined;
  private readonly perfStart = performance.now();
  private initTimer: TimerHandle | undefined;
  private statusFile: string | undefined;
  private statusFd: number | undefined;
  /** when the current (or last settled) invocation reached the runtime (real ms), until release */
  private deliveredAt: number | undefined;
  /** performance.now() of the last VmHWM read */
  private sampledAt = -Infinity;
  /** an invocation waiting for this environment to finish closing out the one before (see acquire) */
  private successor: ((ok: boolean) => void) | undefined;

  constructor(
    private readonly pool: EnvironmentPool,
    readonly fn: ResolvedFunction,
    readonly key: string,
    /** holds provisioned concurrency: kept warm, never retired for idleness (cleared when the config goes) */
    public provisioned: boolean,
  ) {
    this.id = `lambda-${fn.FunctionName.slice(0, 80)}-${randomBytes(6).toString('hex')}`;
    this.log = new EnvironmentLog(pool.runtime, fn);
    this.createdAt = this.lastUsed = pool.runtime.clock.now();
    // the stream of a new environment opens with its initialization, before any invocation's START
    this.log.line(initStartLine(fn, provisioned, pool.runtime.clock.date()));
  }

  /** (a method, so that checks after an await are not narrowed away) */
  isDead(): boolean {
    return this.state === 'dead';
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Answered its invocation, END/REPORT not yet written, nobody queued behind it: free within a turn. */
  get closing(): boolean {
    return this.state === 'busy' && this.current === undefined && this.successor === undefined;
  }

  /** Calls `then(true)` when the invocation being closed out is done (the environment stays busy for the
   *  caller, who assigns at once), or `then(false)` if the environment dies first. */
  follow(then: (ok: boolean) => void): void {
    this.successor = then;
  }

  /** Starts the process; failures are reported to the assignment waiting on it (or retire it). */
  async start(): Promise<void> {
    const rt = this.pool.runtime;
    const fn = this.fn;
    try {
      await ensureRuntime(fn.Runtime ?? 'provided.al2023');
      if (this.isDead()) return;
      const launch = runtimeLaunch(fn.Runtime ?? 'provided.al2023', { codeDir: fn.codeDir, layerDirs: fn.layerDirs, handler: fn.Handler ?? '', memoryMiB: fn.MemorySize });
      this.api = await startRuntimeApi(this, { unixSocket: launch.unixSocket });
      if (this.isDead()) return this.api.close();
      const creds = issueRoleCredentials(rt, { region: fn.region }, fn.Role, fn.FunctionName, CREDENTIAL_SECONDS).Credentials;
      const env: Record<string, string> = {
        ...launch.env,
        ...fn.Environment,
        AWS_LAMBDA_FUNCTION_NAME: fn.FunctionName,
        AWS_LAMBDA_FUNCTION_VERSION: fn.Version,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.MemorySize),
        AWS_LAMBDA_LOG_GROUP_NAME: this.log.group,
        AWS_LAMBDA_LOG_STREAM_NAME: this.log.stream,
        AWS_REGION: fn.region,
        AWS_DEFAULT_REGION: fn.region,
        AWS_LAMBDA_INITIALIZATION_TYPE: this.provisioned ? 'provisioned-concurrency' : 'on-demand',
        _HANDLER: fn.Handler ?? '',
        LAMBDA_TASK_ROOT: fn.codeDir,
        AWS_LAMBDA_RUNTIME_API: this.api.address,
        TZ: ':UTC',
        AWS_ACCESS_KEY_ID: creds.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey,
        AWS_SESSION_TOKEN: creds.SessionToken,
        AWS_ENDPOINT_URL: `http://127.0.0.1:${rt.config.port}`,
      };
      if (fn.LoggingConfig?.LogFormat === 'JSON') {
        env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
        // the runtime drops application log records below it (console.debug, logging.debug …)
        env.AWS_LAMBDA_LOG_LEVEL = fn.LoggingConfig.ApplicationLogLevel ?? 'INFO';
      }
      if (!env.LAMBDA_RUNTIME_DIR && launch.env.LAMBDA_RUNTIME_DIR) env.LAMBDA_RUNTIME_DIR = launch.env.LAMBDA_RUNTIME_DIR;
      // Cumulus's runtime takes it out of its environment before loading the handler (as AWS's runtime does
      // with its own _LAMBDA_* variables)
      if (this.api.socketPath) env._CUMULUS_RUNTIME_API_SOCKET = this.api.socketPath;
      const handle = await driverFor(rt).start({
        id: this.id,
        name: `${fn.FunctionName}:${fn.Version}`,
        command: launch.command,
        env,
        workingDir: fn.codeDir,
        // AWS's quotas: 1,024 file descriptors, 1,024 processes and threads
        limits: { memoryMiB: fn.MemorySize, tmpMiB: fn.EphemeralStorage, vcpus: vcpusFor(fn.MemorySize), fileDescriptors: 1024, pids: 1024 },
        logFile: false,
        // a woken environment does not preempt Cumulus mid-turn, so Cumulus answers more invocations per
        // turn: at 32 concurrent requests through API Gateway ~10% less Cumulus CPU per request and ~13%
        // more requests/s (means of alternating runs; single runs vary ±20% on a 2-core machine)
        batchScheduling: true,
      });
      this.handle = handle;
      this.statusFile = handle.pid !== undefined ? `/proc/${handle.pid}/status` : undefined;
      // CloudWatch Logs messages of Lambda end with a newline, as the runtime wrote them
      handle.onOutput((line) => this.log.line(`${line.text}\n`, line.time));
      handle.onExit((exit) => this.exited(exit));
      if (this.isDead()) handle.kill();
      else if (this.initDurationMs === undefined) this.initTimer = rt.clock.setTimeout(() => this.initTimedOut(), INIT_LIMIT_MS);
    } catch (err) {
      const errorType = err instanceof RuntimeLaunchError ? err.errorType : undefined;
      this.fail({ kind: 'start-failed', message: (err as Error)?.message ?? String(err), errorType });
    }
  }

  /** Gives the environment its next invocation (delivered now if the runtime is waiting, else on its next poll). */
  assign(a: Assignment): void {
    this.current = a;
    this.state = 'busy';
    if (this.waiter && !this.waiter.cancelled()) this.deliver(this.waiter.deliver);
  }

  private deliver(send: (e: DeliveredEvent) => void): void {
    const a = this.current!;
    this.waiter = undefined;
    a.delivered = true;
    a.deliveredAt = performance.now();
    // a run is timed from delivery: a cold environment's first one would otherwise count its init, and the
    // pool would expect every run to take a cold start (and start ever more environments, see env-pool.ts)
    this.deliveredAt = a.deliveredAt;
    // The runtime compares the deadline with its own wall clock (getRemainingTimeInMillis), so it is given in
    // host time: the real moment the timeout timer (virtual, on the clock) is due at the clock's speed.
    a.event.deadlineMs = Date.now() + Math.round(a.timeoutMs / this.pool.runtime.clock.getSpeed());
    a.timer = this.pool.runtime.clock.setTimeout(() => this.timedOut(a), a.timeoutMs);
    send(a.event);
  }

  // ---- Runtime API ----

  next(deliver: (e: DeliveredEvent) => void, cancelled: () => boolean): void {
    if (this.initDurationMs === undefined) {
      this.initDurationMs = performance.now() - this.perfStart;
      this.pool.noteCold(this.key, this.initDurationMs);
      this.initTimer?.cancel();
      this.initTimer = undefined;
    }
    if (this.current && !this.current.delivered) return this.deliver(deliver);
    this.waiter = { deliver, cancelled };
    if (this.state === 'starting' && !this.pool.handOver(this)) this.state = 'idle';
  }

  chunk(requestId: string, data: Buffer): void {
    const a = this.current;
    if (a?.delivered && a.event.requestId === requestId) a.onChunk?.(data);
  }

  response(requestId: string, body: Buffer): boolean {
    return this.settle(requestId, { kind: 'response', body });
  }

  error(requestId: string, body: Buffer, errorType: string | undefined): boolean {
    return this.settle(requestId, { kind: 'error', body, errorType });
  }

  responseTooLarge(requestId: string, size: number): boolean {
    return this.settle(requestId, { kind: 'too-large', size });
  }

  initError(body: Buffer, errorType: string | undefined): void {
    // the environment cannot serve: the invocation that started it fails with the runtime's error
    this.fail({ kind: 'init-error', body, errorType });
  }

  private settle(requestId: string, outcome: Outcome): boolean {
    const a = this.current;
    if (!a || !a.delivered || a.event.requestId !== requestId) return false;
    a.timer?.cancel();
    this.current = undefined;
    // VmHWM is the process's peak: a read per invocation costs the kernel rendering /proc/PID/status, so a
    // short invocation reuses a recent reading — from its own environment, under 10 ms old — or none when it
    // ran under a millisecond (it cannot have touched more than a few MB). Under load runs of a millisecond or
    // two are common: read per invocation, this was 2.5% of Cumulus's CPU at 32 callers.
    const now = performance.now();
    const run = now - (a.deliveredAt ?? 0);
    const age = now - this.sampledAt;
    if (run >= SAMPLE_AGE_MS || (run >= 1 && age >= SAMPLE_AGE_MS) || age >= 1000) this.sampleMemory();
    // stays busy until the invoker has written END/REPORT and calls release()
    a.done(outcome);
    return true;
  }

  /** The invocation is over: the environment is warm and free for the next one. */
  release(): void {
    if (this.state !== 'busy' || this.current) return;
    if (this.deliveredAt !== undefined) this.pool.noteRun(this.key, performance.now() - this.deliveredAt);
    this.deliveredAt = undefined;
    const next = this.successor;
    if (next) {
      // handed straight to the invocation queued behind this one: still busy
      this.successor = undefined;
      this.lastUsed = this.pool.runtime.clock.now();
      return next(true);
    }
    this.lastUsed = this.pool.runtime.clock.now();
    // an invocation waiting for a warm environment of this version gets it (still busy)
    if (!this.pool.handOver(this)) this.state = 'idle';
  }

  // ---- failures ----

  private timedOut(a: Assignment): void {
    if (this.current !== a) return;
    this.current = undefined;
    this.retire();
    a.done({ kind: 'timeout' });
  }

  private initTimedOut(): void {
    if (this.initDurationMs !== undefined || this.state === 'dead') return;
    const a = this.current;
    this.current = undefined;
    this.retire();
    a?.done({ kind: 'init-timeout' });
  }

  private exited(exit: WorkloadExit): void {
    const a = this.current;
    const initPhase = this.initDurationMs === undefined;
    this.current = undefined;
    this.markDead();
    a?.timer?.cancel();
    a?.done({ kind: 'exit', exit, initPhase });
  }

  private fail(outcome: Outcome): void {
    const a = this.current;
    this.current = undefined;
    a?.timer?.cancel();
    this.retire();
    a?.done(outcome);
  }

  /** Peak resident memory of the runtime process (VmHWM), the environment's "Max Memory Used". */
  sampleMemory(): number {
    this.sampledAt = performance.now();
    if (this.statusFile) {
      try {
        // the file stays open: a read at offset 0 renders it afresh (one syscall instead of open/read/close)
        this.statusFd ??= fs.openSync(this.statusFile, 'r');
        const n = fs.readSync(this.statusFd, STATUS_BUF, 0, STATUS_BUF.length, 0);
        const text = STATUS_BUF.toString('latin1', 0, n);
        const i = text.indexOf('VmHWM:');
        if (i >= 0) {
          const kb = parseInt(text.slice(i + 6).trimStart(), 10);
          if (kb > 0) this.maxMemoryMB = Math.max(this.maxMemoryMB, Math.ceil(kb / 1024));
        }
      } catch {
        /* the process is gone */
      }
    }
    if (!this.maxMemoryMB && this.handle && this.handle.state !== 'exited') {
      this.maxMemoryMB = Math.ceil(this.handle.usage().memoryBytes / 1048576);
    }
    return this.maxMemoryMB;
  }

  /** Stops the environment (killed at once: Lambda gives a retiring environment no grace worth waiting for). */
  retire(): void {
    if (this.state === 'dead') return;
    this.markDead();
    this.handle?.kill('SIGKILL');
  }

  private markDead(): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.initTimer?.cancel();
    this.api?.close();
    if (this.statusFd !== undefined) fs.close(this.statusFd, () => undefined);
    this.statusFd = undefined;
    this.log.flush();
    this.pool.removed(this);
    const next = this.successor;
    this.successor = undefined;
    next?.(false);
    const dir = this.handle?.dir;
    if (dir) setTimeout(() => fs.rm(dir, { recursive: true, force: true }, () => undefined), 1000).unref();
  }
}
