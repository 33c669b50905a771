// Functions and their versions in the store: loading (pending creates and in-progress updates settle when
// their time on the clock has come), the FunctionConfiguration view, and the state rules for changes.
import { randomUUID } from 'node:crypto';
import type { FunctionConfiguration } from '../../generated/lambda.js';
import type { Clock } from '../../clock/clock.js';
import { conflict, functionNotFound } from './errors.js';
import { functionArn, lambdaTime } from './names.js';
import { type FunctionRecord, type LambdaCtx, scopeOf, tables, type VersionConfig } from './store.js';

export type Ctx = LambdaCtx & { clock: Clock };

function seconds(env: string | undefined, fallback: number): number {
  const s = Number(env ?? fallback);
  return Number.isFinite(s) && s >= 0 ? s : fallback;
}

/** Virtual seconds a new function stays Pending (CUMULUS_LAMBDA_CREATE_SECONDS, default 1). */
export function createDelayMs(): number {
  return seconds(process.env.CUMULUS_LAMBDA_CREATE_SECONDS, 1) * 1000;
}

/** Virtual seconds an update stays InProgress (CUMULUS_LAMBDA_UPDATE_SECONDS, default 1). */
export function updateDelayMs(): number {
  return seconds(process.env.CUMULUS_LAMBDA_UPDATE_SECONDS, 1) * 1000;
}

/** Completes a create or update whose time has come; returns whether the config changed. */
export function settle(v: VersionConfig, now: number): boolean {
  if (v.settlesAt === undefined || v.settlesAt > now) return false;
  delete v.settlesAt;
  if (v.State === 'Pending') {
    v.State = 'Active';
    delete v.StateReason;
    delete v.StateReasonCode;
  }
  if (v.LastUpdateStatus === 'InProgress' || v.LastUpdateStatus === undefined) {
    v.LastUpdateStatus = 'Successful';
    delete v.LastUpdateStatusReason;
    delete v.LastUpdateStatusReasonCode;
  }
  return true;
}

export function findFunction(ctx: Ctx, name: string): FunctionRecord | undefined {
  const t = tables(ctx.store);
  const fn = t.functions.get(scopeOf(ctx), name);
  if (fn && settle(fn.latest, ctx.clock.now())) t.functions.put(scopeOf(ctx), name, fn);
  return fn;
}

export function getFunction(ctx: Ctx, name: string): FunctionRecord {
  const fn = findFunction(ctx, name);
  if (!fn) throw functionNotFound(functionArn(ctx, name));
  return fn;
}

export function putFunction(ctx: Ctx, fn: FunctionRecord): void {
  tables(ctx.store).functions.put(scopeOf(ctx), fn.FunctionName, fn);
}

export function findVersion(ctx: Ctx, name: string, version: string): VersionConfig | undefined {
  const t = tables(ctx.store);
  const v = t.versions.get(scopeOf(ctx), `${name}:${version}`);
  if (v && settle(v, ctx.clock.now())) t.versions.put(scopeOf(ctx), `${name}:${version}`, v);
  return v;
}

/** Published versions of a function, oldest first. */
export function versionsOf(ctx: Ctx, name: string): VersionConfig[] {
  const now = ctx.clock.now();
  return tables(ctx.store)
    .versions.list(scopeOf(ctx))
    .filter((v) => v.FunctionName === name)
    .map((v) => (settle(v, now), v))
    .sort((a, b) => Number(a.Version) - Number(b.Version));
}

/** The configuration of `qualifier` ($LATEST, a version number); undefined when there is none. */
export function configOf(ctx: Ctx, fn: FunctionRecord, version: string): VersionConfig | undefined {
  return version === '$LATEST' ? fn.latest : findVersion(ctx, fn.FunctionName, version);
}

