// Lambda's invoke operations (Invoke, InvokeAsync; InvokeWithResponseStream is served by stream-invoke.ts
// as a data plane because its answer is an event stream) and the start and stop of execution.
import type { LambdaOperations } from '../../generated/lambda.js';
import { AwsError } from '../../protocol/errors.js';
import type { RequestContext, Runtime } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { enqueueEvent, stopAsync } from './async-invoke.js';
import { startBackground, stopBackground } from './background.js';
import { registerFunctionUrls } from './function-urls.js';
import { createExecution, destroyExecution, type Execution, executionOf, MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD, runInvocation } from './invoke.js';
import { FaultError } from '../../server/faults.js';
import { functionArn, parseFunctionName } from './names.js';
import type { ResolvedFunction } from './resolved-function.js';
import { policyAllows, resolveForInvoke, resolveFunction } from './resolve.js';
import { registerStreamInvoke } from './stream-invoke.js';

export function tooLarge(limit: number): AwsError {
  return new AwsError('RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`, {
    status: 413,
    fields: { Type: 'User' },
  });
}

/** The event as the function gets it: JSON text (an empty payload is `{}`), or AWS's parse error. */
export function eventPayload(payload: Uint8Array | string | undefined): Buffer {
  if (payload === undefined) return Buffer.from('{}');
  const buf = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  if (!buf.length) return Buffer.from('{}');
  try {
    JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new AwsError('InvalidRequestContentException', `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message}`, {
      status: 400,
      fields: { Type: 'User' },
    });
  }
  return buf;
}

/** The client context header: base64 JSON, at most 3583 bytes; the runtime gets the JSON. */
function clientContextOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.length > 3583) {
    throw new AwsError('InvalidParameterValueException', 'Client context must be 3583 bytes or less.', { status: 400, fields: { Type: 'User' } });
  }
  const text = Buffer.from(value, 'base64').toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new AwsError('InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.', { status: 400, fields: { Type: 'User' } });
  }
  return text;
}

/** The function an invoke names, and the qualifier the caller gave (by parameter or in the name). */
export function target(ctx: { store: RequestContext['store']; account: string; region: string }, name: string, qualifier?: string): { fn: ResolvedFunction; qualifier?: string } {
  const ref = parseFunctionName(ctx, name, qualifier);
  const { fn, blocker } = resolveForInvoke(ctx, name, qualifier);
  if (blocker) throw blocker;
  return { fn, qualifier: ref.qualifier };
}

function sizeOf(p: Uint8Array | string | undefined): number {
  return p === undefined ? 0 : typeof p === 'string' ? Buffer.byteLength(p) : p.length;
}

export const invokeHandlers: Handlers<LambdaOperations> = {
  async Invoke(ctx, input) {
    const type = input.InvocationType ?? 'RequestResponse';
    const size = sizeOf(input.Payload);
    if (size > (type === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD)) throw tooLarge(type === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD);
    const { fn, qualifier } = target(ctx, input.FunctionName, input.Qualifier);
    if (type === 'DryRun') return { StatusCode: 204 };
    const payload = eventPayload(input.Payload);
    const x = executionOf(ctx);
    if (type === 'Event') {
      // as on AWS, the call's request id is the invocation's (context.awsRequestId)
      enqueueEvent(x, fn, payload, qualifier, ctx.requestId);
      return { StatusCode: 202 };
    }
    const result = await runInvocation(x, {
      fn,
      payload,
      qualifier,
      clientContext: clientContextOf(input.ClientContext),
      tail: input.LogType === 'Tail',
      requestId: ctx.requestId,
    });
    return {
      StatusCode: 200,
      Payload: result.payload,
      FunctionError: result.functionError,
      LogResult: result.logResult,
      ExecutedVersion: result.executedVersion,
    };
  },

  // Deprecated, still served by AWS: always asynchronous, answers 202.
  InvokeAsync(ctx, input) {
    if (sizeOf(input.InvokeArgs) > MAX_ASYNC_PAYLOAD) throw tooLarge(MAX_ASYNC_PAYLOAD);
    const { fn, qualifier } = target(ctx, input.FunctionName);
    enqueueEvent(executionOf(ctx), fn, eventPayload(input.InvokeArgs), qualifier, ctx.requestId);
    return { Status: 202 };
  },
};

