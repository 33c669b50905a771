// The execution environments of a Cumulus, grouped by function version and revision: a warm one for each
// invocation when there is one, else (see envWaitMs) a busy one soon released, else a new one; provisioned
// concurrency kept warm; idle and outdated environments retired.
import os from 'node:os';
import type { TimerHandle } from '../../clock/clock.js';
import type { Runtime } from '../../server/context.js';
import { CREDENTIAL_SECONDS, Environment, idleLimitMs } from './environments.js';
import type { ResolvedFunction } from './resolved-function.js';

/**
 * Scale-out on a machine of few cores. A version gets environments as on AWS up to two per core (see
 * WITHOUT_WAIT); past that,
 * an invocation that finds every warm environment of its version busy
 * waits for one of them to be released when that is expected sooner than a new one would be up: within the
 * version's measured cold start (at least CUMULUS_LAMBDA_ENV_WAIT_MS real ms, default 10; 0 scales out at once,
 * one environment per concurrent invocation, as AWS does). The expected wait comes from the rate the
 * version's environments have recently been freed at (see expectedWaitMs) and the invocations already
 * waiting, who are served first (FIFO); no more cold starts run at once than there are cores (see
 * COLD_STARTS). Before any invocation of the version has finished (a first burst), it waits at most as long
 * as a cold start of the version takes (FIRST_WAIT_MS until one has been measured; while its first
 * environment is still starting, the wait goes on until it is up). Otherwise, or when the wait runs out, it
 * gets a new environment. Waiting is never expected to be slower than the cold start it spares, and a cold
 * start costs far more CPU than a wait (a process, a runtime, the handler's init): with a budget of a fixed
 * 10 ms, 32 callers of a short function on two cores grew the pool to 29 processes, each costing three times
 * the CPU per invocation that one of 4 does, and Cumulus a third more — at 60% of the rate. Invocations that
 * are long or many still get environments of their own.
 */
export function envWaitMs(): number {
  const ms = Number(process.env.CUMULUS_LAMBDA_ENV_WAIT_MS ?? 10);
  return Number.isFinite(ms) && ms >= 0 ? ms : 10;
}

/** the longest a first burst waits for the version's first environments (real ms) */
const FIRST_WAIT_MS = 250;

/**
 * At most as many cold starts of a version at once as the machine has cores, while its invocations can wait
 * for those already starting (each takes them when up) or for busy ones: a cold start is CPU-bound, and
 * more at once slow the environments serving the line until nothing is released, every waiting invocation
 * gives up and starts another — 32 callers of a short function on two cores snowballed to 30 environments.
 */
const COLD_STARTS = Math.max(1, os.availableParallelism());
/**
 * Up to two environments per core, an invocation that finds all of its version's busy gets a new one at once.
 * An environment spends about as long waiting for Cumulus to take its answer and hand it the next event as it
 * spends running: with one per core, cores idle while their environment waits, and Cumulus wakes for each
 * answer alone. 32 connections through API Gateway's Lambda proxy on two cores (bench/apigateway): 4,150–5,100
 * requests/s at 175–215 µs of Cumulus CPU each with one environment per core, 4,950–6,800 at 135–175 µs with
 * two (three: about the same; one in all: 3,100; six or eight: fewer, and erratic).
 */
const WITHOUT_WAIT = 2 * COLD_STARTS;
/** A version whose cold starts take longer than this spends them waiting on something other than the CPU
 *  (its own init's I/O): its environments start in parallel, as on AWS. */
const SLOW_COLD_MS = 1000;

function coldStartsFull(list: Environment[], t: VersionTimings | undefined): boolean {
  if ((t?.coldMs ?? 0) > SLOW_COLD_MS) return false;
  let n = 0;
  for (const e of list) if (e.initDurationMs === undefined && e.state !== 'dead' && !e.provisioned && ++n >= COLD_STARTS) return true;
  return false;
}

/** What an invocation may wait for a busy environment: a cold start of its version (at least the configured
 *  budget; FIRST_WAIT_MS at most, and until one has been measured). */
function coldBudgetMs(waitMs: number, t: VersionTimings | undefined): number {
  return Math.max(waitMs, Math.min(t?.coldMs ?? FIRST_WAIT_MS, FIRST_WAIT_MS));
}

