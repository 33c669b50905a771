// The instance lifecycle made real: pending → running starts the instance's workload through the shared
// compute driver (its root is the EBS root volume's directory, instance store mounted and wiped on stop,
// the metadata service in its environment); stopping/shutting-down stop it; an exit of its main process
// that Cumulus did not ask for is an instance-initiated shutdown. Timing goes through the clock.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import { driverFor, shutdownDriver } from '../../compute/shared.js';
import type { MountSpec, WorkloadExit, WorkloadHandle } from '../../compute/driver.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { startImds, type ImdsServer } from './imds.js';
import { instanceTypeSpec } from './instance-types.js';
import { getRecord, instanceTable, privateDnsName, putRecord, userInitiated, type InstanceRecord } from './instances.js';
import { allocatePublicIp, elasticIpOf, onInstanceTerminated, releasePrivateIp, releasePublicIp, type Ec2Ctx } from './network.js';
import { INIT_SCRIPT, prepareRoot, ROOT_PATHS, shutdownRequested } from './user-data.js';
import { emitStateChange } from './instance-events.js';
import { ec2Id } from '../../protocol/ids.js';

/** How long terminated instances stay visible. */
const TERMINATED_VISIBLE_MS = 60 * 60_000;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Mounts other EC2 code adds to an instance's workload at each start (attached EBS volumes: volumes.ts). */
const mountSources: ((ctx: Ec2Ctx, r: InstanceRecord, baseDir: string) => MountSpec[])[] = [];
export function registerInstanceMounts(fn: (ctx: Ec2Ctx, r: InstanceRecord, baseDir: string) => MountSpec[]): void {
  mountSources.push(fn);
}

/** Listeners told of every state change (cost tracking opens and closes billing periods with it). */
const stateListeners: ((ctx: Ec2Ctx, id: string, state: InstanceRecord['State']) => void)[] = [];
export function registerStateListener(fn: (ctx: Ec2Ctx, id: string, state: InstanceRecord['State']) => void): void {
  stateListeners.push(fn);
}

export function bootDelayMs(): number {
  const s = Number(process.env.CUMULUS_EC2_BOOT_SECONDS ?? 2);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 2000;
}

function stopGraceMs(force: boolean): number {
  if (force) return 0;
  const s = Number(process.env.CUMULUS_EC2_STOP_GRACE_SECONDS ?? 10);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 10_000;
}

interface Live {
  handle?: WorkloadHandle;
  imds?: ImdsServer;
  timer?: TimerHandle;
  /** operations on one instance run one after the other */
  chain: Promise<void>;
}

type EngineRuntime = Pick<Runtime, 'clock' | 'config' | 'store' | 'log' | 'bus'>;

/** A new physical host for an instance (launch, start after stop, recovery): host faults stay with the old one. */
export function newHostId(): string {
  return ec2Id('h');
}

export class Engine {
  readonly live = new Map<string, Live>();
  readonly baseDir: string;
  private readonly tempBase: boolean;
  private readonly purges = new Map<string, TimerHandle>();

  constructor(readonly runtime: EngineRuntime) {
    this.tempBase = !runtime.config.dataDir;
    this.baseDir = runtime.config.dataDir ? path.join(runtime.config.dataDir, 'ec2') : fs.mkdtempSync(path.join(os.tmpdir(), 'cumulus-ec2-'));
  }

  ctx(scope: Scope): Ec2Ctx {
    const { store, clock, config } = this.runtime;
    return { account: scope.account, region: scope.region, store, clock, config };
  }

  private liveOf(id: string): Live {
    let l = this.live.get(id);
    if (!l) this.live.set(id, (l = { chain: Promise.resolve() }));
    return l;
  }