/** Fault kinds: every invoke of a function throttled, or failing with a function error. */
function registerFaults(runtime: Runtime): void {
  const nameOf = (spec: Record<string, unknown>) => {
    if (typeof spec.functionName !== 'string' || !spec.functionName) throw new FaultError('functionName is required');
    const name = spec.functionName;
    // an ARN names the function too
    return name.startsWith('arn:') ? name.split(':')[6]! : name;
  };
  runtime.faults.register('lambda-throttle', {
    description: 'every invoke of a Lambda function is throttled (429 TooManyRequestsException) {functionName}',
    apply: (spec) => ({ target: nameOf(spec) }),
  });
  runtime.faults.register('lambda-error', {
    description: 'every invoke of a Lambda function fails with a function error (Unhandled) {functionName, errorMessage?}',
    apply: (spec) => ({ target: nameOf(spec) }),
  });
}

/** Alarm actions and EventBridge targets naming a function invoke it asynchronously, if its policy allows the caller. */
function registerLambdaTargets(runtime: Runtime): void {
  runtime.targets.register(
    'lambda',
    (arn) => /^arn:aws[\w-]*:lambda:[^:]+:\d{12}:function:/.test(arn),
    (inv) => {
      const parts = inv.arn.split(':');
      const scope = { store: runtime.store, account: parts[4]!, region: parts[3]! };
      let resolved: { fn: ResolvedFunction; qualifier?: string };
      try {
        resolved = target(scope, inv.arn);
      } catch (err) {
        return { ok: false, message: `Failed to invoke ${inv.arn}: ${(err as Error).message}` };
      }
      const { fn, qualifier } = resolved;
      if (!policyAllows(runtime, scope, fn.FunctionArn, qualifier, inv.source.principal, inv.source.arn, inv.source.account)) {
        return { ok: false, message: `${inv.source.principal} is not authorized to perform: lambda:InvokeFunction on resource: ${inv.arn}` };
      }
      let payload: Buffer;
      try {
        payload = eventPayload(inv.payload);
        if (payload.length > MAX_ASYNC_PAYLOAD) throw tooLarge(MAX_ASYNC_PAYLOAD);
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
      const requestId = enqueueEvent(executionOf(runtime), fn, payload, qualifier);
      return { ok: true, message: `Successfully invoked ${inv.arn} (RequestId: ${requestId})` };
    },
  );
}

export async function initExecution(runtime: Runtime): Promise<void> {
  const x = createExecution(runtime);
  // a reset forgets the functions: their environments and queued events go with them
  runtime.bus.on('reset', ({ service }) => {
    if (service && service !== 'lambda') return;
    stopAsync(x);
    for (const env of x.pool.list()) env.retire();
  });
  runtime.bus.on('api-call', (e) => {
    if (e.service !== 'lambda' || e.status >= 300) return;
    const input = e.requestParameters as { FunctionName?: string; Qualifier?: string } | null;
    if (!input?.FunctionName) return;
    if (e.operation === 'PutProvisionedConcurrencyConfig') return warmWhenReady(x, e, input.FunctionName, input.Qualifier);
    if (e.operation === 'DeleteProvisionedConcurrencyConfig') {
      try {
        x.pool.releaseProvisioned(resolveFunction({ store: runtime.store, account: e.account, region: e.region }, input.FunctionName, input.Qualifier));
      } catch {
        /* the version is gone too */
      }
      return;
    }
    // a deleted function (or version) keeps no warm environments
    if (e.operation !== 'DeleteFunction') return;
    try {
      const ref = parseFunctionName(e, input.FunctionName, input.Qualifier);
      const arn = functionArn(e, ref.name);
      x.pool.retireFunction(ref.qualifier ? `${arn}:${ref.qualifier}` : arn);
    } catch {
      /* not a name we can parse: nothing was deleted */
    }
  });
  registerFaults(runtime);
  registerLambdaTargets(runtime);
  registerFunctionUrls(runtime);
  registerStreamInvoke(runtime);
  // the async queue a previous run left, the AWS/Usage metric and the /tmp watch
  startBackground(runtime);
}

/** Provisioned concurrency becomes READY on the clock: start its environments then, not at the first invoke. */
function warmWhenReady(x: Execution, scope: { account: string; region: string }, name: string, qualifier: string | undefined): void {
  let tries = 0;
  const timer = x.runtime.clock.setInterval(() => {
    tries++;
    try {
      const fn = resolveFunction({ store: x.runtime.store, ...scope }, name, qualifier);
      if (fn.ProvisionedConcurrentExecutions) {
        timer.cancel();
        x.pool.ensureProvisioned(fn, fn.ProvisionedConcurrentExecutions);
        return;
      }
    } catch {
      return timer.cancel();
    }
    if (tries >= 120) timer.cancel();
  }, 1000);
}

export async function stopExecution(runtime: Runtime): Promise<void> {
  try {
    stopBackground(runtime);
  } catch {
    /* never started */
  }
  await destroyExecution(runtime);
}