/** Changes to $LATEST need it Active and not already being updated, as in AWS. */
export function assertUpdatable(ctx: Ctx, fn: FunctionRecord): void {
  const v = fn.latest;
  if (v.State === 'Pending' || v.State === 'Failed' || v.State === 'Inactive') {
    throw conflict(`The operation cannot be performed at this time. The function is currently in the following state: ${v.State}`);
  }
  if (v.LastUpdateStatus === 'InProgress') {
    throw conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${functionArn(ctx, fn.FunctionName)}`);
  }
}

/** Marks $LATEST as being updated (InProgress until the update delay has passed on the clock). */
export function beginUpdate(ctx: Ctx, v: VersionConfig): void {
  const now = ctx.clock.now();
  v.LastModified = lambdaTime(now);
  v.RevisionId = randomUUID();
  v.LastUpdateStatus = 'InProgress';
  v.LastUpdateStatusReason = 'The function is being created.';
  v.LastUpdateStatusReasonCode = 'Creating';
  v.settlesAt = now + updateDelayMs();
}

/** The part of a configuration a published version is compared on (unchanged → no new version). */
export function fingerprint(v: VersionConfig): string {
  const { CodeSha256, Runtime, Role, Handler, Description, Timeout, MemorySize, Environment, TracingMode, Layers, Architectures, EphemeralStorage } = v;
  const { DeadLetterTargetArn, KMSKeyArn, LoggingConfig, VpcConfig, PackageType } = v;
  return JSON.stringify({
    CodeSha256, Runtime, Role, Handler, Description, Timeout, MemorySize, Environment, TracingMode,
    Layers: Layers.map((l) => l.Arn), Architectures, EphemeralStorage, DeadLetterTargetArn, KMSKeyArn, LoggingConfig, VpcConfig, PackageType,
  });
}

export interface ViewOptions {
  /** ListFunctions leaves the state fields out, as AWS does */
  list?: boolean;
  /** $LATEST shown with its qualifier in the ARN (ListVersionsByFunction, FunctionVersion=ALL, Qualifier=$LATEST) */
  qualifiedLatest?: boolean;
}

/** The FunctionConfiguration AWS returns for one version. */
export function configurationView(ctx: { account: string; region: string }, v: VersionConfig, opts: ViewOptions = {}): FunctionConfiguration {
  const qualified = v.Version !== '$LATEST' || opts.qualifiedLatest;
  const out: FunctionConfiguration = {
    FunctionName: v.FunctionName,
    FunctionArn: functionArn(ctx, v.FunctionName, qualified ? v.Version : undefined),
    Runtime: v.Runtime as FunctionConfiguration['Runtime'],
    Role: v.Role,
    Handler: v.Handler,
    CodeSize: v.CodeSize,
    Description: v.Description,
    Timeout: v.Timeout,
    MemorySize: v.MemorySize,
    LastModified: v.LastModified,
    CodeSha256: v.CodeSha256,
    Version: v.Version,
    Environment: v.Environment ? { Variables: { ...v.Environment } } : undefined,
    KMSKeyArn: v.KMSKeyArn,
    TracingConfig: { Mode: v.TracingMode },
    DeadLetterConfig: v.DeadLetterTargetArn ? { TargetArn: v.DeadLetterTargetArn } : undefined,
    VpcConfig: v.VpcConfig ? { ...v.VpcConfig, VpcId: '' } : undefined,
    RevisionId: v.RevisionId,
    Layers: v.Layers.length ? v.Layers.map((l) => ({ Arn: l.Arn, CodeSize: l.CodeSize })) : undefined,
    PackageType: v.PackageType,
    Architectures: v.Architectures as FunctionConfiguration['Architectures'],
    EphemeralStorage: { Size: v.EphemeralStorage },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { ...v.LoggingConfig } as FunctionConfiguration['LoggingConfig'],
  };
  if (!opts.list) {
    out.State = v.State;
    out.StateReason = v.StateReason;
    out.StateReasonCode = v.StateReasonCode as FunctionConfiguration['StateReasonCode'];
    out.LastUpdateStatus = v.LastUpdateStatus;
    out.LastUpdateStatusReason = v.LastUpdateStatusReason;
    out.LastUpdateStatusReasonCode = v.LastUpdateStatusReasonCode as FunctionConfiguration['LastUpdateStatusReasonCode'];
  }
  return out;
}
