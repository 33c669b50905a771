// Shared pieces of the extra API Gateway tests: an https backend that reports the client certificate it was
// shown, a plain http backend echoing what it got, and advancing the clock.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { issueSelfSigned } from '../../src/services/acm/issue.js';

export interface Backend {
  url: string;
  port: number;
  close(): Promise<void>;
}

function answer(req: http.IncomingMessage, res: http.ServerResponse, extra: Record<string, unknown>): void {
  const chunks: Buffer[] = [];
  req.on('data', (d: Buffer) => chunks.push(d));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, body: Buffer.concat(chunks).toString(), ...extra }));
  });
}

async function listen(server: http.Server, scheme: string): Promise<Backend> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An https server asking for (not requiring) a client certificate: answers with the fingerprint it was shown. */
export function certReportingBackend(): Promise<Backend> {
  const now = Date.now();
  const own = issueSelfSigned('backend.test', [], new Date(now - 60_000), new Date(now + 86_400_000), 'RSA_2048');
  const server = https.createServer({ cert: own.certificatePem, key: own.privateKeyPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    answer(req, res, { clientFingerprint: peer && peer.fingerprint256 ? peer.fingerprint256 : null });
  });
  return listen(server, 'https');
}

/** A plain http server echoing the request. */
export function echoBackend(name: string): Promise<Backend> {
  return listen(http.createServer((req, res) => answer(req, res, { name })), 'http');
}

export async function advance(c: { url: string }, seconds: number): Promise<void> {
  const res = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(`clock advance: ${res.status}`);
}

export const stageUrl = (c: { url: string }, apiId: string, stage: string) => `${c.url}/_aws/execute-api/${apiId}/${stage}`;
