// CreateFunction, GetFunction(Configuration), ListFunctions, DeleteFunction, UpdateFunctionCode and
// UpdateFunctionConfiguration.
import { randomUUID } from 'node:crypto';
import type { FunctionConfiguration, LambdaOperations } from '../../generated/lambda.js';
import { paginate } from '../../protocol/pagination.js';
import { mergeTags } from '../../protocol/tags.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { codeLocation } from './code-download.js';
import { packageFromInput, scheduleGarbageCollection } from './code-package.js';
import { conflict, functionNotFound, invalidParameter, revisionMismatch, validation } from './errors.js';
import {
  assertUpdatable, beginUpdate, configOf, configurationView, createDelayMs, findFunction, getFunction, putFunction, versionsOf, type Ctx,
} from './functions.js';
import { functionArn, isVersionNumber, lambdaTime, parseFunctionName, unqualifiedName } from './names.js';
import { applySettings, checkTotalSize } from './settings.js';
import { type FunctionRecord, scopeOf, tables, type VersionConfig } from './store.js';
import { publishVersion } from './versions.js';
import { aliasRecord } from './aliases.js';
import { deleteQualifierResources } from './qualifier-resources.js';

export const TAG_RULES = { code: 'InvalidParameterValueException', max: 50 };

/** The version a qualifier designates ($LATEST, a number, or an alias's primary version). */
export function versionFor(ctx: Ctx, fn: FunctionRecord, qualifier: string | undefined): { config: VersionConfig; alias?: string } {
  const q = qualifier ?? '$LATEST';
  if (q === '$LATEST' || isVersionNumber(q)) {
    const config = configOf(ctx, fn, q);
    if (!config) throw functionNotFound(functionArn(ctx, fn.FunctionName, q));
    return { config };
  }
  const alias = aliasRecord(ctx, fn.FunctionName, q);
  if (!alias) throw functionNotFound(functionArn(ctx, fn.FunctionName, q));
  const config = configOf(ctx, fn, alias.FunctionVersion);
  if (!config) throw functionNotFound(functionArn(ctx, fn.FunctionName, alias.FunctionVersion));
  return { config, alias: q };
}

function viewFor(ctx: Ctx, config: VersionConfig, qualifier: string | undefined, alias?: string): FunctionConfiguration {
  const view = configurationView(ctx, config, { qualifiedLatest: qualifier === '$LATEST' });
  if (alias) view.FunctionArn = functionArn(ctx, config.FunctionName, alias);
  return view;
}

