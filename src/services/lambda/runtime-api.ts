// The Lambda Runtime API (2018-06-01) an execution environment's runtime speaks: GET invocation/next (a long
// poll that returns the next event), POST invocation/{id}/response and /error, POST init/error.
// Each environment gets its own listener on 127.0.0.1 (a port picked by the OS): AWS_LAMBDA_RUNTIME_API is
// then a plain host:port, as every runtime client expects, and a request can only ever speak for the
// environment it belongs to. Connections are kept alive, so a warm invoke costs two small requests on one
// socket.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const PREFIX = '/2018-06-01/runtime/';
/** the most a function may answer (AWS: 6 MB plus a little framing) */
export const MAX_RESPONSE_BYTES = 6_291_556;

export interface DeliveredEvent {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId: string;
  clientContext?: string;
  cognitoIdentity?: string;
}

/** What the environment does with what its runtime says. */
export interface RuntimeApiTarget {
  /** the runtime waits for an event: hand it `deliver` when one is there (now or later) */
  next(deliver: (event: DeliveredEvent) => void, cancelled: () => boolean): void;
  /** returns false when no invocation with that id is in progress */
  response(requestId: string, body: Buffer): boolean;
  error(requestId: string, body: Buffer, errorType: string | undefined): boolean;
  /** the response was bigger than the limit: the invocation fails */
  responseTooLarge(requestId: string, size: number): boolean;
  initError(body: Buffer, errorType: string | undefined): void;
}

export interface RuntimeApiServer {
  /** host:port for AWS_LAMBDA_RUNTIME_API */
  address: string;
  close(): void;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const ACCEPTED_BODY = Buffer.from(JSON.stringify({ status: 'OK' }));
const ACCEPTED_HEADERS = { ...JSON_HEADERS, 'content-length': String(ACCEPTED_BODY.length) };
const accepted = (res: http.ServerResponse) => {
  res.writeHead(202, ACCEPTED_HEADERS);
  res.end(ACCEPTED_BODY);
};
/** After a response or error: the invoker answers its caller in this turn (microtasks); the runtime's 202
 *  goes out after that, so the caller is not kept waiting behind a write that wakes the runtime. */
const acceptedAfterCaller = (res: http.ServerResponse) => void setImmediate(() => res.destroyed || accepted(res));
const unknownRequest = (res: http.ServerResponse, id: string) =>
  answer(res, 400, { errorMessage: `Invalid request ID: ${id}`, errorType: 'InvalidRequestID' });

/** Reads a body up to `limit` bytes; resolves with undefined (and the size seen) past it. */
function readBody(req: http.IncomingMessage, limit: number): Promise<{ body?: Buffer; size: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? { size } : { body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), size }));
    req.on('error', () => resolve({ size }));
  });
}

function headerOf(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function startRuntimeApi(target: RuntimeApiTarget): Promise<RuntimeApiServer> {
  const server = http.createServer({ keepAlive: true, keepAliveTimeout: 0, requestTimeout: 0, headersTimeout: 0 }, (req, res) => {
    route(target, req, res).catch(() => {
      if (!res.headersSent) answer(res, 500, { errorMessage: 'Internal error', errorType: 'ServiceException' });
      else res.destroy();
    });
  });
  // a long poll may wait for hours between invokes
  server.keepAliveTimeout = 0;
  server.timeout = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        address: `127.0.0.1:${port}`,
        close: () => {
          server.close();
          server.closeAllConnections();
        },
      });
    });
  });
}

async function route(target: RuntimeApiTarget, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  if (!url.startsWith(PREFIX)) {
    req.resume();
    return answer(res, 404, { errorMessage: 'Not found', errorType: 'NotFound' });
  }
  const rest = url.slice(PREFIX.length);
  if (req.method === 'GET' && rest === 'invocation/next') {
    req.resume();
    let closed = false;
    res.on('close', () => (closed = true));
    target.next(
      (event) => {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'content-length': String(event.payload.length),
          'lambda-runtime-aws-request-id': event.requestId,
          'lambda-runtime-deadline-ms': String(event.deadlineMs),
          'lambda-runtime-invoked-function-arn': event.invokedFunctionArn,
          'lambda-runtime-trace-id': event.traceId,
        };
        if (event.clientContext) headers['lambda-runtime-client-context'] = event.clientContext;
        if (event.cognitoIdentity) headers['lambda-runtime-cognito-identity'] = event.cognitoIdentity;
        res.writeHead(200, headers);
        res.end(event.payload);
      },
      () => closed || res.destroyed,
    );
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    return answer(res, 405, { errorMessage: 'Method not allowed', errorType: 'MethodNotAllowed' });
  }
  if (rest === 'init/error') {
    const { body } = await readBody(req, MAX_RESPONSE_BYTES);
    target.initError(body ?? Buffer.alloc(0), headerOf(req, 'lambda-runtime-function-error-type'));
    return accepted(res);
  }
  const m = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
  if (!m) {
    req.resume();
    return answer(res, 404, { errorMessage: 'Not found', errorType: 'NotFound' });
  }
  const id = decodeURIComponent(m[1]!);
  const { body, size } = await readBody(req, MAX_RESPONSE_BYTES);
  if (m[2] === 'response') {
    if (!body) {
      if (!target.responseTooLarge(id, size)) return unknownRequest(res, id);
      return answer(res, 413, { errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`, errorType: 'RequestEntityTooLarge' });
    }
    // a streamed response that failed midway carries its error in trailers
    const trailerType = req.trailers['lambda-runtime-function-error-type'];
    if (trailerType) {
      const detail = req.trailers['lambda-runtime-function-error-body'];
      const errBody = detail ? Buffer.from(detail, 'base64') : Buffer.from(JSON.stringify({ errorType: trailerType, errorMessage: '' }));
      if (!target.error(id, errBody, trailerType)) return unknownRequest(res, id);
      return accepted(res);
    }
    if (!target.response(id, body)) return unknownRequest(res, id);
    return acceptedAfterCaller(res);
  }
  if (!target.error(id, body ?? Buffer.alloc(0), headerOf(req, 'lambda-runtime-function-error-type'))) return unknownRequest(res, id);
  return acceptedAfterCaller(res);
}
