// Concurrency: the account's limit, reserved concurrency per function (leaving at least 100 unreserved) and
// provisioned concurrency per version or alias (IN_PROGRESS, then READY once its time on the clock has come).
import type { LambdaOperations, ProvisionedConcurrencyConfigListItem } from '../../generated/lambda.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { aliasRecord } from './aliases.js';
import { conflict, functionNotFound, invalidParameter } from './errors.js';
import { findFunction, findVersion, getFunction, putFunction, type Ctx } from './functions.js';
import { functionArn, isVersionNumber, lambdaTime, parseFunctionName, unqualifiedName } from './names.js';
import { qualifierKey } from './qualifier-resources.js';
import { type LambdaCtx, type ProvisionedRecord, scopeOf, tables } from './store.js';

export const UNRESERVED_MINIMUM = 100;

/** The account's concurrency limit per region (CUMULUS_LAMBDA_CONCURRENCY_LIMIT, default 1000). */
export function accountConcurrencyLimit(): number {
  const n = Number(process.env.CUMULUS_LAMBDA_CONCURRENCY_LIMIT ?? 1000);
  return Number.isInteger(n) && n > 0 ? n : 1000;
}

function provisionDelayMs(): number {
  const s = Number(process.env.CUMULUS_LAMBDA_PROVISIONED_SECONDS ?? 1);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 1000;
}

export function reservedTotal(ctx: LambdaCtx, except?: string): number {
  return tables(ctx.store)
    .functions.list(scopeOf(ctx))
    .filter((f) => f.FunctionName !== except)
    .reduce((n, f) => n + (f.ReservedConcurrentExecutions ?? 0), 0);
}

export function unreservedConcurrency(ctx: LambdaCtx): number {
  return accountConcurrencyLimit() - reservedTotal(ctx);
}

export function reservedConcurrencyOf(ctx: LambdaCtx, functionName: string): number | undefined {
  return tables(ctx.store).functions.get(scopeOf(ctx), functionName)?.ReservedConcurrentExecutions;
}

/** A provisioned config, READY once its time has come. */
export function provisionedRecord(ctx: Ctx, name: string, qualifier: string): ProvisionedRecord | undefined {
  const t = tables(ctx.store);
  const key = qualifierKey(name, qualifier);
  const p = t.provisioned.get(scopeOf(ctx), key);
  if (p && p.Status === 'IN_PROGRESS' && p.readyAt !== undefined && p.readyAt <= ctx.clock.now()) {
    p.Status = 'READY';
    p.Allocated = p.Requested;
    delete p.readyAt;
    t.provisioned.put(scopeOf(ctx), key, p);
  }
  return p;
}

function provisionedView(p: ProvisionedRecord) {
  return {
    RequestedProvisionedConcurrentExecutions: p.Requested,
    AvailableProvisionedConcurrentExecutions: p.Allocated,
    AllocatedProvisionedConcurrentExecutions: p.Allocated,
    Status: p.Status,
    StatusReason: p.StatusReason,
    LastModified: p.LastModified,
  };
}

function provisionedNotFound(): AwsError {
  return new AwsError('ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function', {
    status: 404,
    fields: { Type: 'User' },
  });
}

