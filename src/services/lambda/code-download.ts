// GetFunction's Code.Location and GetLayerVersion's Content.Location: a pre-signed-style URL on Cumulus
// that serves the zip for 10 minutes of the clock, as AWS's S3 pre-signed URLs do.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { HttpResult } from '../../protocol/wire.js';
import type { Runtime } from '../../server/context.js';
import { zipFile } from './code-package.js';

const PREFIX = '/_aws/lambda/code/';
const VALID_MS = 10 * 60_000;
/** signing key of this process: links from before a restart expire, as they would within minutes anyway */
const key = randomBytes(32);

function sign(hex: string, expires: number): string {
  return createHmac('sha256', key).update(`${hex}.${expires}`).digest('base64url').slice(0, 32);
}

export function codeLocation(rt: { clock: { now(): number } }, baseUrl: string, hex: string): string {
  const expires = rt.clock.now() + VALID_MS;
  return `${baseUrl}${PREFIX}${hex}.${expires}.${sign(hex, expires)}.zip`;
}

function xmlError(status: number, code: string, message: string): HttpResult {
  return {
    status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}

/** The data plane serving those URLs (GET and HEAD). */
export function codeDownloadPlane(runtime: Runtime) {
  return (req: { method: string; path: string }): HttpResult | undefined => {
    if (!req.path.startsWith(PREFIX)) return undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') return xmlError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    const m = /^([0-9a-f]{64})\.(\d+)\.([A-Za-z0-9_-]+)\.zip$/.exec(req.path.slice(PREFIX.length));
    if (!m) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
    const [, hex, expiresText, sig] = m as unknown as [string, string, string, string];
    const expires = Number(expiresText);
    const want = Buffer.from(sign(hex, expires));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return xmlError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    if (runtime.clock.now() > expires) return xmlError(403, 'AccessDenied', 'Request has expired');
    let body: Buffer;
    try {
      body = fs.readFileSync(zipFile(runtime.store, hex));
    } catch {
      return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/zip', 'content-length': String(body.length) },
      body: req.method === 'HEAD' ? '' : body,
    };
  };
}
