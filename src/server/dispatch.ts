// The control plane: identify → authenticate → parse and validate → provider (in a transaction) → render.
import { unsigned } from '../protocol/model.js';
import { isDataEvent } from './data-events.js';
import { AwsError, notImplemented } from '../protocol/errors.js';
import { type Identified, type WireRequest, credentialOf, headerValue, identify } from '../protocol/identify.js';
import { requestId as newRequestId } from '../protocol/ids.js';
import { type HttpResult, guessProtocol, parseInput, renderError, renderOutput } from '../protocol/wire.js';
import type { ServiceDefinition } from '../services/define.js';
import { type Caller, type RequestContext, type Runtime, requestContext } from './context.js';
import { verifySigV4 } from './sigv4.js';

export interface DispatchInfo {
  sourceIp: string;
  host: string;
  baseUrl: string;
  startedAt: number;
}

export interface Dispatched {
  result: HttpResult;
  service: string;
  operation: string;
}

export class ControlPlane {
  private readonly byId = new Map<string, ServiceDefinition>();

  constructor(
    private readonly runtime: Runtime,
    readonly services: ServiceDefinition[],
  ) {
    for (const s of services) this.byId.set(s.id, s);
  }

  implemented(id: string): boolean {
    return this.byId.has(id);
  }

  service(id: string): ServiceDefinition | undefined {
    return this.byId.get(id);
  }

  /** Who is calling: STS session keys and IAM user keys map to their identity; 12 digits name an account. */
  resolveCaller(accessKeyId: string | undefined, sessionToken: string | undefined): { account: string; caller: Caller } {
    const key = accessKeyId ?? '';
    if (key) {
      for (const s of this.services) {
        const resolved = s.options.resolveCaller?.(this.runtime, key, sessionToken);
        if (resolved) return resolved;
      }
    }
    const account = /^\d{12}$/.test(key) ? key : this.runtime.config.defaultAccount;
    return {
      account,
      caller: { arn: `arn:aws:iam::${account}:root`, userId: account, accessKeyId: key, type: 'Root' },
    };
  }

  secretFor(accessKeyId: string): string | undefined {
    for (const s of this.services) {
      const secret = s.options.secretFor?.(this.runtime, accessKeyId);
      if (secret) return secret;
    }
    return undefined;
  }

