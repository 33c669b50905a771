// Event invoke configs: retries, maximum event age and destinations of asynchronous invocations, per
// function version or alias ($LATEST when no qualifier is given).
import type { DestinationConfig, FunctionEventInvokeConfig, LambdaOperations } from '../../generated/lambda.js';
import { paginate } from '../../protocol/pagination.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { aliasRecord } from './aliases.js';
import { functionNotFound, invalidParameter, notFound } from './errors.js';
import { findVersion, getFunction, type Ctx } from './functions.js';
import { functionArn, isVersionNumber, parseFunctionName } from './names.js';
import { qualifierKey } from './qualifier-resources.js';
import { type EventInvokeConfigRecord, type LambdaCtx, scopeOf, tables } from './store.js';

const DESTINATION = /^arn:[^:]+:(sqs|sns|lambda|events|s3):/;

function checkDestination(arn: string | undefined): void {
  if (arn !== undefined && !DESTINATION.test(arn)) {
    throw invalidParameter(`The destination ARN ${arn} is invalid. Destinations can be SQS queues, SNS topics, Lambda functions, EventBridge event buses and S3 buckets.`);
  }
}

function target(ctx: Ctx, functionName: string, qualifierIn: string | undefined): { name: string; qualifier: string } {
  const ref = parseFunctionName(ctx, functionName, qualifierIn);
  const fn = getFunction(ctx, ref.name);
  const qualifier = ref.qualifier ?? '$LATEST';
  if (qualifier !== '$LATEST') {
    const exists = isVersionNumber(qualifier) ? findVersion(ctx, fn.FunctionName, qualifier) : aliasRecord(ctx, fn.FunctionName, qualifier);
    if (!exists) throw functionNotFound(functionArn(ctx, fn.FunctionName, qualifier));
  }
  return { name: fn.FunctionName, qualifier };
}

function view(ctx: LambdaCtx, r: EventInvokeConfigRecord): FunctionEventInvokeConfig {
  const destination: DestinationConfig = {
    OnSuccess: r.OnSuccess ? { Destination: r.OnSuccess } : {},
    OnFailure: r.OnFailure ? { Destination: r.OnFailure } : {},
  };
  return {
    LastModified: new Date(r.LastModified),
    FunctionArn: functionArn(ctx, r.FunctionName, r.Qualifier),
    MaximumRetryAttempts: r.MaximumRetryAttempts,
    MaximumEventAgeInSeconds: r.MaximumEventAgeInSeconds,
    DestinationConfig: destination,
  };
}

function missing(ctx: LambdaCtx, name: string, qualifier: string) {
  return notFound(`The function ${functionArn(ctx, name, qualifier)} doesn't have an EventInvokeConfig`);
}

type ConfigInput = { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number; DestinationConfig?: DestinationConfig };

function apply(r: EventInvokeConfigRecord, input: ConfigInput): void {
  if (input.MaximumRetryAttempts !== undefined) r.MaximumRetryAttempts = input.MaximumRetryAttempts;
  if (input.MaximumEventAgeInSeconds !== undefined) r.MaximumEventAgeInSeconds = input.MaximumEventAgeInSeconds;
  if (input.DestinationConfig !== undefined) {
    const { OnSuccess, OnFailure } = input.DestinationConfig;
    checkDestination(OnSuccess?.Destination);
    checkDestination(OnFailure?.Destination);
    if (OnSuccess !== undefined) r.OnSuccess = OnSuccess.Destination || undefined;
    if (OnFailure !== undefined) r.OnFailure = OnFailure.Destination || undefined;
  }
}

export const eventInvokeConfigHandlers: Handlers<LambdaOperations> = {
  PutFunctionEventInvokeConfig(ctx: RequestContext, input) {
    const { name, qualifier } = target(ctx, input.FunctionName, input.Qualifier);
    // Put replaces the whole configuration
    const r: EventInvokeConfigRecord = { FunctionName: name, Qualifier: qualifier, LastModified: ctx.clock.now() };
    apply(r, input);
    tables(ctx.store).eventConfigs.put(scopeOf(ctx), qualifierKey(name, qualifier), r);
    return view(ctx, r);
  },

  UpdateFunctionEventInvokeConfig(ctx: RequestContext, input) {
    const { name, qualifier } = target(ctx, input.FunctionName, input.Qualifier);
    const t = tables(ctx.store);
    const r = t.eventConfigs.get(scopeOf(ctx), qualifierKey(name, qualifier));
    if (!r) throw missing(ctx, name, qualifier);
    apply(r, input);
    r.LastModified = ctx.clock.now();
    t.eventConfigs.put(scopeOf(ctx), qualifierKey(name, qualifier), r);
    return view(ctx, r);
  },

  GetFunctionEventInvokeConfig(ctx: RequestContext, input) {
    const { name, qualifier } = target(ctx, input.FunctionName, input.Qualifier);
    const r = tables(ctx.store).eventConfigs.get(scopeOf(ctx), qualifierKey(name, qualifier));
    if (!r) throw missing(ctx, name, qualifier);
    return view(ctx, r);
  },

  DeleteFunctionEventInvokeConfig(ctx: RequestContext, input) {
    const { name, qualifier } = target(ctx, input.FunctionName, input.Qualifier);
    if (!tables(ctx.store).eventConfigs.delete(scopeOf(ctx), qualifierKey(name, qualifier))) throw missing(ctx, name, qualifier);
    return undefined;
  },

  ListFunctionEventInvokeConfigs(ctx: RequestContext, input) {
    const { name } = target(ctx, input.FunctionName, undefined);
    const items = tables(ctx.store)
      .eventConfigs.list(scopeOf(ctx))
      .filter((r) => r.FunctionName === name)
      .map((r) => view(ctx, r));
    const page = paginate(items, (r) => r.FunctionArn!, { token: input.Marker, max: input.MaxItems, defaultMax: 50, invalidTokenCode: 'InvalidParameterValueException' });
    return { FunctionEventInvokeConfigs: page.items, NextMarker: page.next };
  },
};

/** What asynchronous invocation of a version or alias uses: its config, with AWS's defaults (2 retries, 6 hours). */
export function eventInvokeConfigFor(
  ctx: LambdaCtx,
  functionArnValue: string,
  qualifier: string,
): { MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number; OnSuccess?: string; OnFailure?: string } {
  let name: string;
  try {
    name = parseFunctionName(ctx, functionArnValue).name;
  } catch {
    name = functionArnValue;
  }
  const r = tables(ctx.store).eventConfigs.get(scopeOf(ctx), qualifierKey(name, qualifier || '$LATEST'));
  return {
    MaximumRetryAttempts: r?.MaximumRetryAttempts ?? 2,
    MaximumEventAgeInSeconds: r?.MaximumEventAgeInSeconds ?? 21600,
    OnSuccess: r?.OnSuccess,
    OnFailure: r?.OnFailure,
  };
}
