// User pool Lambda triggers: the pool's LambdaConfig names functions that Cognito invokes synchronously, as the
// service principal cognito-idp.amazonaws.com with the pool's ARN as source, with AWS's event shape (version,
// triggerSource, region, userPoolId, userName, callerContext, request, response). What AWS answers:
//  - the function failed (threw) → UserLambdaValidationException "<Trigger> failed with error <errorMessage>."
//  - the function could not be invoked (missing, resource policy not allowing Cognito, throttled) →
//    UnexpectedLambdaException "<Trigger> invocation failed due to error <Lambda's error code>."
//  - the function answered something that is not the event → InvalidLambdaResponseException "Unrecognizable lambda output"
// A trigger is awaited: callers validate first, await the trigger, then write in a transaction of their own
// (an async handler's writes after an await are outside the request's transaction).
import { AwsError } from '../../protocol/errors.js';
import type { RequestContext, Runtime } from '../../server/context.js';
import { invokeFunction } from '../lambda/index.js';
import type { PoolRecord, UserRecord } from './store.js';

export type TriggerName = 'PreSignUp' | 'PostConfirmation' | 'PreAuthentication' | 'PostAuthentication' | 'PreTokenGeneration' | 'CustomMessage';

export interface TriggerEvent {
  triggerSource: string;
  userName: string;
  clientId?: string;
  request: Record<string, unknown>;
  response?: Record<string, unknown>;
  /** '1' for most triggers; PreTokenGeneration V2_0 sends '2' */
  version?: string;
}

/** The function a pool's trigger names (PreTokenGenerationConfig wins over the older PreTokenGeneration). */
export function triggerArn(pool: PoolRecord, name: TriggerName): string | undefined {
  const cfg = pool.config.LambdaConfig ?? {};
  if (name === 'PreTokenGeneration') return cfg.PreTokenGenerationConfig?.LambdaArn ?? cfg.PreTokenGeneration;
  return cfg[name] || undefined;
}

/** The attributes as the event carries them: a flat map of strings, sub first as Cognito sends it. */
export function eventAttributes(u: Pick<UserRecord, 'Attributes'>, status?: UserRecord['UserStatus']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of u.Attributes) if (a.Value !== undefined) out[a.Name] = a.Value;
  if (status) out['cognito:user_status'] = status;
  return out;
}

function sdkVersion(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const m = /(aws-sdk-[\w-]+|aws-cli|Boto3|botocore)\/([\w.-]+)/i.exec(ua);
  return m ? `${m[1]!.toLowerCase()}-${m[2]}` : 'aws-sdk-unknown-unknown';
}

/**
 * Invokes the pool's `name` trigger with `event` and returns the function's answer (the event it sent back),
 * or undefined when the pool has no such trigger. Throws AWS's errors as described above.
 */
export async function runTrigger(
  ctx: Runtime & Partial<Pick<RequestContext, 'userAgent'>>,
  scope: { account: string; region: string },
  pool: PoolRecord,
  name: TriggerName,
  event: TriggerEvent,
): Promise<Record<string, unknown> | undefined> {
  const arn = triggerArn(pool, name);
  if (!arn) return undefined;
  const body = {
    version: event.version ?? '1',
    triggerSource: event.triggerSource,
    region: scope.region,
    userPoolId: pool.Id,
    userName: event.userName,
    callerContext: { awsSdkVersion: sdkVersion(ctx.userAgent), clientId: event.clientId ?? 'CLIENT_ID_NOT_APPLICABLE' },
    request: event.request,
    response: event.response ?? {},
  };
  let r;
  try {
    r = await invokeFunction(ctx, {
      account: scope.account,
      region: scope.region,
      functionName: arn,
      payload: JSON.stringify(body),
      payloadIsJson: true,
      invocationType: 'RequestResponse',
      principal: 'cognito-idp.amazonaws.com',
      sourceArn: pool.Arn,
    });
  } catch (err) {
    const code = err instanceof AwsError ? err.code : 'ServiceException';
    throw new AwsError('UnexpectedLambdaException', `${name} invocation failed due to error ${code}.`);
  }
  if (r.functionError) {
    let message = r.payload;
    try {
      const e = JSON.parse(r.payload) as { errorMessage?: unknown };
      if (typeof e?.errorMessage === 'string') message = e.errorMessage;
    } catch {
      /* not JSON: the raw answer is the message */
    }
    throw new AwsError('UserLambdaValidationException', `${name} failed with error ${message}.`);
  }
  let out: unknown;
  try {
    out = JSON.parse(r.payload);
  } catch {
    throw unrecognizable();
  }
  if (!out || typeof out !== 'object' || Array.isArray(out)) throw unrecognizable();
  const response = (out as { response?: unknown }).response;
  if (response !== undefined && response !== null && (typeof response !== 'object' || Array.isArray(response))) throw unrecognizable();
  return (response ?? {}) as Record<string, unknown>;
}

export const unrecognizable = () => new AwsError('InvalidLambdaResponseException', 'Unrecognizable lambda output');
