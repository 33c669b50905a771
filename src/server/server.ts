// The one listener: reads a request (bounded), routes it to internal endpoints, data planes or the control plane.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Clock } from '../clock/clock.js';
import { shutdownDriver } from '../compute/shared.js';
import { EventBus } from '../events/bus.js';
import { TargetRegistry } from '../events/targets.js';
import { AwsError } from '../protocol/errors.js';
import type { WireRequest } from '../protocol/identify.js';
import { requestId } from '../protocol/ids.js';
import { guessProtocol, renderError, type HttpResult } from '../protocol/wire.js';
import { allServices } from '../services/index.js';
import { Store } from '../state/db.js';
import { DEFAULTS } from './config.js';
import type { Config, Runtime } from './context.js';
import { ControlPlane } from './dispatch.js';
import { registerBackendFaults } from './backend-faults.js';
import { FaultRegistry } from './faults.js';
import { HANDLED, HttpRegistry, type DataPlane } from './http-planes.js';
import { handleInternal } from './internal.js';
import { createLogger } from './log.js';

export type { DataPlane } from './http-planes.js';

export interface Cumulus {
  runtime: Runtime;
  controlPlane: ControlPlane;
  server: http.Server;
  url: string;
  port: number;
  startedAt: number;
  addDataPlane(plane: DataPlane): void;
  stop(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new BodyTooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('aborted')));
  });
}

function send(res: http.ServerResponse, result: HttpResult): void {
  if (res.headersSent || res.destroyed) return;
  const body = typeof result.body === 'string' ? Buffer.from(result.body, 'utf8') : result.body;
  // a HEAD answer may state the length the GET would have (its body is empty)
  const declared = result.headers['content-length'] ?? result.headers['Content-Length'];
  res.writeHead(result.status, { ...result.headers, 'content-length': declared !== undefined && body.length === 0 ? String(declared) : String(body.length) });
  res.end(body);
}

export async function startCumulus(overrides: Partial<Config> = {}): Promise<Cumulus> {
  const config: Config = { ...DEFAULTS, ...overrides };
  const log = createLogger(config.logLevel);
  const clock = new Clock({ speed: config.clockSpeed });
  const store = new Store(config.dataDir);
  const bus = new EventBus();
  const runtime: Runtime = {
    clock,
    store,
    bus,
    config,
    log,
    faults: new FaultRegistry(() => clock.date()),
    targets: new TargetRegistry(),
    http: new HttpRegistry(),
  };
  registerBackendFaults(runtime.faults);
  const services = allServices();
  const controlPlane = new ControlPlane(runtime, services);
  const startedAt = Date.now();

  for (const s of services) await s.options.init?.(runtime);

  // Slow clients (headers or body trickled) are cut off; Node checks these deadlines every connectionsCheckingInterval.
  // Idle keep-alive connections stay open 65 s, like AWS's endpoints: with a short idle timeout, a client whose
  // event loop was busy for a few seconds sends its next request on a socket the server is just closing.
  const headersTimeout = config.headersTimeoutMs ?? 30_000;
  const requestTimeout = Math.max(config.requestTimeoutMs ?? 120_000, headersTimeout);
  const server = http.createServer(
    { requestTimeout, headersTimeout, keepAliveTimeout: 65_000, connectionsCheckingInterval: Math.max(100, Math.min(5_000, headersTimeout / 4)) },
    (req, res) => {
      handle(req, res).catch((e: unknown) => {
        // a bug in rendering or routing must cost one request, never the process
        log.error(`unhandled: ${(e as Error)?.stack ?? String(e)}`);
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'text/plain', 'content-length': '0' });
          res.end();
        } else res.destroy();
      });
    },
  );
  server.on('upgrade', (raw, socket, head) => {
    socket.on('error', () => socket.destroy());
    for (const plane of runtime.http.upgrades) {
      try {
        if (plane(raw, socket, head)) return;
      } catch (e) {
        log.error(`upgrade: ${(e as Error)?.stack ?? String(e)}`);
      }
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    // what Node itself would answer: 408 for a slow client, 431 for headers over the limit, else 400
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  // the per-request line is built only when it will be written
  const logInfo = !['warn', 'error', 'silent'].includes(config.logLevel);

  async function handle(raw: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t0 = performance.now();
    const rawUrl = raw.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    let query: URLSearchParams;
    try {
      query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '');
    } catch {
      query = new URLSearchParams();
    }
    const host = (raw.headers.host ?? `${config.host}:${config.port}`).toLowerCase();
    const wire: WireRequest = { method: (raw.method ?? 'GET').toUpperCase(), path, query, headers: raw.headers, body: Buffer.alloc(0) };
    let service = '-';
    let operation = '-';
    let result: HttpResult;
    try {
      try {
        // a request that declares no body (a GET without content-length or transfer-encoding) has none: no wait on the stream
        const cl = raw.headers['content-length'];
        if ((cl !== undefined && cl !== '0') || raw.headers['transfer-encoding'] !== undefined) wire.body = await readBody(raw, config.maxBodyBytes);
        else raw.resume();
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          throw new AwsError('RequestEntityTooLargeException', `Request must be smaller than ${config.maxBodyBytes} bytes.`, { status: 413 });
        }
        res.destroy();
        return;
      }
      if (path.startsWith('/_cumulus/') || path.startsWith('/_localstack/')) {
        service = 'internal';
        operation = `${wire.method} ${path}`;
        result = await handleInternal(wire, { runtime, controlPlane, startedAt });
      } else {
        let planeResult: HttpResult | typeof HANDLED | undefined;
        const sourceIp = (raw.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
        const info = { host, raw, res, sourceIp };
        // most planes pass synchronously (undefined): only a returned promise is awaited
        for (const plane of runtime.http.planes) {
          const r = plane(wire, info);
          planeResult = r instanceof Promise ? await r : r;
          if (planeResult) break;
        }
        if (planeResult === HANDLED) {
          if (logInfo) log.info(`data-plane ${wire.method} ${path} ${res.statusCode} ${(performance.now() - t0).toFixed(1)}ms`);
          return;
        }
        if (planeResult) {
          service = 'data-plane';
          operation = `${wire.method} ${path}`;
          result = planeResult;
        } else {
          const dispatched = await controlPlane.dispatch(wire, {
            sourceIp,
            host,
            baseUrl: `http://${host}`,
            startedAt: t0,
          });
          ({ result, service, operation } = dispatched);
        }
      }
    } catch (e) {
      const err =
        e instanceof AwsError
          ? e
          : (log.error(`unhandled: ${(e as Error)?.stack ?? String(e)}`),
            new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', { status: 500 }));
      result = renderError(undefined, guessProtocol(wire), err, requestId());
    }
    send(res, result);
    if (logInfo) log.info(`${service} ${operation} ${result.status} ${(performance.now() - t0).toFixed(1)}ms`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  config.port = port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  return {
    runtime,
    controlPlane,
    server,
    url,
    port,
    startedAt,
    addDataPlane: (plane) => runtime.http.addDataPlane(plane),
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      runtime.faults.clearAll();
      for (const s of services) await s.options.stop?.(runtime);
      await shutdownDriver(runtime);
      clock.stop();
      store.close();
    },
  };
}