  /** Tells EventBridge (EC2 Instance State-change Notification). */
  changed(scope: Scope, id: string, state: InstanceRecord['State']): void {
    for (const fn of stateListeners) {
      try {
        fn(this.ctx(scope), id, state);
      } catch (err) {
        this.runtime.log.error(`ec2: state listener for ${id} (${state}) failed: ${(err as Error)?.stack ?? String(err)}`);
      }
    }
    emitStateChange(this.runtime, scope, id, state);
  }

  /** Runs `fn` after the instance's earlier operations. */
  private enqueue(id: string, what: string, fn: () => Promise<void>): Promise<void> {
    const l = this.liveOf(id);
    l.chain = l.chain.then(fn).catch((err: unknown) => this.runtime.log.error(`ec2: ${what} ${id} failed: ${(err as Error)?.stack ?? String(err)}`));
    return l.chain;
  }

  /** A handle's recent output, for GetConsoleOutput when there is no log file. */
  handleOf(id: string): WorkloadHandle | undefined {
    return this.live.get(id)?.handle;
  }

  rootDirOf(r: InstanceRecord): string {
    return r.RootVolume ? path.join(this.baseDir, 'volumes', r.RootVolume.VolumeId) : path.join(this.instanceStoreDir(r.InstanceId), 'root');
  }

  instanceStoreDir(id: string): string {
    return path.join(this.baseDir, 'instance-store', id);
  }

  // ---- transitions ---------------------------------------------------------------------------

  /** pending → (boot delay) → the workload starts → running. */
  scheduleBoot(scope: Scope, id: string, delayMs = bootDelayMs()): void {
    const l = this.liveOf(id);
    l.timer?.cancel();
    l.timer = this.runtime.clock.setTimeout(() => {
      l.timer = undefined;
      void this.enqueue(id, 'boot', () => this.boot(scope, id));
    }, delayMs);
  }

  private async boot(scope: Scope, id: string): Promise<void> {
    const ctx = this.ctx(scope);
    const r = getRecord(ctx, id);
    if (!r || r.State !== 'pending') return;
    if (r.MapPublicIp && !r.PublicIpAddress && !elasticIpOf(ctx, id)) {
      r.PublicIpAddress = allocatePublicIp(ctx);
      putRecord(ctx, r);
    }
    const started = await this.startWorkload(scope, r, !r.UserDataRan);
    const now = getRecord(ctx, id);
    if (!now || now.State !== 'pending') {
      await this.teardown(id, 0);
      return;
    }
    now.State = 'running';
    now.UserDataRan = true;
    now.ConsoleLog = started.logPath ?? now.ConsoleLog;
    if (now.Monitoring === 'pending') now.Monitoring = 'enabled';
    putRecord(ctx, now);
    this.changed(scope, id, 'running');
  }

  private async startWorkload(scope: Scope, r: InstanceRecord, firstBoot: boolean): Promise<WorkloadHandle> {
    const ctx = this.ctx(scope);
    const l = this.liveOf(r.InstanceId);
    const root = this.rootDirOf(r);
    const store = this.instanceStoreDir(r.InstanceId);
    const spec = instanceTypeSpec(r.InstanceType);
    fs.mkdirSync(root, { recursive: true });
    prepareRoot(root, r.UserData ? Buffer.from(r.UserData, 'base64') : undefined, firstBoot);
    const mounts: MountSpec[] = [];
    if (spec?.storage) mounts.push({ source: path.join(store, 'ephemeral0'), target: 'media/ephemeral0' });
    for (const fn of mountSources) mounts.push(...fn(ctx, r, this.baseDir));
    l.imds ??= await startImds(ctx, r.InstanceId);
    const env: Record<string, string> = {
      PATH: `${path.join(root, ROOT_PATHS.bin)}:${path.join(root, 'usr/local/bin')}:${process.env.PATH ?? DEFAULT_PATH}`,
      HOME: root,
      HOSTNAME: privateDnsName(scope.region, r.PrivateIpAddress).split('.')[0]!,
      LANG: 'C.UTF-8',
      AWS_REGION: scope.region,
      AWS_DEFAULT_REGION: scope.region,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `${l.imds.url}/`,
      IMDS: l.imds.url,
      // the SDKs inside reach this Cumulus for API calls (the instance's role credentials come from IMDS)
      AWS_ENDPOINT_URL: `http://127.0.0.1:${this.runtime.config.port}`,
      CUMULUS_ROOT: root,
      CUMULUS_INSTANCE_ID: r.InstanceId,
      CUMULUS_INSTANCE_TYPE: r.InstanceType,
    };
    if (spec?.storage) env.INSTANCE_STORE = path.join(root, 'media/ephemeral0');
    const handle = await driverFor(this.runtime).start({
      id: r.InstanceId,
      name: r.InstanceId,
      command: ['/bin/sh', '-c', INIT_SCRIPT],
      env,
      rootDir: root,
      mounts,
      limits: spec ? { memoryMiB: spec.memoryMiB, vcpus: spec.vcpus } : undefined,
      logFile: true,
    });
    l.handle = handle;
    handle.onExit((exit) => this.exited(scope, r.InstanceId, handle, exit));
    return handle;
  }

