// CBOR (RFC 8949) for the smithy-rpc-v2-cbor protocol: a decoder that takes every well-formed item
// (major types 0–7, indefinite lengths, half/single/double floats, tags) and an encoder that writes the
// shortest heads. Dates are written as tag 1 (epoch seconds), buffers as byte strings.

export class CborError extends Error {}

/** A tag other than 1 (epoch date): kept as is so callers can decide. */
export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: unknown,
  ) {}
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const BREAK = Symbol('break');
const MAX_DEPTH = 200;

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new CborError('Unexpected end of CBOR data');
  }

  /** The argument of a head: a length, a count or an integer value. -1 means indefinite. */
  arg(info: number): number {
    if (info < 24) return info;
    switch (info) {
      case 24:
        this.need(1);
        return this.buf[this.pos++]!;
      case 25: {
        this.need(2);
        const v = this.view.getUint16(this.pos);
        this.pos += 2;
        return v;
      }
      case 26: {
        this.need(4);
        const v = this.view.getUint32(this.pos);
        this.pos += 4;
        return v;
      }
      case 27: {
        this.need(8);
        const hi = this.view.getUint32(this.pos);
        const lo = this.view.getUint32(this.pos + 4);
        this.pos += 8;
        // beyond 2^53 precision is lost, as for any JavaScript number
        return hi * 0x100000000 + lo;
      }
      case 31:
        return -1;
      default:
        throw new CborError(`Invalid CBOR additional information ${info}`);
    }
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  item(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new CborError('CBOR data is nested too deeply');
    this.need(1);
    const head = this.buf[this.pos++]!;
    const major = head >> 5;
    const info = head & 31;
    switch (major) {
      case 0:
        if (info === 31) throw new CborError('Indefinite length is not allowed for integers');
        return this.arg(info);
      case 1:
        if (info === 31) throw new CborError('Indefinite length is not allowed for integers');
        return -1 - this.arg(info);
      case 2:
      case 3: {
        const n = this.arg(info);
        if (n >= 0) {
          const b = this.bytes(n);
          return major === 2 ? Buffer.from(b) : decodeText(b);
        }
        // indefinite: definite chunks of the same major type until a break
        const chunks: Uint8Array[] = [];
        for (;;) {
          this.need(1);
          if (this.buf[this.pos] === 0xff) {
            this.pos++;
            break;
          }
          const h = this.buf[this.pos++]!;
          if (h >> 5 !== major) throw new CborError('Chunk of an indefinite-length string has the wrong type');
          const len = this.arg(h & 31);
          if (len < 0) throw new CborError('Nested indefinite-length string');
          chunks.push(this.bytes(len));
        }
        const all = Buffer.concat(chunks);
        return major === 2 ? all : decodeText(all);
      }
      case 4: {
        const n = this.arg(info);
        const out: unknown[] = [];
        if (n >= 0) {
          for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
        } else {
          for (;;) {
            const v = this.itemOrBreak(depth + 1);
            if (v === BREAK) break;
            out.push(v);
          }
        }
        return out;
      }
      case 5: {
        const n = this.arg(info);
        const out: Record<string, unknown> = {};
        for (let i = 0; n < 0 || i < n; i++) {
          const k = n < 0 ? this.itemOrBreak(depth + 1) : this.item(depth + 1);
          if (k === BREAK) break;
          const key = typeof k === 'string' ? k : String(k);
          const v = this.item(depth + 1);
          if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
          else out[key] = v;
        }
        return out;
      }
      case 6: {
        const tag = this.arg(info);
        if (tag < 0) throw new CborError('Indefinite length is not allowed for tags');
        const v = this.item(depth + 1);
        if (tag === 1) {
          if (typeof v !== 'number') throw new CborError('Tag 1 must wrap a number');
          return new Date(v * 1000);
        }
        return new CborTag(tag, v);
      }
      default:
        return this.simple(info);
    }
  }

  itemOrBreak(depth: number): unknown {
    this.need(1);
    if (this.buf[this.pos] === 0xff) {
      this.pos++;
      return BREAK;
    }
    return this.item(depth);
  }

  simple(info: number): unknown {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24:
        this.need(1);
        this.pos++;
        return undefined;
      case 25: {
        this.need(2);
        const v = halfToNumber(this.view.getUint16(this.pos));
        this.pos += 2;
        return v;
      }
      case 26: {
        this.need(4);
        const v = this.view.getFloat32(this.pos);
        this.pos += 4;
        return v;
      }
      case 27: {
        this.need(8);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        return v;
      }
      case 31:
        throw new CborError('Unexpected CBOR break');
      default:
        if (info < 20) return undefined; // unassigned simple values
        throw new CborError(`Invalid CBOR simple value ${info}`);
    }
  }
}

