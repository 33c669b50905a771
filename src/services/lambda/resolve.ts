// What the execution side asks of the control plane: a function (version, alias) resolved to everything
// needed to run it, plus the configs that steer invocations (event invoke config, URLs, concurrency, policy).
import type { Clock } from '../../clock/clock.js';
import type { Store } from '../../state/db.js';
import { RecordCache } from '../../state/record-cache.js';
import { aliasRecord } from './aliases.js';
import { codeDir } from './code-package.js';
import { provisionedRecord } from './concurrency.js';
import { conflict, functionNotFound } from './errors.js';
import { configOf, findFunction, type Ctx } from './functions.js';
import { functionArn, isVersionNumber, parseFunctionName } from './names.js';
import type { ResolvedFunction } from './resolved-function.js';
import type { AliasRecord, VersionConfig } from './store.js';

export { accountConcurrencyLimit, reservedConcurrencyOf } from './concurrency.js';
export { eventInvokeConfigFor } from './event-invoke-config.js';
export { policyAllows } from './permissions.js';
export { functionUrlById } from './url-config.js';
export type { ResolvedFunction } from './resolved-function.js';

const clocks = new WeakMap<Store, Clock>();

/** Called by initControl: the clock pending states settle on when resolved outside a request. */
export function registerClock(store: Store, clock: Clock): void {
  clocks.set(store, clock);
}

function withClock(ctx: { store: Store; account: string; region: string }): Ctx {
  const clock = (ctx as { clock?: Clock }).clock ?? clocks.get(ctx.store);
  if (!clock) throw new Error('lambda control plane is not initialised for this store');
  return { store: ctx.store, account: ctx.account, region: ctx.region, clock };
}

/** An alias's version: its own, or (with a routing config) the other one with that version's weight. */
function pickVersion(alias: AliasRecord): string {
  const weights = Object.entries(alias.AdditionalVersionWeights ?? {});
  let r = Math.random();
  for (const [version, weight] of weights) {
    if (r < weight) return version;
    r -= weight;
  }
  return alias.FunctionVersion;
}

/**
 * A function by name, partial ARN (ACCOUNT:function:NAME) or ARN, with an optional `:qualifier` suffix or
 * `qualifier` ($LATEST by default; a version number; an alias, routed by its weights).
 * Throws ResourceNotFoundException "Function not found: ARN" as AWS does.
 */
export function resolveFunction(ctx: { store: Store; account: string; region: string }, nameOrArn: string, qualifier?: string): ResolvedFunction {
  return resolveWithConfig(ctx, nameOrArn, qualifier).fn;
}

/** resolveFunction plus invokeBlocker from one read of the records (the invoke path). */
export function resolveForInvoke(
  ctx: { store: Store; account: string; region: string },
  nameOrArn: string,
  qualifier?: string,
): { fn: ResolvedFunction; blocker: ReturnType<typeof invokeBlocker> } {
  const { fn, v } = resolveWithConfig(ctx, nameOrArn, qualifier);
  return { fn, blocker: blockerOf(v) };
}

interface Resolution {
  fn: ResolvedFunction;
  v: VersionConfig;
  /** false while it may change on its own: an alias (its weights pick a version per call), a configuration
   *  or provisioned concurrency still settling on the clock */
  settled: boolean;
}

/**
 * Functions resolved while no Lambda record has been written since: a warm invoke read and parsed the
 * function's record from SQLite every time (a tenth of Cumulus's own CPU on the Invoke path). Resolved
 * functions are frozen: a cached one is shared.
 */
const resolutions = new RecordCache<Resolution>('lambda');

function resolveWithConfig(ctx: { store: Store; account: string; region: string }, nameOrArn: string, qualifier?: string): Resolution {
  const key = `${ctx.account}\n${ctx.region}\n${nameOrArn}\n${qualifier ?? ''}`;
  return resolutions.get(ctx.store, key, () => resolveFromRecords(ctx, nameOrArn, qualifier), (r) => r.settled);
}