  /** The workload ended without being asked to: the instance shut itself down (or its init died). A main
   *  process killed by a signal without `shutdown` inside is a crash: as after a kernel panic, the
   *  instance stays running and its instance status check fails (status-checks.ts). */
  private exited(scope: Scope, id: string, handle: WorkloadHandle, exit: WorkloadExit): void {
    // every stop Cumulus makes detaches the handle first; a handle still attached ended on its own (signals
    // sent through a fault also mark an exit 'requested', so that flag cannot tell)
    const l = this.live.get(id);
    if (!l || l.handle !== handle) return;
    const ctx = this.ctx(scope);
    const r = getRecord(ctx, id);
    if (!r || (r.State !== 'running' && r.State !== 'pending')) return;
    if (exit.signal && !exit.error && !shutdownRequested(this.rootDirOf(r))) {
      this.runtime.log.warn(`ec2: the workload of ${id} died (${exit.signal}); the instance stays running, impaired`);
      return;
    }
    const reason = { Code: 'Client.InstanceInitiatedShutdown', Message: 'Client.InstanceInitiatedShutdown: Instance initiated shutdown' };
    if (exit.error) this.runtime.log.warn(`ec2: instance ${id} could not run: ${exit.error}`);
    if (r.InstanceInitiatedShutdownBehavior === 'terminate' || r.RootDeviceType === 'instance-store') this.terminate(ctx, r, reason, reason.Message);
    else this.stop(ctx, r, false, reason, reason.Message);
  }

  /** running/pending → stopping → stopped: the workload stops, instance store and the public IP go. */
  stop(ctx: Ec2Ctx, r: InstanceRecord, force: boolean, reason: { Code: string; Message: string } = userShutdown(), transition = userInitiated(ctx.clock.date())): void {
    r.State = 'stopping';
    r.StateTransitionReason = transition;
    r.StateReason = reason;
    putRecord(ctx, r);
    const scope = { account: ctx.account, region: ctx.region };
    this.changed(scope, r.InstanceId, 'stopping');
    this.live.get(r.InstanceId)?.timer?.cancel();
    void this.enqueue(r.InstanceId, 'stop', async () => {
      await this.teardown(r.InstanceId, stopGraceMs(force));
      fs.rmSync(this.instanceStoreDir(r.InstanceId), { recursive: true, force: true });
      const c = this.ctx(scope);
      const now = getRecord(c, r.InstanceId);
      if (!now || now.State !== 'stopping') return;
      if (now.PublicIpAddress) releasePublicIp(c, now.PublicIpAddress);
      delete now.PublicIpAddress;
      now.State = 'stopped';
      now.StateReason = reason;
      putRecord(c, now);
      this.changed(scope, r.InstanceId, 'stopped');
    });
  }

