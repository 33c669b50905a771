// How a service is declared: one typed function per operation, plus optional hooks into the runtime.
import type { Caller, RequestContext, Runtime } from '../server/context.js';

export type Handler<I, O> = (ctx: RequestContext, input: I) => O | Promise<O>;

export type OperationMap = Record<string, { input: unknown; output: unknown }>;

export type Handlers<Ops extends OperationMap> = { [K in keyof Ops]?: Handler<Ops[K]['input'], Ops[K]['output']> };

export interface ResolvedIdentity {
  account: string;
  caller: Caller;
}

export interface ServiceOptions {
  /** State is per account, not per region (IAM). */
  global?: boolean;
  /** The error code for model validation failures when it is not the protocol's usual one. */
  validationErrorCode?: string;
  /** Called once when Cumulus starts (subscribe to the bus, restart workloads…). */
  init?(runtime: Runtime): void | Promise<void>;
  /** Called when Cumulus stops (before the shared compute driver shuts down). */
  stop?(runtime: Runtime): void | Promise<void>;
  /** Maps an access key this service issued (IAM user keys, STS session keys) to its account and caller. */
  resolveCaller?(runtime: Runtime, accessKeyId: string, sessionToken: string | undefined): ResolvedIdentity | undefined;
  /** The secret of an access key this service issued, for strict SigV4 verification. */
  secretFor?(runtime: Runtime, accessKeyId: string): string | undefined;
}

export interface ServiceDefinition {
  id: string;
  handlers: Record<string, Handler<any, any> | undefined>;
  options: ServiceOptions;
}

export function defineService<Ops extends OperationMap = OperationMap>(
  id: string,
  handlers: Handlers<Ops>,
  options: ServiceOptions = {},
): ServiceDefinition {
  return { id, handlers: handlers as Record<string, Handler<any, any>>, options };
}