/** Provisioned concurrency needs a published version or an alias (and the version or alias must exist). */
function provisionedTarget(ctx: Ctx, name: string, qualifier: string): { version: string } {
  if (qualifier === '$LATEST') throw invalidParameter('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
  if (isVersionNumber(qualifier)) {
    if (!findVersion(ctx, name, qualifier)) throw functionNotFound(functionArn(ctx, name, qualifier));
    return { version: qualifier };
  }
  const alias = aliasRecord(ctx, name, qualifier);
  if (!alias) throw functionNotFound(functionArn(ctx, name, qualifier));
  if (alias.FunctionVersion === '$LATEST') throw invalidParameter('Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
  return { version: alias.FunctionVersion };
}

export const concurrencyHandlers: Handlers<LambdaOperations> = {
  PutFunctionConcurrency(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    const n = input.ReservedConcurrentExecutions;
    if (accountConcurrencyLimit() - (reservedTotal(ctx, fn.FunctionName) + n) < UNRESERVED_MINIMUM) {
      throw invalidParameter(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${UNRESERVED_MINIMUM}].`,
      );
    }
    fn.ReservedConcurrentExecutions = n;
    putFunction(ctx, fn);
    return { ReservedConcurrentExecutions: n };
  },

  GetFunctionConcurrency(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    return fn.ReservedConcurrentExecutions !== undefined ? { ReservedConcurrentExecutions: fn.ReservedConcurrentExecutions } : {};
  },

  DeleteFunctionConcurrency(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    delete fn.ReservedConcurrentExecutions;
    putFunction(ctx, fn);
    return undefined;
  },

  PutProvisionedConcurrencyConfig(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    const { version } = provisionedTarget(ctx, fn.FunctionName, input.Qualifier);
    const t = tables(ctx.store);
    const scope = scopeOf(ctx);
    const others = t.provisioned.list(scope).filter((p) => p.FunctionName === fn.FunctionName && p.Qualifier !== input.Qualifier);
    // a version may be provisioned directly or through an alias, not both
    for (const p of others) {
      const pVersion = isVersionNumber(p.Qualifier) ? p.Qualifier : aliasRecord(ctx, fn.FunctionName, p.Qualifier)?.FunctionVersion;
      if (pVersion === version) {
        throw conflict(
          isVersionNumber(input.Qualifier)
            ? 'Version is pointed by a Provisioned Concurrency alias'
            : "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
        );
      }
    }
    const n = input.ProvisionedConcurrentExecutions;
    const fnTotal = n + others.reduce((s, p) => s + p.Requested, 0);
    if (fn.ReservedConcurrentExecutions !== undefined && fnTotal > fn.ReservedConcurrentExecutions) {
      throw invalidParameter(
        `Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function`,
      );
    }
    if (fn.ReservedConcurrentExecutions === undefined) {
      const unreserved = unreservedConcurrency(ctx);
      const provisionedElsewhere = t.provisioned
        .list(scope)
        .filter((p) => !(p.FunctionName === fn.FunctionName && p.Qualifier === input.Qualifier))
        .filter((p) => findFunction(ctx, p.FunctionName)?.ReservedConcurrentExecutions === undefined)
        .reduce((s, p) => s + p.Requested, 0);
      if (unreserved - provisionedElsewhere - n < UNRESERVED_MINIMUM) {
        throw invalidParameter(
          `Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [${unreserved - provisionedElsewhere}].`,
        );
      }
    }
    const now = ctx.clock.now();
    const p: ProvisionedRecord = {
      FunctionName: fn.FunctionName,
      Qualifier: input.Qualifier,
      Requested: n,
      Allocated: 0,
      Status: 'IN_PROGRESS',
      LastModified: lambdaTime(now),
      readyAt: now + provisionDelayMs(),
    };
    t.provisioned.put(scope, qualifierKey(fn.FunctionName, input.Qualifier), p);
    return provisionedView(p);
  },

  GetProvisionedConcurrencyConfig(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    provisionedTarget(ctx, fn.FunctionName, input.Qualifier);
    const p = provisionedRecord(ctx, fn.FunctionName, input.Qualifier);
    if (!p) throw provisionedNotFound();
    return provisionedView(p);
  },

  DeleteProvisionedConcurrencyConfig(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    provisionedTarget(ctx, fn.FunctionName, input.Qualifier);
    if (!tables(ctx.store).provisioned.delete(scopeOf(ctx), qualifierKey(fn.FunctionName, input.Qualifier))) throw provisionedNotFound();
    return undefined;
  },

  ListProvisionedConcurrencyConfigs(ctx: RequestContext, input) {
    const ref = parseFunctionName(ctx, input.FunctionName);
    const fn = getFunction(ctx, ref.name);
    const items: ProvisionedConcurrencyConfigListItem[] = tables(ctx.store)
      .provisioned.list(scopeOf(ctx))
      .filter((p) => p.FunctionName === fn.FunctionName)
      .map((p) => ({ FunctionArn: functionArn(ctx, fn.FunctionName, p.Qualifier), ...provisionedView(provisionedRecord(ctx, p.FunctionName, p.Qualifier)!) }));
    const page = paginate(items, (p) => p.FunctionArn!, { token: input.Marker, max: input.MaxItems, defaultMax: 50, invalidTokenCode: 'InvalidParameterValueException' });
    return { ProvisionedConcurrencyConfigs: page.items, NextMarker: page.next };
  },
};