/** Recent timings of a version's environments (real ms, moving averages). */
interface VersionTimings {
  /** from delivery to release: what a waiting invocation waits per invocation ahead of it */
  runMs?: number;
  /** from process start to the runtime's first poll */
  coldMs?: number;
  /** environments handed to waiting invocations so far (whether a line is moving) */
  handOvers?: number;
  /** between successive releases, over the last RELEASE_WINDOW of them: the time the version's environments
   *  take, together, to free one — under load, the inverse of the rate a line of waiting invocations moves at */
  releaseMs?: number;
  /** when the last release was (real ms) */
  releasedAt?: number;
  /** the times of the last RELEASE_WINDOW releases (a ring; real ms) */
  releases?: Float64Array;
  /** releases seen since the last pause (of a second or more) */
  released?: number;
}

/**
 * Releases the expected wait is judged over. One gap between two releases says little on a busy machine: two
 * environments preempted at once leave 10 ms without one where the line otherwise moves every 0.3 ms. A moving
 * average of single gaps took such a hiccup for a slow line, and 32 callers of a trivial function on two cores
 * grew the pool to 6-8 environments, each invocation then costing the environments 70% more CPU than with 2.
 */
const RELEASE_WINDOW = 32;

/**
 * How long the invocation `ahead`-th in line is expected to wait for one of `busy` environments: from the
 * rate the version's environments have been freed at in the last second, else from its run durations. On a
 * saturated machine a run waits for the CPU too, so its duration grows with the environments competing for
 * it while the rate does not: judged by run durations, 32 callers kept asking for more environments than
 * the cores could use.
 */
function expectedWaitMs(t: VersionTimings, ahead: number, busy: number): number {
  if (t.releaseMs !== undefined && t.releasedAt !== undefined && performance.now() - t.releasedAt < 1000) return t.releaseMs * ahead;
  return (t.runMs! * ahead) / busy;
}

const average = (prev: number | undefined, sample: number) => (prev === undefined ? sample : prev * 0.8 + sample * 0.2);

export type Acquired = { env: Environment; cold: boolean; queued?: boolean; wait?: undefined } | { wait: Promise<Environment | undefined>; env?: undefined };

interface Waiter {
  /** an environment handed over, or undefined when the pool stops */
  take(env: Environment | undefined): void;
}

/** Every environment of a Cumulus, grouped by function version and revision. */
export class EnvironmentPool {
  private readonly byKey = new Map<string, Environment[]>();
  /** invocations waiting for a busy environment of their version to be released (see envWaitMs) */
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly timings = new Map<string, VersionTimings>();
  private stopped = false;
  private sweeper: TimerHandle | undefined;
  /** CUMULUS_LAMBDA_ENV_WAIT_MS, read when Cumulus starts (process.env is slow to read per invocation) */
  private readonly waitMs = envWaitMs();

  constructor(readonly runtime: Runtime) {
    const idle = idleLimitMs();
    this.sweeper = runtime.clock.setInterval(() => this.sweep(), Math.max(1000, Math.min(idle / 10, 30_000)));
  }

  static keyOf(fn: ResolvedFunction): string {
    return `${fn.FunctionArn}:${fn.Version}:${fn.RevisionId}`;
  }

