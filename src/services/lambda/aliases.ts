// Aliases: a name for a version, optionally routing a share of invocations to one other version.
import { randomUUID } from 'node:crypto';
import type { AliasConfiguration, LambdaOperations } from '../../generated/lambda.js';
import { paginate } from '../../protocol/pagination.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { conflict, functionNotFound, invalidParameter, notFound, revisionMismatch } from './errors.js';
import { configOf, getFunction, type Ctx } from './functions.js';
import { functionArn, unqualifiedName } from './names.js';
import { deleteQualifierResources } from './qualifier-resources.js';
import { type AliasRecord, type FunctionRecord, type LambdaCtx, scopeOf, tables } from './store.js';

export function aliasRecord(ctx: LambdaCtx, name: string, alias: string): AliasRecord | undefined {
  return tables(ctx.store).aliases.get(scopeOf(ctx), `${name}:${alias}`);
}

function aliasNotFound(ctx: LambdaCtx, name: string, alias: string) {
  return notFound(`Cannot find alias arn: ${functionArn(ctx, name, alias)}`);
}

export function aliasView(ctx: LambdaCtx, a: AliasRecord): AliasConfiguration {
  return {
    AliasArn: functionArn(ctx, a.FunctionName, a.Name),
    Name: a.Name,
    FunctionVersion: a.FunctionVersion,
    Description: a.Description,
    RoutingConfig: a.AdditionalVersionWeights ? { AdditionalVersionWeights: { ...a.AdditionalVersionWeights } } : undefined,
    RevisionId: a.RevisionId,
  };
}

function checkVersion(ctx: Ctx, fn: FunctionRecord, version: string): void {
  if (!configOf(ctx, fn, version)) throw functionNotFound(functionArn(ctx, fn.FunctionName, version));
}

/** AWS routes between exactly two versions: the alias's own and one more. */
function checkRouting(ctx: Ctx, fn: FunctionRecord, primary: string, weights: Record<string, number> | undefined): Record<string, number> | undefined {
  if (!weights || Object.keys(weights).length === 0) return undefined;
  const entries = Object.entries(weights);
  if (entries.length > 1) throw invalidParameter('Number of items in AdditionalVersionWeights must be less than or equal to 1');
  if (primary === '$LATEST') throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
  const [version] = entries[0]!;
  if (version === primary) {
    throw invalidParameter(`Invalid function version ${version}. Function version ${version} is already included in routing configuration.`);
  }
  checkVersion(ctx, fn, version);
  return { ...weights };
}

export const aliasHandlers: Handlers<LambdaOperations> = {
  CreateAlias(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    if (aliasRecord(ctx, fn.FunctionName, input.Name)) throw conflict(`Alias already exists: ${functionArn(ctx, fn.FunctionName, input.Name)}`);
    checkVersion(ctx, fn, input.FunctionVersion);
    const a: AliasRecord = {
      FunctionName: fn.FunctionName,
      Name: input.Name,
      FunctionVersion: input.FunctionVersion,
      Description: input.Description ?? '',
      AdditionalVersionWeights: checkRouting(ctx, fn, input.FunctionVersion, input.RoutingConfig?.AdditionalVersionWeights),
      RevisionId: randomUUID(),
    };
    tables(ctx.store).aliases.put(scopeOf(ctx), `${fn.FunctionName}:${a.Name}`, a);
    return aliasView(ctx, a);
  },

  GetAlias(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    const a = aliasRecord(ctx, fn.FunctionName, input.Name);
    if (!a) throw aliasNotFound(ctx, fn.FunctionName, input.Name);
    return aliasView(ctx, a);
  },

  UpdateAlias(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    const a = aliasRecord(ctx, fn.FunctionName, input.Name);
    if (!a) throw aliasNotFound(ctx, fn.FunctionName, input.Name);
    if (input.RevisionId !== undefined && input.RevisionId !== a.RevisionId) throw revisionMismatch();
    if (input.FunctionVersion !== undefined) {
      checkVersion(ctx, fn, input.FunctionVersion);
      a.FunctionVersion = input.FunctionVersion;
    }
    if (input.Description !== undefined) a.Description = input.Description;
    const weights = input.RoutingConfig !== undefined ? input.RoutingConfig.AdditionalVersionWeights : a.AdditionalVersionWeights;
    a.AdditionalVersionWeights = checkRouting(ctx, fn, a.FunctionVersion, weights);
    a.RevisionId = randomUUID();
    tables(ctx.store).aliases.put(scopeOf(ctx), `${fn.FunctionName}:${a.Name}`, a);
    return aliasView(ctx, a);
  },

  DeleteAlias(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    if (tables(ctx.store).aliases.delete(scopeOf(ctx), `${fn.FunctionName}:${input.Name}`)) {
      deleteQualifierResources(ctx, fn.FunctionName, input.Name);
    }
    return undefined;
  },

  ListAliases(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    const list = tables(ctx.store)
      .aliases.list(scopeOf(ctx))
      .filter((a) => a.FunctionName === fn.FunctionName)
      .filter((a) => input.FunctionVersion === undefined || a.FunctionVersion === input.FunctionVersion || a.AdditionalVersionWeights?.[input.FunctionVersion] !== undefined)
      .sort((x, y) => x.Name.localeCompare(y.Name));
    const page = paginate(list, (a) => a.Name, { token: input.Marker, max: input.MaxItems, defaultMax: 50, invalidTokenCode: 'InvalidParameterValueException' });
    return { Aliases: page.items.map((a) => aliasView(ctx, a)), NextMarker: page.next };
  },
};
