// The service-agnostic contract between services and the drivers that run their workloads.
// Instances, ECS tasks, Batch jobs and Lambda execution environments are all workloads: a service asks a
// Driver to start one and gets a WorkloadHandle back; it never spawns processes itself.

export type DriverKind = 'process';

/** A directory of the host the workload sees at `target` (an EBS volume, instance store, a code bundle). */
export interface MountSpec {
  /** host directory (created if missing) */
  source: string;
  /** the path the workload sees, e.g. /mnt/data. The process driver links <root>/<target> to `source` and
   *  sets CUMULUS_MOUNT_<TARGET> (upper-cased, non-alphanumerics → _) to that path. */
  target: string;
  /** advisory for the process driver (see capabilities().readOnlyMounts) */
  readOnly?: boolean;
}

export interface PortRequest {
  /** the port the program listens on inside its network; with the process driver it equals hostPort */
  containerPort?: number;
  /** a fixed host port, or 0 / undefined for one the driver picks */
  hostPort?: number;
  protocol?: 'tcp' | 'udp';
  /** where a picked port comes from: the ephemeral range 32768–61000 (ECS dynamic ports) or any free port */
  range?: 'ephemeral' | 'any';
  /** exposed as CUMULUS_PORT_<NAME> */
  name?: string;
}

export interface ResolvedPort {
  name?: string;
  containerPort: number;
  hostPort: number;
  protocol: 'tcp' | 'udp';
}

export interface ResourceLimits {
  memoryMiB?: number;
  /** CPU bandwidth in cores (0.25 … n) */
  vcpus?: number;
  pids?: number;
  fileDescriptors?: number;
  tmpMiB?: number;
}

export interface WorkloadSpec {
  /** unique among the driver's live workloads; letters, digits, '.', '_', '-' */
  id: string;
  name?: string;
  /** argv; argv[0] is looked up in PATH unless it contains a '/' (relative to the working directory) */
  command?: string[];
  /** alternative to `command`: a script written into the workload's directory and run (`#!` honoured, else sh) */
  script?: string;
  /** the environment, exactly; the driver adds PATH (the host's, if absent), HOME, TMPDIR, PWD (unless given),
   *  ports and mounts variables */
  env?: Record<string, string>;
  /** the workload's root directory; default <baseDir>/workloads/<id>/root. Created if missing, kept afterwards. */
  rootDir?: string;
  /** working directory, relative to the root (default: the root) */
  workingDir?: string;
  mounts?: MountSpec[];
  ports?: PortRequest[];
  limits?: ResourceLimits;
  /** written to the workload's stdin, which is then closed; without it stdin is /dev/null */
  stdin?: string | Buffer;
  /** 'name', 'uid' or 'uid:gid' (needs root) */
  user?: string;
  /** append output to <baseDir>/workloads/<id>/console.log (default true) */
  logFile?: boolean;
  /** throughput work (Lambda's execution environments): run under SCHED_BATCH where the host has `chrt`
   *  (Linux), so that waking it does not preempt Cumulus in the middle of its work; best effort */
  batchScheduling?: boolean;
}

export type WorkloadState = 'starting' | 'running' | 'exited';

export interface WorkloadExit {
  /** exit status, or null when killed by a signal */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** why the workload could not run (command not found, permission denied …) */
  error?: string;
  /** killed by the kernel for exceeding its memory limit (known when a cgroup holds it) */
  oomKilled: boolean;
  /** stopped through stop() or kill() rather than exiting on its own */
  requested: boolean;
  /** virtual epoch ms */
  at: number;
}

