// The ids API Gateway gives each request (x-amz-apigw-id, the X-Amzn-Trace-Id root), cut from a pool of random
// bytes refilled a few KB at a time rather than one randomBytes call per request.
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 8192;
let pool = Buffer.alloc(0);
let offset = 0;

function take(n: number): Buffer {
  if (offset + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const b = pool.subarray(offset, offset + n);
  offset += n;
  return b;
}

/** base64's letters and digits ('+' and '/' read as 'A', as before) */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789AA';

/** 14 base64 characters and '=', as x-amz-apigw-id looks. */
export function extendedRequestId(): string {
  const b = take(14);
  let s = '';
  for (let i = 0; i < 14; i++) s += ALPHABET[b[i]! & 63];
  return s + '=';
}

/** Root=1-{epoch seconds, hex}-{24 hex digits} */
export function traceId(nowMs: number): string {
  return `Root=1-${Math.floor(nowMs / 1000).toString(16)}-${take(12).toString('hex')}`;
}
