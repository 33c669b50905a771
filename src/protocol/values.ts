// Scalar conversions shared by the protocols: timestamps, blobs, numbers, booleans.
import { AwsError } from './errors.js';

export type TimestampFormat = 'iso8601' | 'rfc822' | 'unixTimestamp';

/** Anything a provider may hand back as a timestamp: Date, ISO string, or epoch milliseconds. */
export function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

export function formatTimestamp(value: unknown, format: TimestampFormat): string | number | undefined {
  const d = toDate(value);
  if (!d) return undefined;
  switch (format) {
    case 'unixTimestamp':
      return d.getTime() / 1000;
    case 'rfc822':
      return d.toUTCString();
    default:
      // AWS writes milliseconds only when present: 2024-01-02T03:04:05Z or 2024-01-02T03:04:05.123Z
      return d.getUTCMilliseconds() === 0 ? d.toISOString().replace('.000Z', 'Z') : d.toISOString();
  }
}

/** Parses a timestamp from the wire in any format AWS accepts (ISO 8601, RFC 822, epoch seconds). */
export function parseTimestamp(value: unknown, where: string): Date {
  let d: Date | undefined;
  if (typeof value === 'number') d = new Date(value * 1000);
  else if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value)) d = new Date(Number(value) * 1000);
    else d = new Date(value);
  }
  if (!d || Number.isNaN(d.getTime())) {
    throw new AwsError('SerializationException', `Value '${String(value)}' at '${where}' is not a valid timestamp`);
  }
  return d;
}

export function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value ?? null), 'utf8');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export function parseBase64(value: string, where: string): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (compact.length % 4 === 1 || !BASE64.test(compact)) {
    throw new AwsError('SerializationException', `Value at '${where}' is not valid base64`);
  }
  return Buffer.from(compact, 'base64');
}

export function isIntegerType(type: string): boolean {
  return type === 'integer' || type === 'long' || type === 'short' || type === 'byte';
}

export function isNumberType(type: string): boolean {
  return isIntegerType(type) || type === 'float' || type === 'double' || type === 'bigdecimal' || type === 'biginteger';
}

/** Parses a number written as text (query strings, headers, XML). */
export function parseNumberText(text: string, type: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (!isIntegerType(type) && (t === 'NaN' || t === 'Infinity' || t === '-Infinity')) return Number(t);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  if (isIntegerType(type) && !Number.isInteger(n)) return undefined;
  return n;
}

export function parseBooleanText(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  return undefined;
}

export function lowerFirst(s: string): string {
  return s.length ? s[0]!.toLowerCase() + s.slice(1) : s;
}

export function upperFirst(s: string): string {
  return s.length ? s[0]!.toUpperCase() + s.slice(1) : s;
}
