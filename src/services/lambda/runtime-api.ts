// The Lambda Runtime API (2018-06-01) an execution environment's runtime speaks: GET invocation/next (a long
// poll that returns the next event), POST invocation/{id}/response and /error, POST init/error.
// Each environment gets its own listener on 127.0.0.1 (a port picked by the OS): AWS_LAMBDA_RUNTIME_API is
// then a plain host:port, as every runtime client expects, and a request can only ever speak for the
// environment it belongs to.
// The listener is a lean HTTP/1.1 server over net (runtime-api-http.ts) rather than node:http: a warm
// invoke is two small exchanges on one kept-alive socket, and the invoke path pays for every write and
// every wake-up of the runtime process. A runtime that pipelines (Cumulus's Node runtime sends its response
// and the next invocation/next in one segment) gets the response's 202 in the same write as its next
// event, so each invoke wakes it once; a runtime that waits for the 202 gets it as soon as its caller has
// been answered.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type ParsedRequest, RuntimeConnection } from './runtime-api-http.js';

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
  /** a piece of a streamed response (Lambda-Runtime-Function-Response-Mode: streaming) as it arrives; the
   *  whole body still comes to response() at its end */
  chunk?(requestId: string, data: Buffer): void;
}

export interface RuntimeApiServer {
  /** host:port for AWS_LAMBDA_RUNTIME_API */
  address: string;
  /** the same API on a Unix socket, for Cumulus's own runtimes (see startRuntimeApi) */
  socketPath?: string;
  close(): void;
}

const ACCEPTED = JSON.stringify({ status: 'OK' });
const notFound = (c: RuntimeConnection) => c.answer(404, JSON.stringify({ errorMessage: 'Not found', errorType: 'NotFound' }));
const unknownRequest = (c: RuntimeConnection, id: string) =>
  c.answer(400, JSON.stringify({ errorMessage: `Invalid request ID: ${id}`, errorType: 'InvalidRequestID' }));

