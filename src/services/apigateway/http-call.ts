// Calls an HTTP backend for HTTP and HTTP_PROXY integrations, bounded by the integration's timeout on the
// virtual clock (504 "Endpoint request timed out" past it).
import http from 'node:http';
import https from 'node:https';
import type { Runtime } from '../../server/context.js';
import { GatewayError } from './gateway-errors.js';

export interface BackendAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const agentHttp = new http.Agent({ keepAlive: true, maxSockets: 256 });
const agentHttps = new https.Agent({ keepAlive: true, maxSockets: 256 });

const MAX_RESPONSE = 10 * 1024 * 1024;

export function callHttp(runtime: Runtime, url: URL, method: string, headers: Record<string, string | string[]>, body: Buffer | undefined, timeoutMs: number): Promise<BackendAnswer> {
  return new Promise<BackendAnswer>((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      timer.cancel();
      f();
    };
    const req = lib.request(
      url,
      { method, headers: { ...headers, host: url.host }, agent: url.protocol === 'https:' ? agentHttps : agentHttp, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE) {
            req.destroy();
            finish(() => reject(new GatewayError('INTEGRATION_FAILURE', 'Internal server error', 502)));
          } else chunks.push(c);
        });
        res.on('end', () => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = v;
          finish(() => resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) }));
        });
        res.on('error', () => finish(() => reject(new GatewayError('INTEGRATION_FAILURE', 'Internal server error', 500))));
      },
    );
    const timer = runtime.clock.setTimeout(() => {
      req.destroy();
      finish(() => reject(new GatewayError('INTEGRATION_TIMEOUT', 'Endpoint request timed out', 504)));
    }, timeoutMs);
    req.on('error', (e) => {
      runtime.log.warn(`apigateway: Execution failed due to an error calling ${url.origin}: ${e.message}`);
      finish(() => reject(new GatewayError('INTEGRATION_FAILURE', 'Internal server error', 500)));
    });
    req.end(body && body.length ? body : undefined);
  });
}