export interface OutputLine {
  /** increasing per handle (from 0 at each start); use as a cursor */
  seq: number;
  /** virtual epoch ms */
  time: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** The captured output of a workload: recent lines in memory, and all of it on disk when logFile is on. */
export interface OutputLog {
  /** seq the next line will get: take it before an invocation, read lines(cursor) after */
  cursor(): number;
  /** lines still in memory with seq >= since */
  lines(since?: number): OutputLine[];
  /** the in-memory output as text, oldest first */
  text(since?: number): string;
  /** everything written since this start: the log file when there is one, else what memory holds */
  readAll(): Promise<string>;
  /** true when lines have dropped out of memory */
  readonly truncated: boolean;
}

export interface ResourceUsage {
  /** of one core: 150 = one and a half cores busy since the previous sample (or since start) */
  cpuPercent: number;
  /** total CPU seconds used by the tree */
  cpuSeconds: number;
  /** resident memory of the whole tree */
  memoryBytes: number;
  processes: number;
  diskReadBytes: number;
  diskWriteBytes: number;
  /** undefined when the driver cannot tell per workload (the process driver shares the host's network) */
  networkRxBytes?: number;
  networkTxBytes?: number;
}

/** How each limit is enforced: by a cgroup, by an rlimit of the workload's processes, or not at all. */
export type LimitMechanism = 'cgroup-v2' | 'cgroup-v1' | 'rlimit' | 'none';

export interface AppliedLimits {
  memory: LimitMechanism;
  cpu: LimitMechanism;
  pids: LimitMechanism;
  fileDescriptors: LimitMechanism;
  tmp: LimitMechanism;
}

export interface DriverCapabilities {
  kind: DriverKind;
  /** the mechanism used for each limit when one is requested */
  limits: AppliedLimits;
  /** cgroup version and the directory workloads' cgroups are created under (memory controller's, on v1) */
  cgroup?: { version: 1 | 2; dir: string };
  /** why cgroups are not used, when they are not */
  cgroupUnavailable?: string;
  usage: { cpu: boolean; memory: boolean; disk: boolean; network: boolean };
  /** each workload has its own network namespace and IP */
  networkIsolation: boolean;
  readOnlyMounts: boolean;
  /** spec.user is honoured */
  users: boolean;
}

export interface StopOptions {
  /** virtual ms between the first signal and SIGKILL (default 10 000) */
  graceMs?: number;
  /** default SIGTERM */
  signal?: NodeJS.Signals;
}

export interface WorkloadStatus {
  id: string;
  name?: string;
  state: WorkloadState;
  pid?: number;
  startedAt: number;
  exit?: WorkloadExit;
  rootDir: string;
  ip: string;
  ports: ResolvedPort[];
  limits: AppliedLimits;
}

export interface WorkloadHandle {
  readonly id: string;
  readonly name: string | undefined;
  readonly state: WorkloadState;
  /** the process group leader's pid (undefined if it never started) */
  readonly pid: number | undefined;
  /** virtual epoch ms */
  readonly startedAt: number;
  readonly exit: WorkloadExit | undefined;
  readonly exitCode: number | null | undefined;
  readonly signal: NodeJS.Signals | null | undefined;
  readonly rootDir: string;
  /** the workload's own directory (holds root/ unless rootDir was given, console.log, the script) */
  readonly dir: string;
  readonly logPath: string | undefined;
  /** the address its ports are reached at from the host (the process driver: 127.0.0.1, the host's own) */
  readonly ip: string;
  readonly ports: readonly ResolvedPort[];
  /** the environment the workload got */
  readonly env: Readonly<Record<string, string>>;
  readonly limits: AppliedLimits;
  readonly logs: OutputLog;
  /** called once with the exit (at once, asynchronously, if already exited); returns an unsubscribe */
  onExit(cb: (exit: WorkloadExit) => void): () => void;
  /** called for every complete line of output; returns an unsubscribe */
  onOutput(cb: (line: OutputLine) => void): () => void;
  /** resolves with the exit */
  wait(): Promise<WorkloadExit>;
  /** signal the whole tree, SIGKILL after the grace on the driver's clock; resolves with the exit */
  stop(options?: StopOptions): Promise<WorkloadExit>;
  /** signal the whole tree (default SIGKILL); harmless when already exited */
  kill(signal?: NodeJS.Signals): void;
  /** resource usage of the whole process tree, sampled now */
  usage(): ResourceUsage;
  status(): WorkloadStatus;
}

export interface Driver {
  readonly kind: DriverKind;
  capabilities(): DriverCapabilities;
  /** resolves once the workload runs or has failed to (see exit.error); rejects only for a bad spec
   *  (DriverError: InvalidSpec, WorkloadExists, PortInUse, UserNotFound) */
  start(spec: WorkloadSpec): Promise<WorkloadHandle>;
  /** live workloads only: a handle leaves once exited (its owner keeps it as long as it needs) */
  get(id: string): WorkloadHandle | undefined;
  list(): WorkloadHandle[];
  /** usage of every live workload from one sweep of the OS (for a shared periodic sample on the clock) */
  usageAll(): Map<string, ResourceUsage>;
  /** stops every workload (grace on the clock, default 0 = SIGKILL at once) and releases OS resources */
  shutdown(options?: { graceMs?: number }): Promise<void>;
}

export type DriverErrorCode = 'InvalidSpec' | 'WorkloadExists' | 'PortInUse' | 'UserNotFound' | 'ShutDown';

export class DriverError extends Error {
  constructor(
    readonly code: DriverErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DriverError';
  }
}