/** The event as invocation/next answers it: head and payload, written together. */
function eventHead(event: DeliveredEvent): string {
  let head =
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${event.payload.length}\r\n` +
    `Lambda-Runtime-Aws-Request-Id: ${event.requestId}\r\nLambda-Runtime-Deadline-Ms: ${event.deadlineMs}\r\n` +
    `Lambda-Runtime-Invoked-Function-Arn: ${event.invokedFunctionArn}\r\nLambda-Runtime-Trace-Id: ${event.traceId}\r\n`;
  if (event.clientContext) head += `Lambda-Runtime-Client-Context: ${oneLine(event.clientContext)}\r\n`;
  if (event.cognitoIdentity) head += `Lambda-Runtime-Cognito-Identity: ${oneLine(event.cognitoIdentity)}\r\n`;
  return `${head}\r\n`;
}

/** A header value cannot carry line breaks (JSON text may, between tokens: they mean nothing there). */
const oneLine = (v: string) => (/[\r\n]/.test(v) ? v.replace(/[\r\n]+/g, ' ') : v);

/**
 * Starts an environment's Runtime API on 127.0.0.1 and, with `unixSocket`, on a Unix socket too: the same
 * API for the runtimes Cumulus ships (their bootstraps are told the path and prefer it). A loopback TCP
 * exchange costs both processes more than a Unix socket one (~10 µs of CPU a round trip each, measured
 * here: a quarter of a warm invoke's cost in the environment) — every custom runtime still gets host:port.
 */
export async function startRuntimeApi(target: RuntimeApiTarget, o: { unixSocket?: boolean } = {}): Promise<RuntimeApiServer> {
  const connections = new Set<RuntimeConnection>();
  const accept = (socket: net.Socket) => {
    const c = new RuntimeConnection(
      socket,
      MAX_RESPONSE_BYTES,
      (r) => route(target, c, r),
      (r) => streamSink(target, r),
    );
    connections.add(c);
    socket.once('close', () => connections.delete(c));
  };
  const servers: net.Server[] = [];
  const close = () => {
    for (const s of servers) s.close();
    for (const c of connections) c.destroy();
    connections.clear();
    if (socketPath) fs.rmSync(socketPath, { force: true });
  };
  let socketPath: string | undefined;
  try {
    const tcp = net.createServer({ noDelay: true }, accept);
    servers.push(tcp);
    await listen(tcp, { port: 0, host: '127.0.0.1' });
    if (o.unixSocket && process.platform !== 'win32') {
      const unix = net.createServer(accept);
      try {
        const candidate = path.join(socketDir(), `${randomBytes(8).toString('hex')}.sock`);
        await listen(unix, { path: candidate });
        servers.push(unix);
        socketPath = candidate;
      } catch {
        // best effort: the runtime then speaks TCP, as every other does
        unix.close();
      }
    }
    return { address: `127.0.0.1:${(tcp.address() as AddressInfo).port}`, socketPath, close };
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * This process's directory of Runtime API sockets, made on first use: <tmp>/cumulus-rt-<pid>, removed when the
 * process exits; those of processes no longer running (killed) are removed then. Not Linux's abstract
 * namespace, which leaves nothing behind: Node versions pad its names differently (a socket bound by Node 20
 * refuses a connection from Node 18, 22 or 24, and from Python).
 */
function socketDir(): string {
  if (ownSocketDir) return ownSocketDir;
  const tmp = os.tmpdir();
  for (const name of fs.readdirSync(tmp)) {
    const pid = /^cumulus-rt-(\d+)$/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid || running(Number(pid))) continue;
    fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
  }
  const dir = path.join(tmp, `cumulus-rt-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return (ownSocketDir = dir);
}
let ownSocketDir: string | undefined;

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listen(server: net.Server, at: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A streamed response is handed over piece by piece as the runtime writes it. */
function streamSink(target: RuntimeApiTarget, req: ParsedRequest): ((data: Buffer) => void) | undefined {
  if (!target.chunk || req.method !== 'POST' || (req.header('lambda-runtime-function-response-mode') ?? '').toLowerCase() !== 'streaming') return undefined;
  const m = STREAMED.exec(req.url);
  if (!m) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
  return (data) => target.chunk!(id, data);
}

const STREAMED = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/response$/;

function route(target: RuntimeApiTarget, c: RuntimeConnection, req: ParsedRequest): void {
  const url = req.url;
  if (!url.startsWith(PREFIX)) return notFound(c);
  const rest = url.slice(PREFIX.length);
  if (req.method === 'GET' && rest === 'invocation/next') {
    const slot = c.reserve();
    target.next(
      (event) => c.fill(slot, eventHead(event), event.payload),
      () => c.closed,
    );
    return;
  }
  if (req.method !== 'POST') return c.answer(405, JSON.stringify({ errorMessage: 'Method not allowed', errorType: 'MethodNotAllowed' }));
  if (rest === 'init/error') {
    target.initError(req.body ?? Buffer.alloc(0), req.header('lambda-runtime-function-error-type'));
    return c.answer(202, ACCEPTED);
  }
  const m = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
  if (!m) return notFound(c);
  let id: string;
  try {
    id = decodeURIComponent(m[1]!);
  } catch {
    return unknownRequest(c, m[1]!);
  }
  const { body, size } = req;
  if (m[2] === 'response') {
    if (!body) {
      if (!target.responseTooLarge(id, size)) return unknownRequest(c, id);
      return c.answer(413, JSON.stringify({ errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`, errorType: 'RequestEntityTooLarge' }));
    }
    // a streamed response that failed midway carries its error in trailers
    const trailerType = req.trailer('lambda-runtime-function-error-type');
    if (trailerType) {
      const detail = req.trailer('lambda-runtime-function-error-body');
      const errBody = detail ? Buffer.from(detail, 'base64') : Buffer.from(JSON.stringify({ errorType: trailerType, errorMessage: '' }));
      if (!target.error(id, errBody, trailerType)) return unknownRequest(c, id);
      return c.answer(202, ACCEPTED);
    }
    if (!target.response(id, body)) return unknownRequest(c, id);
    return c.answer(202, ACCEPTED, true);
  }
  if (!target.error(id, body ?? Buffer.alloc(0), req.header('lambda-runtime-function-error-type'))) return unknownRequest(c, id);
  return c.answer(202, ACCEPTED, true);
}