function decodeText(b: Uint8Array): string {
  try {
    return textDecoder.decode(b);
  } catch {
    throw new CborError('CBOR text string is not valid UTF-8');
  }
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Decodes one CBOR item that must fill the whole buffer. */
export function decodeCbor(buf: Uint8Array): unknown {
  const r = new Reader(buf);
  const v = r.item(0);
  if (r.pos !== buf.length) throw new CborError('Trailing bytes after the CBOR item');
  return v;
}

class Writer {
  buf = Buffer.allocUnsafe(256);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  head(major: number, n: number): void {
    const m = major << 5;
    if (n < 24) {
      this.ensure(1);
      this.buf[this.pos++] = m | n;
    } else if (n < 0x100) {
      this.ensure(2);
      this.buf[this.pos++] = m | 24;
      this.buf[this.pos++] = n;
    } else if (n < 0x10000) {
      this.ensure(3);
      this.buf[this.pos++] = m | 25;
      this.buf.writeUInt16BE(n, this.pos);
      this.pos += 2;
    } else if (n < 0x100000000) {
      this.ensure(5);
      this.buf[this.pos++] = m | 26;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      this.ensure(9);
      this.buf[this.pos++] = m | 27;
      this.buf.writeUInt32BE(Math.floor(n / 0x100000000), this.pos);
      this.buf.writeUInt32BE(n % 0x100000000, this.pos + 4);
      this.pos += 8;
    }
  }

  number(v: number): void {
    if (Number.isInteger(v) && Number.isSafeInteger(v) && !Object.is(v, -0)) {
      if (v >= 0) this.head(0, v);
      else this.head(1, -1 - v);
      return;
    }
    this.ensure(9);
    if (Math.fround(v) === v || Number.isNaN(v)) {
      this.buf[this.pos++] = 0xfa;
      this.buf.writeFloatBE(v, this.pos);
      this.pos += 4;
    } else {
      this.buf[this.pos++] = 0xfb;
      this.buf.writeDoubleBE(v, this.pos);
      this.pos += 8;
    }
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        return this.number(v);
      case 'string': {
        const len = Buffer.byteLength(v, 'utf8');
        this.head(3, len);
        this.ensure(len);
        this.pos += this.buf.write(v, this.pos, 'utf8');
        return;
      }
      case 'boolean':
        this.ensure(1);
        this.buf[this.pos++] = v ? 0xf5 : 0xf4;
        return;
      case 'bigint':
        if (v >= 0n) this.head(0, Number(v));
        else this.head(1, Number(-1n - v));
        return;
      case 'undefined':
        this.ensure(1);
        this.buf[this.pos++] = 0xf7;
        return;
      case 'object':
        break;
      default:
        throw new CborError(`Cannot encode a ${typeof v} as CBOR`);
    }
    if (v === null) {
      this.ensure(1);
      this.buf[this.pos++] = 0xf6;
    } else if (v instanceof Date) {
      this.head(6, 1);
      this.number(v.getTime() / 1000);
    } else if (v instanceof Uint8Array) {
      this.head(2, v.length);
      this.ensure(v.length);
      this.buf.set(v, this.pos);
      this.pos += v.length;
    } else if (Array.isArray(v)) {
      this.head(4, v.length);
      for (const item of v) this.value(item);
    } else if (v instanceof CborTag) {
      this.head(6, v.tag);
      this.value(v.value);
    } else {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>);
      let n = 0;
      for (const [, x] of entries) if (x !== undefined) n++;
      this.head(5, n);
      for (const [k, x] of entries) {
        if (x === undefined) continue;
        this.value(String(k));
        this.value(x);
      }
    }
  }
}

/** Encodes a value: objects become maps (undefined members left out), Dates tag 1, buffers byte strings. */
export function encodeCbor(value: unknown): Buffer {
  const w = new Writer();
  w.value(value);
  return w.buf.subarray(0, w.pos);
}
