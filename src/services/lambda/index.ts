// Lambda's public API for other services (API Gateway integrations, ELB targets, EventBridge, alarms):
// invoke a function as AWS's service principals do, with the function's resource policy checked.
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import { enqueueEvent } from './async-invoke.js';
import { eventPayload, target, tooLarge } from './invoke-api.js';
import { executionOf, MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD, runInvocation } from './invoke.js';
import type { ResolvedFunction } from './resolved-function.js';
import { policyAllows } from './resolve.js';

export interface InvokeFunctionRequest {
  account: string;
  region: string;
  /** name, NAME:QUALIFIER or ARN */
  functionName: string;
  qualifier?: string;
  /** the event, JSON text */
  payload: string;
  /** the payload is JSON.stringify's output: not parsed again to check it is JSON (an API Gateway proxy event) */
  payloadIsJson?: boolean;
  invocationType: 'RequestResponse' | 'Event';
  /** the calling service principal (apigateway.amazonaws.com …): checked against the resource policy */
  principal?: string;
  /** the calling resource (an API's execute-api ARN, a rule's ARN …) */
  sourceArn?: string;
}

export interface InvokeFunctionResult {
  /** 200 (RequestResponse) or 202 (Event) */
  statusCode: number;
  payload: string;
  /** 'Unhandled' when the function failed */
  functionError?: string;
  executedVersion: string;
}

/**
 * Invokes a function. Throws AwsError as Invoke would (ResourceNotFoundException, TooManyRequestsException,
 * RequestTooLargeException, InvalidRequestContentException) and AccessDeniedException when `principal` is
 * given and the function's resource policy does not allow it.
 */
export async function invokeFunction(runtime: Runtime, req: InvokeFunctionRequest): Promise<InvokeFunctionResult> {
  const limit = req.invocationType === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD;
  // JSON.stringify's output is encoded once: its bytes are both measured and sent
  const encoded = req.payloadIsJson ? Buffer.from(req.payload) : undefined;
  if ((encoded ? encoded.length : Buffer.byteLength(req.payload)) > limit) throw tooLarge(limit);
  const scope = { store: runtime.store, account: req.account, region: req.region };
  const { fn, qualifier } = target(scope, req.functionName, req.qualifier);
  if (req.principal && !policyAllows(runtime, scope, fn.FunctionArn, qualifier, req.principal, req.sourceArn, req.account)) {
    throw new AwsError('AccessDeniedException', `${req.principal} is not authorized to perform: lambda:InvokeFunction on resource: ${fn.FunctionArn}`, {
      status: 403,
    });
  }
  const payload = encoded ?? eventPayload(req.payload);
  const x = executionOf(runtime);
  if (req.invocationType === 'Event') {
    enqueueEvent(x, fn, payload, qualifier);
    return { statusCode: 202, payload: '', executedVersion: fn.Version };
  }
  const r = await runInvocation(x, { fn, payload, qualifier });
  return { statusCode: 200, payload: r.payload.toString('utf8'), functionError: r.functionError, executedVersion: r.executedVersion };
}

/** Retires the warm environments of a function (its code or configuration changed, or it was deleted). */
export function retireEnvironments(runtime: Pick<Runtime, 'clock'>, functionArn: string): void {
  try {
    executionOf(runtime).pool.retireFunction(functionArn);
  } catch {
    /* execution not running */
  }
}

/** Starts environments for provisioned concurrency now (PutProvisionedConcurrencyConfig), rather than on first invoke. */
export function warmProvisioned(runtime: Pick<Runtime, 'clock'>, fn: ResolvedFunction, count: number): void {
  executionOf(runtime).pool.ensureProvisioned(fn, count);
}
export { setProvisionedConcurrency } from './provisioned.js';
