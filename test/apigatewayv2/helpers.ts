// Helpers for the HTTP API tests: requests to a deployed API by Host header (fetch cannot set Host) or by the
// path form, and a local HTTP backend that records what it was sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json<T = any>(): T;
}

/** A request to {apiId}.execute-api.localhost:{port}{path}. */
export function callApi(c: { port: number }, apiId: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: c.port, path, method: init.method ?? 'GET', headers: { host: init.host ?? `${apiId}.execute-api.localhost:${c.port}`, ...init.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export interface Backend {
  url: string;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  /** requests to paths starting with /slow are held until close() */
  close(): Promise<void>;
}

/** A local HTTP server answering JSON with what it received. */
export async function startBackend(): Promise<Backend> {
  const requests: Backend['requests'] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      if (req.url!.startsWith('/slow')) return void held.push(res);
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': 'yes', 'access-control-allow-origin': 'https://evil.example' });
      res.end(JSON.stringify(r));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