  /** A warm environment of this version and revision, or a new one (cold: the caller assigns its invocation,
   *  then calls start()). */
  acquire(fn: ResolvedFunction, mayWait = true): Acquired {
    if (this.stopped) throw new Error('Lambda execution is stopping');
    const key = EnvironmentPool.keyOf(fn);
    const list = this.byKey.get(key);
    if (list) {
      let pick: Environment | undefined;
      let warming: Environment | undefined;
      for (const e of list) {
        if (e.state === 'idle' && !e.busy) {
          pick = e;
          break;
        }
        // a provisioned environment still initialising takes the invocation as soon as it is up
        if (!warming && e.provisioned && e.state === 'starting' && !e.busy) warming = e;
      }
      if (pick ?? warming) return { env: (pick ?? warming)!, cold: false };
      // One that has answered and only has END/REPORT to write (one turn of the event loop) is as good as
      // free: on AWS it would be, as soon as its runtime asks for the next event. Queuing behind it spares a
      // cold start whenever requests arrive in a burst with their environments' answers.
      // Not while others wait, though: they are first in line (each release hands its environment to the
      // longest waiting); a newcomer jumping ahead left them waiting out their budget and starting environments.
      if (!this.waiting.has(key)) for (const e of list) if (e.closing) return { env: e, cold: false, queued: true };
      // all busy: wait for one of them to be released when that is expected soon (see envWaitMs)
      const wait = mayWait ? this.waitBudget(key, list) : 0;
      if (wait > 0) return { wait: this.waitFor(key, wait) };
    } else this.retireOtherRevisions(fn);
    const env = this.create(fn, key, false);
    return { env, cold: true };
  }

  /** How long an invocation should wait for a busy environment of this version (0: start a new one now). */
  private waitBudget(key: string, list: Environment[]): number {
    const budget = this.waitMs;
    if (!budget) return 0;
    let busy = 0;
    let live = 0;
    for (const e of list) {
      if (e.state === 'busy') busy++;
      if (e.state !== 'dead') live++;
    }
    // Up to two environments per core, none waits: a line behind one environment moves only while it runs,
    // and it idles while Cumulus answers and hands it the next event (see WITHOUT_WAIT)
    if (!busy || live < WITHOUT_WAIT) return 0;
    const t = this.timings.get(key);
    const cold = coldBudgetMs(budget, t);
    if (t?.runMs === undefined || coldStartsFull(list, t)) return cold;
    const ahead = (this.waiting.get(key)?.length ?? 0) + 1;
    return expectedWaitMs(t, ahead, busy) <= cold ? cold : 0;
  }

  /** Timings for the wait decision: an invocation's time in its environment, a cold start's. */
  noteRun(key: string, ms: number): void {
    const t = this.timings.get(key) ?? this.timings.set(key, {}).get(key)!;
    t.runMs = average(t.runMs, ms);
    const now = performance.now();
    // a gap of over a second is a pause, not the rate the version's environments free up at
    const ring = (t.releases ??= new Float64Array(RELEASE_WINDOW));
    if (t.releasedAt === undefined || now - t.releasedAt >= 1000) t.released = 0;
    const n = (t.released = (t.released ?? 0) + 1);
    ring[(n - 1) % RELEASE_WINDOW] = now;
    // the mean interval over the window: from the oldest release it holds to this one
    if (n > 1) t.releaseMs = (now - ring[n > RELEASE_WINDOW ? n % RELEASE_WINDOW : 0]!) / (Math.min(n, RELEASE_WINDOW) - 1);
    t.releasedAt = now;
  }

  noteCold(key: string, ms: number): void {
    const t = this.timings.get(key) ?? this.timings.set(key, {}).get(key)!;
    t.coldMs = average(t.coldMs, ms);
  }

  /** Resolves with an environment of `key` handed over on its release, or undefined after `ms`. */
  private waitFor(key: string, ms: number): Promise<Environment | undefined> {
    return new Promise((resolve) => {
      let queue = this.waiting.get(key);
      if (!queue) this.waiting.set(key, (queue = []));
      const w: Waiter = {
        take: (env) => {
          clearTimeout(timer);
          resolve(env);
        },
      };
      const expire = () => {
        const t = this.timings.get(key);
        const list = this.byKey.get(key) ?? [];
        // a first burst waits for the version's first environment to come up, however long that takes; later,
        // an invocation keeps waiting while the line moves (an environment was handed over since it last
        // looked) and the ones ahead of it are expected to be through within the budget. A line that has not
        // moved for a whole budget is behind runs longer than their recent average: it gets an environment.
        const starting = (t?.coldMs === undefined && list.some((e) => e.initDurationMs === undefined && e.state !== 'dead')) || coldStartsFull(list, t);
        const busy = list.filter((e) => e.state === 'busy').length;
        const ahead = (this.waiting.get(key)?.indexOf(w) ?? 0) + 1;
        const moved = (t?.handOvers ?? 0) !== seen;
        seen = t?.handOvers ?? 0;
        if (starting || (moved && t?.runMs !== undefined && busy > 0 && this.waitMs > 0 && expectedWaitMs(t, ahead, busy) <= coldBudgetMs(this.waitMs, t))) {
          timer = setTimeout(expire, ms);
          timer.unref();
          return;
        }
        const q = this.waiting.get(key);
        const i = q ? q.indexOf(w) : -1;
        if (i >= 0) q!.splice(i, 1);
        if (q && !q.length) this.waiting.delete(key);
        resolve(undefined);
      };
      let seen = this.timings.get(key)?.handOvers ?? 0;
      let timer = setTimeout(expire, ms);
      timer.unref();
      queue.push(w);
    });
  }