  /** stopped → pending → running; the user data does not run again. */
  start(ctx: Ec2Ctx, r: InstanceRecord): void {
    r.State = 'pending';
    r.StateTransitionReason = '';
    delete r.StateReason;
    r.PendingTime = ctx.clock.date().toISOString();
    r.Host = newHostId();
    putRecord(ctx, r);
    this.changed(ctx, r.InstanceId, 'pending');
    this.scheduleBoot({ account: ctx.account, region: ctx.region }, r.InstanceId);
  }

  /** The workload restarts; the instance stays running (RAM lost, disks kept). */
  reboot(ctx: Ec2Ctx, r: InstanceRecord): void {
    const scope = { account: ctx.account, region: ctx.region };
    void this.enqueue(r.InstanceId, 'reboot', async () => {
      const l = this.live.get(r.InstanceId);
      if (l?.handle) {
        const old = l.handle;
        l.handle = undefined;
        old.kill('SIGCONT'); // a hung (stopped) workload must be able to take the SIGTERM
        await old.stop({ graceMs: stopGraceMs(false) });
      }
      const now = getRecord(this.ctx(scope), r.InstanceId);
      if (now?.State === 'running') await this.startWorkload(scope, now, false);
    });
  }

  /** Recovery (the alarm action): the instance moves to a new host and boots there — same id, addresses,
   *  EBS volumes and metadata; instance-store data and RAM are lost; it stays `running`. */
  relocate(ctx: Ec2Ctx, r: InstanceRecord): void {
    const scope = { account: ctx.account, region: ctx.region };
    r.Host = newHostId();
    putRecord(ctx, r);
    void this.enqueue(r.InstanceId, 'recover', async () => {
      const l = this.live.get(r.InstanceId);
      const old = l?.handle;
      if (l) l.handle = undefined;
      if (old) {
        old.kill('SIGCONT');
        await old.stop({ graceMs: 0 });
      }
      fs.rmSync(this.instanceStoreDir(r.InstanceId), { recursive: true, force: true });
      const now = getRecord(this.ctx(scope), r.InstanceId);
      if (now?.State === 'running') await this.startWorkload(scope, now, false);
    });
  }

  /** The host loses power (an AZ outage): the workload is gone, the instance still shows running. */
  powerOff(id: string): void {
    void this.enqueue(id, 'power-off', async () => {
      const l = this.live.get(id);
      const old = l?.handle;
      if (l) l.handle = undefined;
      if (old) {
        old.kill('SIGCONT');
        await old.stop({ graceMs: 0 });
      }
      fs.rmSync(this.instanceStoreDir(id), { recursive: true, force: true });
    });
  }

  /** Power is back: a running instance without a live workload boots again (as after a host reboot). */
  powerOn(scope: Scope, id: string): void {
    void this.enqueue(id, 'power-on', async () => {
      const now = getRecord(this.ctx(scope), id);
      if (now?.State === 'running' && this.live.get(id)?.handle?.state !== 'running') await this.startWorkload(scope, now, false);
    });
  }

  /** → shutting-down → terminated: the workload stops, volumes marked DeleteOnTermination and addresses go. */
  terminate(ctx: Ec2Ctx, r: InstanceRecord, reason: { Code: string; Message: string } = userShutdown(), transition = userInitiated(ctx.clock.date())): void {
    r.State = 'shutting-down';
    r.StateTransitionReason = transition;
    r.StateReason = reason;
    putRecord(ctx, r);
    const scope = { account: ctx.account, region: ctx.region };
    this.changed(scope, r.InstanceId, 'shutting-down');
    this.live.get(r.InstanceId)?.timer?.cancel();
    void this.enqueue(r.InstanceId, 'terminate', () => this.finishTerminate(scope, r.InstanceId));
  }