function resolveFromRecords(ctx: { store: Store; account: string; region: string }, nameOrArn: string, qualifier?: string): Resolution {
  const c = withClock(ctx);
  const ref = parseFunctionName(c, nameOrArn, qualifier);
  const fn = findFunction(c, ref.name);
  if (!fn) throw functionNotFound(functionArn(c, ref.name, ref.qualifier));
  const q = ref.qualifier ?? '$LATEST';
  let version = q;
  let alias: string | undefined;
  if (q !== '$LATEST' && !isVersionNumber(q)) {
    const a = aliasRecord(c, fn.FunctionName, q);
    if (!a) throw functionNotFound(functionArn(c, fn.FunctionName, q));
    alias = q;
    version = pickVersion(a);
  }
  const v = configOf(c, fn, version);
  if (!v) throw functionNotFound(functionArn(c, fn.FunctionName, version));
  const provisioned = (alias && provisionedRecord(c, fn.FunctionName, alias)) || (version !== '$LATEST' ? provisionedRecord(c, fn.FunctionName, version) : undefined);
  return {
    fn: toResolved(c, v, fn.FunctionArn, alias, fn.ReservedConcurrentExecutions, provisioned && provisioned.Status === 'READY' ? provisioned.Allocated : undefined),
    v,
    settled: !alias && v.settlesAt === undefined && fn.latest.settlesAt === undefined && (!provisioned || provisioned.Status === 'READY'),
  };
}

function toResolved(c: Ctx, v: VersionConfig, arn: string, alias: string | undefined, reserved: number | undefined, provisioned: number | undefined): ResolvedFunction {
  return Object.freeze({
    account: c.account,
    region: c.region,
    FunctionName: v.FunctionName,
    FunctionArn: arn,
    Version: v.Version,
    Alias: alias,
    Runtime: v.Runtime,
    Handler: v.Handler,
    PackageType: v.PackageType,
    MemorySize: v.MemorySize,
    Timeout: v.Timeout,
    EphemeralStorage: v.EphemeralStorage,
    Environment: { ...(v.Environment ?? {}) },
    Role: v.Role,
    Architectures: [...v.Architectures],
    CodeSha256: v.CodeSha256,
    codeDir: codeDir(c.store, v.codeHex),
    layerDirs: v.Layers.map((l) => codeDir(c.store, l.codeHex)),
    ReservedConcurrentExecutions: reserved,
    ProvisionedConcurrentExecutions: provisioned,
    RevisionId: v.RevisionId,
    LoggingConfig: { LogGroup: v.LoggingConfig.LogGroup, LogFormat: v.LoggingConfig.LogFormat, ApplicationLogLevel: v.LoggingConfig.ApplicationLogLevel, SystemLogLevel: v.LoggingConfig.SystemLogLevel },
    TracingMode: v.TracingMode,
    DeadLetterTargetArn: v.DeadLetterTargetArn,
  });
}

/**
 * The error AWS gives for invoking a version that cannot run yet (Pending: just created; Failed/Inactive),
 * or undefined when it can be invoked. An update in progress does not block invokes (the previous
 * configuration keeps serving in AWS; here the new one serves at once).
 */
export function invokeBlocker(ctx: { store: Store; account: string; region: string }, fn: ResolvedFunction) {
  const c = withClock(ctx);
  const record = findFunction(c, fn.FunctionName);
  const v = record && configOf(c, record, fn.Version);
  if (!v) return functionNotFound(functionArn(c, fn.FunctionName, fn.Version === '$LATEST' ? undefined : fn.Version));
  return blockerOf(v);
}

function blockerOf(v: VersionConfig) {
  if (v.State !== 'Active') return conflict(`The operation cannot be performed at this time. The function is currently in the following state: ${v.State}`);
  return undefined;
}