  /** An environment just became free: the longest waiting invocation of its version takes it (true). */
  handOver(env: Environment): boolean {
    const q = this.waiting.get(env.key);
    const w = q?.shift();
    if (!w) return false;
    if (!q!.length) this.waiting.delete(env.key);
    const t = this.timings.get(env.key);
    if (t) t.handOvers = (t.handOvers ?? 0) + 1;
    env.state = 'busy';
    w.take(env);
    return true;
  }

  /** Keeps `n` environments of this version warm (provisioned concurrency). */
  ensureProvisioned(fn: ResolvedFunction, n: number): void {
    const key = EnvironmentPool.keyOf(fn);
    const have = (this.byKey.get(key) ?? []).filter((e) => e.provisioned).length;
    // each becomes idle (usable) once its runtime first polls for an event
    for (let i = have; i < n; i++) void this.create(fn, key, true).start();
  }

  private create(fn: ResolvedFunction, key: string, provisioned: boolean): Environment {
    const env = new Environment(this, fn, key, provisioned);
    let list = this.byKey.get(key);
    if (!list) this.byKey.set(key, (list = []));
    list.push(env);
    return env;
  }

  /** Environments of the same function version with another revision are never reused: retire them. */
  private retireOtherRevisions(fn: ResolvedFunction): void {
    const prefix = `${fn.FunctionArn}:${fn.Version}:`;
    for (const [key, list] of this.byKey) {
      if (!key.startsWith(prefix)) continue;
      for (const e of [...list]) if (!e.busy) e.retire();
    }
  }

  removed(env: Environment): void {
    const list = this.byKey.get(env.key);
    if (!list) return;
    const i = list.indexOf(env);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.byKey.delete(env.key);
  }

  /** Retires environments idle for longer than the limit. */
  sweep(): void {
    const limit = idleLimitMs();
    const now = this.runtime.clock.now();
    for (const list of [...this.byKey.values()]) {
      for (const e of [...list]) {
        if (e.provisioned || e.busy) continue;
        if (e.state === 'idle' && now - e.lastUsed >= limit) e.retire();
        else if (now - e.createdAt >= (CREDENTIAL_SECONDS - 300) * 1000 && e.state === 'idle') e.retire();
      }
    }
  }

  /** Provisioned concurrency of a version was removed: its environments serve on demand and may idle out. */
  releaseProvisioned(fn: ResolvedFunction): void {
    const prefix = `${fn.FunctionArn}:${fn.Version}:`;
    for (const [key, list] of this.byKey) if (key.startsWith(prefix)) for (const e of list) e.provisioned = false;
  }

  /** Retires every environment of a function (all versions), e.g. when it is deleted. */
  retireFunction(functionArn: string): void {
    for (const key of [...this.timings.keys()]) if (key.startsWith(`${functionArn}:`)) this.timings.delete(key);
    for (const [key, list] of [...this.byKey]) if (key.startsWith(`${functionArn}:`)) for (const e of [...list]) e.retire();
  }

  list(): Environment[] {
    return [...this.byKey.values()].flat();
  }

  async stop(): Promise<void> {
    this.sweeper?.cancel();
    this.sweeper = undefined;
    this.stopped = true;
    for (const e of this.list()) e.retire();
    // invocations still waiting fail (acquire throws once stopped) rather than start environments
    const waiters = [...this.waiting.values()].flat();
    this.waiting.clear();
    for (const w of waiters) w.take(undefined);
  }
}