export const functionHandlers: Handlers<LambdaOperations> = {
  CreateFunction(ctx: RequestContext, input) {
    const name = unqualifiedName(ctx, input.FunctionName);
    // the model's 140 characters are for ARNs; a name itself is at most 64
    if (name.length > 64) throw validation(name, 'functionName', 'Member must have length less than or equal to 64');
    const t = tables(ctx.store);
    if (t.functions.has(scopeOf(ctx), name)) throw conflict(`Function already exist: ${name}`);
    const packageType = input.PackageType ?? 'Zip';
    const tags = input.Tags ? mergeTags({}, input.Tags, TAG_RULES) : {};
    const now = ctx.clock.now();
    // settings are checked before the code is unpacked, so a bad role or runtime costs no disk
    const v: VersionConfig = {
      FunctionName: name,
      Version: '$LATEST',
      Role: input.Role,
      Description: '',
      Timeout: 3,
      MemorySize: 128,
      LastModified: lambdaTime(now),
      CodeSize: 0,
      CodeSha256: '',
      codeHex: '',
      UnzippedSize: 0,
      TracingMode: 'PassThrough',
      RevisionId: randomUUID(),
      Layers: [],
      State: 'Pending',
      StateReason: 'The function is being created.',
      StateReasonCode: 'Creating',
      PackageType: packageType,
      Architectures: input.Architectures ?? ['x86_64'],
      EphemeralStorage: 512,
      LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${name}` },
      settlesAt: now + createDelayMs(),
    };
    applySettings(ctx, v, input);
    const pkg = packageFromInput(ctx.store, input.Code ?? {}, 'CreateFunction');
    Object.assign(v, { CodeSize: pkg.CodeSize, CodeSha256: pkg.CodeSha256, codeHex: pkg.hex, UnzippedSize: pkg.UnzippedSize });
    checkTotalSize(v);
    const fn: FunctionRecord = { FunctionName: name, FunctionArn: functionArn(ctx, name), latest: v, Tags: tags, nextVersion: 1 };
    putFunction(ctx, fn);
    if (input.Publish) return configurationView(ctx, publishVersion(ctx, fn, undefined, true));
    return configurationView(ctx, v);
  },

  GetFunction(ctx: RequestContext, input) {
    const ref = parseFunctionName(ctx, input.FunctionName, input.Qualifier);
    const fn = getFunction(ctx, ref.name);
    const { config, alias } = versionFor(ctx, fn, ref.qualifier);
    return {
      Configuration: viewFor(ctx, config, ref.qualifier, alias),
      Code: { RepositoryType: 'S3', Location: codeLocation(ctx, ctx.baseUrl, config.codeHex) },
      Tags: Object.keys(fn.Tags).length ? { ...fn.Tags } : undefined,
      Concurrency: fn.ReservedConcurrentExecutions !== undefined ? { ReservedConcurrentExecutions: fn.ReservedConcurrentExecutions } : undefined,
    };
  },

  GetFunctionConfiguration(ctx: RequestContext, input) {
    const ref = parseFunctionName(ctx, input.FunctionName, input.Qualifier);
    const fn = getFunction(ctx, ref.name);
    const { config, alias } = versionFor(ctx, fn, ref.qualifier);
    return viewFor(ctx, config, ref.qualifier, alias);
  },

  ListFunctions(ctx: RequestContext, input) {
    const all = input.FunctionVersion === 'ALL';
    const items: FunctionConfiguration[] = [];
    for (const record of tables(ctx.store).functions.list(scopeOf(ctx))) {
      const fn = findFunction(ctx, record.FunctionName)!;
      items.push(configurationView(ctx, fn.latest, { list: true, qualifiedLatest: all }));
      if (all) for (const v of versionsOf(ctx, fn.FunctionName)) items.push(configurationView(ctx, v, { list: true }));
    }
    const page = paginate(items, (f) => f.FunctionArn!, { token: input.Marker, max: input.MaxItems, defaultMax: 50, invalidTokenCode: 'InvalidParameterValueException' });
    return { Functions: page.items, NextMarker: page.next };
  },

  DeleteFunction(ctx: RequestContext, input) {
    const ref = parseFunctionName(ctx, input.FunctionName, input.Qualifier);
    const fn = getFunction(ctx, ref.name);
    const t = tables(ctx.store);
    const scope = scopeOf(ctx);
    if (ref.qualifier !== undefined) {
      if (ref.qualifier === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
      if (!isVersionNumber(ref.qualifier)) throw invalidParameter('Deletion of aliases is not supported.');
      if (!configOf(ctx, fn, ref.qualifier)) throw functionNotFound(functionArn(ctx, fn.FunctionName, ref.qualifier));
      const using = t.aliases
        .list(scope)
        .filter((a) => a.FunctionName === fn.FunctionName && (a.FunctionVersion === ref.qualifier || a.AdditionalVersionWeights?.[ref.qualifier!] !== undefined))
        .map((a) => a.Name);
      if (using.length) throw conflict(`Unable to delete version because the following aliases reference it: [${using.join(', ')}]`);
      t.versions.delete(scope, `${fn.FunctionName}:${ref.qualifier}`);
      deleteQualifierResources(ctx, fn.FunctionName, ref.qualifier);
      if (fn.lastPublished?.Version === ref.qualifier) {
        delete fn.lastPublished;
        putFunction(ctx, fn);
      }
    } else {
      for (const v of versionsOf(ctx, fn.FunctionName)) {
        t.versions.delete(scope, `${fn.FunctionName}:${v.Version}`);
        deleteQualifierResources(ctx, fn.FunctionName, v.Version);
      }
      for (const a of t.aliases.list(scope).filter((a) => a.FunctionName === fn.FunctionName)) {
        t.aliases.delete(scope, `${fn.FunctionName}:${a.Name}`);
        deleteQualifierResources(ctx, fn.FunctionName, a.Name);
      }
      deleteQualifierResources(ctx, fn.FunctionName, undefined);
      deleteQualifierResources(ctx, fn.FunctionName, '$LATEST');
      t.functions.delete(scope, fn.FunctionName);
    }
    scheduleGarbageCollection(ctx.store, ctx.clock);
    return {};
  },

  UpdateFunctionCode(ctx: RequestContext, input) {
    const name = unqualifiedName(ctx, input.FunctionName);
    const fn = getFunction(ctx, name);
    if (input.RevisionId !== undefined && input.RevisionId !== fn.latest.RevisionId) throw revisionMismatch();
    assertUpdatable(ctx, fn);
    const pkg = packageFromInput(ctx.store, input, 'UpdateFunctionCode');
    const v = fn.latest;
    if (input.Architectures !== undefined) v.Architectures = input.Architectures;
    const next = { ...v, CodeSize: pkg.CodeSize, CodeSha256: pkg.CodeSha256, codeHex: pkg.hex, UnzippedSize: pkg.UnzippedSize };
    checkTotalSize(next);
    if (input.DryRun) return configurationView(ctx, next);
    Object.assign(v, next);
    beginUpdate(ctx, v);
    putFunction(ctx, fn);
    scheduleGarbageCollection(ctx.store, ctx.clock);
    if (input.Publish) return configurationView(ctx, publishVersion(ctx, fn, undefined, true));
    return configurationView(ctx, v);
  },

  UpdateFunctionConfiguration(ctx: RequestContext, input) {
    const name = unqualifiedName(ctx, input.FunctionName);
    const fn = getFunction(ctx, name);
    if (input.RevisionId !== undefined && input.RevisionId !== fn.latest.RevisionId) throw revisionMismatch();
    assertUpdatable(ctx, fn);
    const v: VersionConfig = structuredClone(fn.latest);
    applySettings(ctx, v, input);
    beginUpdate(ctx, v);
    fn.latest = v;
    putFunction(ctx, fn);
    return configurationView(ctx, v);
  },
};
