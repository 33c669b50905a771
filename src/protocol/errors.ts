// AwsError: what a provider throws; the protocol layer renders it in the service's own error format.

export interface AwsErrorOptions {
  /** HTTP status; defaults to the error shape's httpStatusCode in the model, else 400. */
  status?: number;
  /** Sender (client) or Receiver (server) fault; defaults to sender for 4xx. */
  sender?: boolean;
  /** Extra members of the error shape (e.g. Lambda's `Type`, `retryAfterSeconds`). */
  fields?: Record<string, unknown>;
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;
}

export class AwsError extends Error {
  readonly code: string;
  readonly status?: number;
  readonly sender?: boolean;
  readonly fields?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(code: string, message: string, options: AwsErrorOptions = {}) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = options.status;
    this.sender = options.sender;
    this.fields = options.fields;
    this.headers = options.headers;
  }
}

export function notImplemented(service: string, operation: string): AwsError {
  return new AwsError('NotImplemented', `The operation ${operation} of service ${service} is not implemented in Cumulus yet.`, {
    status: 501,
    sender: false,
  });
}

/** AWS's standard validation message: "1 validation error detected: Value 'x' at 'y' failed to satisfy constraint: ...". */
export function validationMessage(problems: string[]): string {
  const n = problems.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}`;
}
