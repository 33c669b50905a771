// Strict mode: SigV4 signatures verified as AWS does (canonical request, scope, signing key, time window).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../protocol/errors.js';
import { type Credential, type WireRequest, headerValue } from '../protocol/identify.js';

const FIVE_MINUTES = 5 * 60 * 1000;

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function parseAmzDate(s: string | undefined): number | undefined {
  const m = s && /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  if (!m) return undefined;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function canonicalPath(rawPath: string, service: string): string {
  if (service === 's3') return rawPath || '/';
  // every other service signs the already-encoded path encoded once more
  const segments = (rawPath || '/').split('/').map((seg) => rfc3986(seg));
  return segments.join('/') || '/';
}

function canonicalQuery(query: URLSearchParams): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of query) if (k !== 'X-Amz-Signature') pairs.push([rfc3986(k), rfc3986(v)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

const fail = (code: string, message: string) => new AwsError(code, message, { status: 403 });

export function verifySigV4(req: WireRequest, credential: Credential | undefined, secretFor: (akid: string) => string | undefined, now: number): void {
  const auth = headerValue(req.headers, 'authorization');
  const presigned = req.query.get('X-Amz-Signature');
  if (!auth && !presigned) throw fail('MissingAuthenticationToken', 'Request is missing Authentication Token');
  if (!credential?.accessKeyId || !credential.date || !credential.region || !credential.service) {
    throw fail('IncompleteSignature', 'The request signature does not conform to AWS standards.');
  }
  const secret = secretFor(credential.accessKeyId);
  if (!secret) throw fail('InvalidClientTokenId', 'The security token included in the request is invalid.');

  let signedHeaders: string;
  let signature: string;
  let amzDate: string | undefined;
  if (auth) {
    const sh = /SignedHeaders=([^,\s]+)/.exec(auth);
    const sig = /Signature=([0-9a-f]+)/.exec(auth);
    if (!sh || !sig) throw fail('IncompleteSignature', 'The request signature does not conform to AWS standards.');
    signedHeaders = sh[1]!;
    signature = sig[1]!;
    amzDate = headerValue(req.headers, 'x-amz-date');
  } else {
    signedHeaders = req.query.get('X-Amz-SignedHeaders') ?? 'host';
    signature = presigned!;
    amzDate = req.query.get('X-Amz-Date') ?? undefined;
  }
  const time = parseAmzDate(amzDate);
  if (time === undefined) throw fail('IncompleteSignature', 'The request must contain a valid X-Amz-Date.');
  if (auth && Math.abs(now - time) > FIVE_MINUTES) {
    throw fail('SignatureDoesNotMatch', `Signature expired: ${amzDate} is now earlier or later than the allowed 5 minute window.`);
  }
  if (presigned) {
    const expires = Number(req.query.get('X-Amz-Expires') ?? '900');
    if (now > time + expires * 1000) throw fail('AccessDenied', 'Request has expired');
  }

  const headerLines = signedHeaders.split(';').map((name) => {
    const raw = req.headers[name];
    const value = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).trim().replace(/\s+/g, ' ');
    return `${name}:${value}\n`;
  });
  const payloadHash = headerValue(req.headers, 'x-amz-content-sha256') ?? (presigned ? 'UNSIGNED-PAYLOAD' : sha256hex(req.body));
  const canonical = [req.method, canonicalPath(req.path, credential.service), canonicalQuery(req.query), headerLines.join(''), signedHeaders, payloadHash].join('\n');
  const scope = `${credential.date}/${credential.region}/${credential.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  const expected = createHmac('sha256', signingKey(secret, credential.date, credential.region, credential.service)).update(stringToSign).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw fail(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
}
