// GetAccountSettings (limits as AWS publishes them, usage measured) and function tags.
import type { LambdaOperations } from '../../generated/lambda.js';
import { mergeTags, removeTags } from '../../protocol/tags.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { LIMITS } from './code-package.js';
import { accountConcurrencyLimit, unreservedConcurrency } from './concurrency.js';
import { invalidParameter } from './errors.js';
import { getFunction, putFunction, type Ctx } from './functions.js';
import { TAG_RULES } from './functions-api.js';
import { parseFunctionName } from './names.js';
import { scopeOf, tables } from './store.js';

/** Tags belong to the function itself: a qualified ARN is refused. */
function taggedFunction(ctx: Ctx, resource: string) {
  const ref = parseFunctionName(ctx, resource);
  if (ref.qualifier !== undefined) throw invalidParameter(`Tags are not supported for resource ${resource}`);
  return getFunction(ctx, ref.name);
}

export const accountHandlers: Handlers<LambdaOperations> = {
  GetAccountSettings(ctx: RequestContext) {
    const t = tables(ctx.store);
    const scope = scopeOf(ctx);
    const functions = t.functions.list(scope);
    const codeSize =
      functions.reduce((n, f) => n + f.latest.CodeSize, 0) +
      t.versions.list(scope).reduce((n, v) => n + v.CodeSize, 0) +
      t.layerVersions.list(scope).reduce((n, l) => n + l.CodeSize, 0);
    return {
      AccountLimit: {
        TotalCodeSize: LIMITS.TotalCodeSize,
        CodeSizeUnzipped: LIMITS.CodeSizeUnzipped,
        CodeSizeZipped: LIMITS.CodeSizeZipped,
        ConcurrentExecutions: accountConcurrencyLimit(),
        UnreservedConcurrentExecutions: unreservedConcurrency(ctx),
      },
      AccountUsage: { TotalCodeSize: codeSize, FunctionCount: functions.length },
    };
  },

  TagResource(ctx: RequestContext, input) {
    const fn = taggedFunction(ctx, input.Resource);
    fn.Tags = mergeTags(fn.Tags, input.Tags, TAG_RULES);
    putFunction(ctx, fn);
    return undefined;
  },

  UntagResource(ctx: RequestContext, input) {
    const fn = taggedFunction(ctx, input.Resource);
    fn.Tags = removeTags(fn.Tags, input.TagKeys);
    putFunction(ctx, fn);
    return undefined;
  },

  ListTags(ctx: RequestContext, input) {
    return { Tags: { ...taggedFunction(ctx, input.Resource).Tags } };
  },
};