  async dispatch(req: WireRequest, info: DispatchInfo): Promise<Dispatched> {
    const requestId = newRequestId();
    const receivedAt = this.runtime.clock.date();
    let identified: Identified | undefined;
    let ctx: RequestContext | undefined;
    let input: Record<string, unknown> | undefined;
    try {
      const credential = credentialOf(req);
      try {
        identified = identify(req, credential, (id) => this.implemented(id));
      } catch (err) {
        identified = (err as { identified?: Identified }).identified;
        throw err;
      }
      const sessionToken = headerValue(req.headers, 'x-amz-security-token') ?? req.query.get('X-Amz-Security-Token') ?? undefined;
      // operations AWS serves unsigned (Cognito's SignUp, InitiateAuth …) need no signature, even in strict mode
      if (this.runtime.config.strictSigV4 && !(unsigned(identified.op) && !credential)) verifySigV4(req, credential, (akid) => this.secretFor(akid), this.runtime.clock.now());
      const { account, caller } = this.resolveCaller(credential?.accessKeyId, sessionToken);
      const definition = this.byId.get(identified.entry.id);
      ctx = requestContext(this.runtime, {
        requestId,
        account,
        region: credential?.region ?? this.runtime.config.defaultRegion,
        service: identified.entry.id,
        operation: identified.operationName,
        caller,
        sourceIp: info.sourceIp,
        userAgent: headerValue(req.headers, 'user-agent') ?? '',
        headers: req.headers,
        host: info.host,
        baseUrl: info.baseUrl,
      });
      if (!identified.op) {
        if (identified.protocol === 'query' || identified.protocol === 'ec2') {
          throw new AwsError('InvalidAction', `The action ${identified.operationName} is not valid for this web service.`, { status: 400 });
        }
        if (identified.protocol === 'json') {
          throw new AwsError('UnknownOperationException', `Operation ${identified.operationName} is not known to ${identified.entry.serviceId}.`, { status: 400 });
        }
        throw new AwsError('UnknownOperationException', `No operation of ${identified.entry.serviceId} matches ${req.method} ${req.path}.`, { status: 404 });
      }
      // Input is parsed and validated against the model before the not-implemented check, for every service:
      // a malformed call gets AWS's validation error whether or not Cumulus serves the operation yet.
      input = parseInput(identified, req, definition?.options.validationErrorCode);
      const handler = definition?.handlers[identified.op.name];
      if (!definition || !handler) throw notImplemented(identified.entry.serviceId, identified.op.name);
      const output = await this.invoke(handler, ctx, input);
      const result = renderOutput(identified, (output ?? {}) as Record<string, unknown>, requestId);
      this.record(ctx, receivedAt, identified, input, output, result.status);
      return { result, service: identified.entry.id, operation: identified.op.name };
    } catch (e) {
      const err = toAwsError(e, this.runtime, requestId);
      if (err.code === 'NotImplemented') this.runtime.log.warn(`not implemented: ${identified?.entry.id ?? '?'} ${identified?.operationName ?? '?'}`);
      const protocol = identified?.protocol ?? guessProtocol(req);
      const result = renderError(identified?.model, protocol, err, requestId);
      if (ctx && identified?.op) this.record(ctx, receivedAt, identified, input, undefined, result.status, err);
      return { result, service: identified?.entry.id ?? 'unknown', operation: identified?.operationName || '-' };
    }
  }

  /** Sync providers run inside one transaction (rolled back if they throw); async ones commit what they wrote before their first await. */
  private async invoke(handler: (ctx: RequestContext, input: any) => unknown, ctx: RequestContext, input: Record<string, unknown>): Promise<unknown> {
    const store = this.runtime.store;
    store.begin();
    let result: unknown;
    try {
      result = handler(ctx, input);
    } catch (err) {
      store.rollback();
      throw err;
    }
    store.commit();
    return result instanceof Promise ? await result : result;
  }

  private record(ctx: RequestContext, time: Date, id: Identified, input: unknown, output: unknown, status: number, err?: AwsError): void {
    this.runtime.bus.emit('api-call', {
      requestId: ctx.requestId,
      time,
      service: id.entry.id,
      eventSource: `${id.entry.signingName}.amazonaws.com`,
      operation: id.op!.name,
      account: ctx.account,
      region: ctx.region,
      caller: ctx.caller,
      sourceIp: ctx.sourceIp,
      userAgent: ctx.userAgent,
      readOnly: /^(Get|List|Describe|Lookup|Head|Search|Simulate|Check|Decode|Batch[Gg]et)/.test(id.op!.name),
      managementEvent: !isDataEvent(id.entry.id, id.op!.name),
      requestParameters: input ?? null,
      responseElements: output ?? null,
      errorCode: err ? trailErrorCode(id, err, status) : undefined,
      errorMessage: err?.message,
      status,
    });
  }
}

/** The error code as CloudTrail records it: EC2's "Client."/"Server." codes, else the exception's shape name. */
function trailErrorCode(id: Identified, err: AwsError, status: number): string {
  if (id.protocol === 'ec2') return `${status >= 500 ? 'Server' : 'Client'}.${err.code}`;
  return id.model.errorsByCode.get(err.code)?.name ?? err.code;
}

function toAwsError(e: unknown, runtime: Runtime, requestId: string): AwsError {
  if (e instanceof AwsError) return e;
  runtime.log.error(`request ${requestId} failed: ${(e as Error)?.stack ?? String(e)}`);
  return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', { status: 500, sender: false });
}
