// Calls an HTTP backend for HTTP and HTTP_PROXY integrations (REST and HTTP APIs), bounded by the integration's
// timeout on the virtual clock; an injected 'http-backend' fault is what the backend does.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { backendFault } from '../../server/backend-faults.js';
import type { Runtime } from '../../server/context.js';
import { GatewayError } from './gateway-errors.js';

/** How to reach the backend other than by the URL alone: a client certificate, a load balancer's socket. */
export interface BackendVia {
  /** presented to an https backend (the stage's client certificate) */
  clientCertificate?: { id: string; cert: string; key: string };
  /** connect here instead of the URL's host and port (private integrations: the load balancer listener's
   * local socket); the URL still gives the path and the Host header */
  connectTo?: { host: string; port: number; tls: boolean };
  /** a reason the backend cannot be reached at all (a VPC link that is not available): the call fails */
  unreachable?: string;
}

export interface BackendAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The errors each API flavour answers: past the timeout, on a failed connection, for an answer too large. */
export interface BackendErrors {
  timeout(): Error;
  failure(): Error;
  tooLarge(): Error;
}

const agentHttp = new http.Agent({ keepAlive: true, maxSockets: 256 });
const agentHttps = new https.Agent({ keepAlive: true, maxSockets: 256 });

// one agent per client certificate, so connections that presented one are reused only with it
const certAgents = new Map<string, https.Agent>();
function agentFor(via: BackendVia | undefined, tls: boolean): http.Agent {
  if (!tls) return agentHttp;
  const c = via?.clientCertificate;
  if (!c) return agentHttps;
  let a = certAgents.get(c.id);
  if (!a) certAgents.set(c.id, (a = new https.Agent({ keepAlive: true, maxSockets: 256, cert: c.cert, key: c.key })));
  return a;
}

const MAX_RESPONSE = 10 * 1024 * 1024;

const REST_ERRORS: BackendErrors = {
  timeout: () => new GatewayError('INTEGRATION_TIMEOUT', 'Endpoint request timed out', 504),
  failure: () => new GatewayError('INTEGRATION_FAILURE', 'Internal server error', 500),
  tooLarge: () => new GatewayError('INTEGRATION_FAILURE', 'Internal server error', 502),
};

/** REST APIs' HTTP integrations. */
export function callHttp(runtime: Runtime, url: URL, method: string, headers: Record<string, string | string[]>, body: Buffer | undefined, timeoutMs: number, via?: BackendVia): Promise<BackendAnswer> {
  return callBackend(runtime, url, method, headers, body, timeoutMs, REST_ERRORS, (e) => runtime.log.warn(`apigateway: Execution failed due to an error calling ${url.origin}: ${e.message}`), via);
}

export function callBackend(
  runtime: Runtime,
  url: URL,
  method: string,
  headers: Record<string, string | string[]>,
  body: Buffer | undefined,
  timeoutMs: number,
  errors: BackendErrors,
  onError: (e: Error) => void = () => undefined,
  via?: BackendVia,
): Promise<BackendAnswer> {
  if (via?.unreachable) {
    onError(new Error(via.unreachable));
    return Promise.reject(errors.failure());
  }
  const fault = backendFault(runtime.faults, url.hostname, Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
  if (fault) {
    if (fault.reset) return Promise.reject(errors.failure());
    if (fault.delayMs !== undefined && fault.delayMs >= timeoutMs) return new Promise((_, reject) => runtime.clock.setTimeout(() => reject(errors.timeout()), timeoutMs));
    const status = fault.status;
    if (status !== undefined) {
      return new Promise((resolve) =>
        runtime.clock.setTimeout(() => resolve({ status, headers: { 'content-type': 'text/plain' }, body: Buffer.from(`injected fault: ${status}\n`) }), fault.delayMs ?? 0),
      );
    }
    return new Promise((resolve, reject) =>
      runtime.clock.setTimeout(() => send(runtime, url, method, headers, body, timeoutMs - (fault.delayMs ?? 0), errors, onError, via).then(resolve, reject), fault.delayMs ?? 0),
    );
  }
  return send(runtime, url, method, headers, body, timeoutMs, errors, onError, via);
}

function send(
  runtime: Runtime,
  url: URL,
  method: string,
  headers: Record<string, string | string[]>,
  body: Buffer | undefined,
  timeoutMs: number,
  errors: BackendErrors,
  onError: (e: Error) => void,
  via?: BackendVia,
): Promise<BackendAnswer> {
  return new Promise<BackendAnswer>((resolve, reject) => {
    const tls = via?.connectTo ? via.connectTo.tls : url.protocol === 'https:';
    const lib = tls ? https : http;
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      timer.cancel();
      f();
    };
    const opts = { method, headers: { ...headers, host: url.host }, agent: agentFor(via, tls), rejectUnauthorized: false };
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE) {
          req.destroy();
          finish(() => reject(errors.tooLarge()));
        } else chunks.push(c);
      });
      res.on('end', () => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = v;
        finish(() => resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) }));
      });
      res.on('error', () => finish(() => reject(errors.failure())));
    };
    const c = via?.connectTo;
    // a private integration: the load balancer's socket, with the URL's path, Host and (for TLS) server name
    const req = c
      ? lib.request({ ...opts, hostname: c.host, port: c.port, path: url.pathname + url.search, servername: isIP(url.hostname) ? undefined : url.hostname }, onResponse)
      : lib.request(url, opts, onResponse);
    const timer = runtime.clock.setTimeout(() => {
      req.destroy();
      finish(() => reject(errors.timeout()));
    }, timeoutMs);
    req.on('error', (e) => {
      onError(e);
      finish(() => reject(errors.failure()));
    });
    req.end(body && body.length ? body : undefined);
  });
}
