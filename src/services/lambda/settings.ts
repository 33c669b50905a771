// The checks CreateFunction and UpdateFunctionConfiguration share, for what the model cannot express:
// the runtime, the execution role, memory/timeout limits, environment size and reserved keys, layers.
import type { CreateFunctionRequest, UpdateFunctionConfigurationRequest } from '../../generated/lambda.js';
import { roleByArn, trustPolicyAllows, trustPolicyOf } from '../iam/index.js';
import { invalidParameter, validation } from './errors.js';
import { LIMITS } from './code-package.js';
import { findLayerVersionByArn } from './layer-store.js';
import { DEPRECATED_RUNTIMES, deprecatedRuntimeMessage, SUPPORTED_RUNTIMES } from './runtimes.js';
import type { LambdaCtx, LayerRef, VersionConfig } from './store.js';

const supported = () => new Set<string>(SUPPORTED_RUNTIMES as unknown as Iterable<string>);
const deprecated = () => new Set<string>(DEPRECATED_RUNTIMES as unknown as Iterable<string>);

export function checkRuntime(runtime: string): void {
  if (supported().has(runtime)) return;
  if (deprecated().has(runtime)) {
    throw invalidParameter(deprecatedRuntimeMessage(runtime));
  }
  throw invalidParameter(
    `The runtime parameter of ${runtime} is not supported by Cumulus. Supported runtimes: ${[...supported()].join(', ')}.`,
  );
}

/** The role must exist and trust lambda.amazonaws.com with sts:AssumeRole. */
export function checkRole(ctx: LambdaCtx, roleArn: string): void {
  const role = roleByArn(ctx, roleArn);
  const ok = role !== undefined && trustPolicyAllows(trustPolicyOf(role), { arn: '', account: ctx.account, service: 'lambda.amazonaws.com' }, 'sts:AssumeRole');
  if (!ok) throw invalidParameter('The role defined for the function cannot be assumed by Lambda.');
}

export function checkLimits(input: { MemorySize?: number; Timeout?: number }): void {
  if (input.MemorySize !== undefined && input.MemorySize > 10240) {
    throw validation(input.MemorySize, 'memorySize', 'Member must have value less than or equal to 10240');
  }
  if (input.Timeout !== undefined && input.Timeout > 900) {
    throw validation(input.Timeout, 'timeout', 'Member must have value less than or equal to 900');
  }
}

/** Keys Lambda sets itself in every execution environment. */
const RESERVED_KEYS = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

export function checkEnvironment(vars: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!vars) return undefined;
  const reserved = Object.keys(vars).filter((k) => RESERVED_KEYS.has(k));
  if (reserved.length) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(vars);
  if (Buffer.byteLength(measured) > 4096) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
  return { ...vars };
}

/** Layer version ARNs → the layers' records, in order (at most 5, one version per layer). */
export function resolveLayers(ctx: LambdaCtx, arns: string[]): LayerRef[] {
  if (arns.length > 5) throw invalidParameter('Cannot reference more than 5 layers.');
  const seen = new Map<string, string>();
  const out: LayerRef[] = [];
  for (const arn of arns) {
    const unversioned = arn.replace(/:\d+$/, '');
    const other = seen.get(unversioned);
    if (other !== undefined) {
      throw invalidParameter(`Two different versions of the same layer are not allowed to be referenced in the same function. ${other} and ${arn} are versions of the same layer.`);
    }
    seen.set(unversioned, arn);
    const layer = findLayerVersionByArn(ctx, arn);
    if (!layer) throw invalidParameter(`Layer version ${arn} does not exist.`);
    out.push({ Arn: arn, CodeSize: layer.CodeSize, codeHex: layer.codeHex, UnzippedSize: layer.UnzippedSize });
  }
  return out;
}

/** Function code plus its layers must fit the unzipped limit. */
export function checkTotalSize(v: Pick<VersionConfig, 'UnzippedSize' | 'Layers'>): void {
  const total = v.UnzippedSize + v.Layers.reduce((n, l) => n + l.UnzippedSize, 0);
  if (total > LIMITS.CodeSizeUnzipped) {
    throw invalidParameter(`Function code combined with layers exceeds the maximum allowed size of ${LIMITS.CodeSizeUnzipped} bytes. The actual size is ${total} bytes.`);
  }
}

type Settings = Partial<CreateFunctionRequest> & Partial<UpdateFunctionConfigurationRequest>;

/** Applies the configuration fields of a create or an update onto `v` (checking each one given). */
export function applySettings(ctx: LambdaCtx, v: VersionConfig, input: Settings): void {
  checkLimits(input);
  if (input.Runtime !== undefined) {
    checkRuntime(input.Runtime);
    v.Runtime = input.Runtime;
  }
  if (input.Role !== undefined) {
    checkRole(ctx, input.Role);
    v.Role = input.Role;
  }
  if (input.Handler !== undefined) v.Handler = input.Handler;
  if (input.Description !== undefined) v.Description = input.Description;
  if (input.Timeout !== undefined) v.Timeout = input.Timeout;
  if (input.MemorySize !== undefined) v.MemorySize = input.MemorySize;
  if (input.EphemeralStorage !== undefined) v.EphemeralStorage = input.EphemeralStorage.Size;
  if (input.Environment !== undefined) {
    const vars = checkEnvironment(input.Environment.Variables ?? {});
    v.Environment = vars && Object.keys(vars).length ? vars : undefined;
  }
  if (input.TracingConfig?.Mode !== undefined) v.TracingMode = input.TracingConfig.Mode;
  if (input.DeadLetterConfig !== undefined) {
    const target = input.DeadLetterConfig.TargetArn;
    if (target && !/^arn:[^:]+:(sqs|sns):/.test(target)) {
      throw invalidParameter(`The provided target ARN ${target} is not a valid SQS queue or SNS topic ARN.`);
    }
    v.DeadLetterTargetArn = target || undefined;
  }
  if (input.KMSKeyArn !== undefined) v.KMSKeyArn = input.KMSKeyArn || undefined;
  if (input.VpcConfig !== undefined) {
    const { SubnetIds = [], SecurityGroupIds = [], Ipv6AllowedForDualStack } = input.VpcConfig;
    v.VpcConfig = SubnetIds.length || SecurityGroupIds.length ? { SubnetIds, SecurityGroupIds, Ipv6AllowedForDualStack } : undefined;
  }
  if (input.Layers !== undefined) v.Layers = resolveLayers(ctx, input.Layers);
  if (input.LoggingConfig !== undefined) {
    const lc = input.LoggingConfig;
    const format = lc.LogFormat ?? v.LoggingConfig.LogFormat;
    if (format === 'Text' && (lc.ApplicationLogLevel || lc.SystemLogLevel)) {
      throw invalidParameter('ApplicationLogLevel and SystemLogLevel can only be set when LogFormat is JSON.');
    }
    v.LoggingConfig = {
      LogFormat: format,
      LogGroup: lc.LogGroup ?? v.LoggingConfig.LogGroup,
      ...(format === 'JSON'
        ? { ApplicationLogLevel: lc.ApplicationLogLevel ?? v.LoggingConfig.ApplicationLogLevel ?? 'INFO', SystemLogLevel: lc.SystemLogLevel ?? v.LoggingConfig.SystemLogLevel ?? 'INFO' }
        : {}),
    };
  }
  if (v.PackageType === 'Zip' && (!v.Runtime || !v.Handler)) {
    throw invalidParameter('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  checkTotalSize(v);
}
