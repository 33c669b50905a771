// Function-level settings beside the configuration: recursive loop detection and runtime management.
import type { LambdaOperations } from '../../generated/lambda.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { functionNotFound, invalidParameter } from './errors.js';
import { configOf, getFunction, putFunction } from './functions.js';
import { functionArn, parseFunctionName, unqualifiedName } from './names.js';

/** Runtime management applies to $LATEST or a published version (not to aliases). */
function versionTarget(ctx: RequestContext, functionName: string, qualifier: string | undefined) {
  const ref = parseFunctionName(ctx, functionName, qualifier);
  const fn = getFunction(ctx, ref.name);
  const version = ref.qualifier ?? '$LATEST';
  if (!configOf(ctx, fn, version)) throw functionNotFound(functionArn(ctx, fn.FunctionName, version));
  return { fn, version, arn: functionArn(ctx, fn.FunctionName, version) };
}

export const functionSettingsHandlers: Handlers<LambdaOperations> = {
  PutFunctionRecursionConfig(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    fn.RecursiveLoop = input.RecursiveLoop;
    putFunction(ctx, fn);
    return { RecursiveLoop: fn.RecursiveLoop };
  },

  GetFunctionRecursionConfig(ctx: RequestContext, input) {
    const fn = getFunction(ctx, unqualifiedName(ctx, input.FunctionName));
    return { RecursiveLoop: fn.RecursiveLoop ?? 'Terminate' };
  },

  PutRuntimeManagementConfig(ctx: RequestContext, input) {
    const { fn, version, arn } = versionTarget(ctx, input.FunctionName, input.Qualifier);
    if (input.UpdateRuntimeOn === 'Manual' && !input.RuntimeVersionArn) {
      throw invalidParameter('RuntimeVersionArn must be provided when UpdateRuntimeOn is Manual.');
    }
    if (input.UpdateRuntimeOn !== 'Manual' && input.RuntimeVersionArn) {
      throw invalidParameter('RuntimeVersionArn can only be provided when UpdateRuntimeOn is Manual.');
    }
    const setting = { UpdateRuntimeOn: input.UpdateRuntimeOn, RuntimeVersionArn: input.RuntimeVersionArn };
    fn.RuntimeManagement = { ...(fn.RuntimeManagement ?? {}), [version]: setting };
    putFunction(ctx, fn);
    return { ...setting, FunctionArn: arn };
  },

  GetRuntimeManagementConfig(ctx: RequestContext, input) {
    const { fn, version, arn } = versionTarget(ctx, input.FunctionName, input.Qualifier);
    const setting = fn.RuntimeManagement?.[version] ?? { UpdateRuntimeOn: 'Auto' as const };
    return { UpdateRuntimeOn: setting.UpdateRuntimeOn, RuntimeVersionArn: setting.RuntimeVersionArn, FunctionArn: arn };
  },
};