  private async finishTerminate(scope: Scope, id: string): Promise<void> {
    await this.teardown(id, 0);
    const c = this.ctx(scope);
    const now = getRecord(c, id);
    if (!now || now.State !== 'shutting-down') return;
    fs.rmSync(this.instanceStoreDir(id), { recursive: true, force: true });
    if (now.RootVolume?.DeleteOnTermination) fs.rmSync(this.rootDirOf(now), { recursive: true, force: true });
    if (now.PublicIpAddress) releasePublicIp(c, now.PublicIpAddress);
    delete now.PublicIpAddress;
    releasePrivateIp(c, now.SubnetId, now.PrivateIpAddress);
    onInstanceTerminated(c, id);
    now.State = 'terminated';
    now.PurgeAt = this.runtime.clock.now() + TERMINATED_VISIBLE_MS;
    putRecord(c, now);
    this.changed(scope, id, 'terminated');
    this.schedulePurge(scope, id, now.PurgeAt);
  }

  private schedulePurge(scope: Scope, id: string, at: number): void {
    this.purges.get(id)?.cancel();
    this.purges.set(
      id,
      this.runtime.clock.setTimeout(() => {
        this.purges.delete(id);
        this.live.delete(id);
        const r = instanceTable(this.runtime).get(scope, id);
        if (r?.State === 'terminated') instanceTable(this.runtime).delete(scope, id);
      }, Math.max(0, at - this.runtime.clock.now())),
    );
  }

  /** Stops the workload and the metadata listener (records untouched). */
  private async teardown(id: string, graceMs: number): Promise<void> {
    const l = this.live.get(id);
    if (!l) return;
    l.timer?.cancel();
    l.timer = undefined;
    const handle = l.handle;
    l.handle = undefined;
    if (handle) {
      handle.kill('SIGCONT'); // a hung (stopped) workload must be able to take the SIGTERM
      await handle.stop({ graceMs });
    }
    const imds = l.imds;
    l.imds = undefined;
    await imds?.close();
  }

  // ---- Cumulus start and stop -----------------------------------------------------------------

  /** After a restart: running instances boot again (as after a host reboot); transitions in flight finish. */
  recover(): void {
    const now = this.runtime.clock.now();
    for (const { scope, id, record } of instanceTable(this.runtime).listAll()) {
      const ctx = this.ctx(scope);
      switch (record.State) {
        case 'pending':
        case 'running':
          record.State = 'pending';
          record.PendingTime = this.runtime.clock.date().toISOString();
          putRecord(ctx, record);
          this.changed(scope, id, 'pending');
          this.scheduleBoot(scope, id);
          break;
        case 'stopping':
          this.stop(ctx, record, true, record.StateReason, record.StateTransitionReason);
          break;
        case 'shutting-down':
          this.terminate(ctx, record, record.StateReason, record.StateTransitionReason);
          break;
        case 'terminated':
          if ((record.PurgeAt ?? 0) <= now) instanceTable(this.runtime).delete(scope, id);
          else this.schedulePurge(scope, id, record.PurgeAt!);
          break;
        default:
          break;
      }
    }
  }

  async shutdown(): Promise<void> {
    for (const t of this.purges.values()) t.cancel();
    this.purges.clear();
    const imds: ImdsServer[] = [];
    for (const l of this.live.values()) {
      l.timer?.cancel();
      if (l.imds) imds.push(l.imds);
      l.imds = undefined;
      l.handle = undefined;
    }
    this.live.clear();
    await shutdownDriver(this.runtime);
    await Promise.all(imds.map((s) => s.close()));
    if (this.tempBase) fs.rmSync(this.baseDir, { recursive: true, force: true });
  }
}

function userShutdown() {
  return { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
}

const engines = new WeakMap<Clock, Engine>();

export function engineFor(runtime: EngineRuntime): Engine {
  let e = engines.get(runtime.clock);
  if (!e) engines.set(runtime.clock, (e = new Engine(runtime)));
  return e;
}

export async function shutdownEngine(runtime: Pick<Runtime, 'clock'>): Promise<void> {
  const e = engines.get(runtime.clock);
  if (!e) return;
  engines.delete(runtime.clock);
  await e.shutdown();
}
