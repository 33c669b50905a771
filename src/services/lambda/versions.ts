// Published versions: immutable snapshots of $LATEST's code and configuration, numbered 1, 2, … (numbers are
// never reused). Publishing an unchanged $LATEST returns the version already published for it, as AWS does.
import { randomUUID } from 'node:crypto';
import type { LambdaOperations } from '../../generated/lambda.js';
import { paginate } from '../../protocol/pagination.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { invalidParameter, revisionMismatch } from './errors.js';
import { assertUpdatable, configurationView, findVersion, fingerprint, getFunction, putFunction, versionsOf, type Ctx } from './functions.js';
import { lambdaTime, unqualifiedName, parseFunctionName } from './names.js';
import { type FunctionRecord, scopeOf, tables, type VersionConfig } from './store.js';

/** Publishes $LATEST (or returns the version already published for exactly this code and configuration). */
export function publishVersion(ctx: Ctx, fn: FunctionRecord, description: string | undefined, afterChange = false): VersionConfig {
  const print = fingerprint(fn.latest);
  if (!afterChange && fn.lastPublished?.fingerprint === print) {
    const existing = findVersion(ctx, fn.FunctionName, fn.lastPublished.Version);
    if (existing) return existing;
  }
  const version = String(fn.nextVersion);
  const v: VersionConfig = {
    ...structuredClone(fn.latest),
    Version: version,
    RevisionId: randomUUID(),
    LastModified: lambdaTime(ctx.clock.now()),
    Description: description ?? fn.latest.Description,
  };
  tables(ctx.store).versions.put(scopeOf(ctx), `${fn.FunctionName}:${version}`, v);
  fn.nextVersion += 1;
  fn.lastPublished = { Version: version, fingerprint: print };
  putFunction(ctx, fn);
  return v;
}

export const versionHandlers: Handlers<LambdaOperations> = {
  PublishVersion(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    if (input.RevisionId !== undefined && input.RevisionId !== fn.latest.RevisionId) throw revisionMismatch();
    assertUpdatable(ctx, fn);
    if (input.CodeSha256 !== undefined && input.CodeSha256 !== fn.latest.CodeSha256) {
      throw invalidParameter(
        `CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${fn.latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    return configurationView(ctx, publishVersion(ctx, fn, input.Description));
  },

  ListVersionsByFunction(ctx: RequestContext, input) {
    const ref = parseFunctionName(ctx, input.FunctionName);
    const fn = getFunction(ctx, ref.name);
    const items = [configurationView(ctx, fn.latest, { list: true, qualifiedLatest: true }), ...versionsOf(ctx, fn.FunctionName).map((v) => configurationView(ctx, v, { list: true }))];
    const page = paginate(items, (v) => v.Version!, { token: input.Marker, max: input.MaxItems, defaultMax: 50, invalidTokenCode: 'InvalidParameterValueException' });
    return { Versions: page.items, NextMarker: page.next };
  },
};
