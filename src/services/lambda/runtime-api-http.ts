// One connection of a Runtime API listener: a minimal HTTP/1.1 server side for the only peer it ever has, a
// runtime on this machine. Requests (Content-Length or chunked bodies, trailers) are parsed as they arrive,
// pipelined requests included; answers go out in request order, each in one write. An answer to a response
// POST may be held while the runtime has already asked for its next event on the same connection: both then
// leave in one write, when that event is there (see runtime-api.ts).
import http from 'node:http';
import type net from 'node:net';

/** the most a request head may take */
const MAX_HEAD = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const CRLF2 = Buffer.from('\r\n\r\n');

export interface ParsedRequest {
  method: string;
  url: string;
  /** the body, or undefined when it was larger than the connection's limit */
  body: Buffer | undefined;
  /** body bytes seen */
  size: number;
  header(name: string): string | undefined;
  trailer(name: string): string | undefined;
}

/** An answer, in request order: data once it is known. */
export interface Slot {
  data: Buffer[] | undefined;
  /** may wait for the answer after it (a pipelined invocation/next), to leave together */
  hold: boolean;
  close: boolean;
}

type Phase =
  | { kind: 'head' }
  | { kind: 'fixed'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' };

class Request implements ParsedRequest {
  parts: Buffer[] = [];
  size = 0;
  trailers: Map<string, string> | undefined;
  constructor(
    readonly method: string,
    readonly url: string,
    private readonly headers: Map<string, string>,
    private readonly limit: number,
  ) {}
  header(name: string): string | undefined {
    return this.headers.get(name);
  }
  trailer(name: string): string | undefined {
    return this.trailers?.get(name);
  }
  /** receives the body as it arrives (a streamed response), when the request asked for that */
  sink: ((data: Buffer) => void) | undefined;
  add(b: Buffer): void {
    if (this.sink && b.length) this.sink(b);
    this.size += b.length;
    if (this.size <= this.limit) this.parts.push(b);
    else this.parts.length = 0;
  }
  get body(): Buffer | undefined {
    if (this.size > this.limit) return undefined;
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
  }
}

function parseFields(text: string, into: Map<string, string>): void {
  for (const line of text.split('\r\n')) {
    const c = line.indexOf(':');
    if (c <= 0) continue;
    const name = line.slice(0, c).trim().toLowerCase();
    const value = line.slice(c + 1).trim();
    const had = into.get(name);
    into.set(name, had === undefined ? value : `${had}, ${value}`);
  }
}

/** The bytes of a JSON answer. The 202 (accepted) answers recur on every invocation and never vary with the
 *  request: those are kept (never mutated: written as they are, or copied by Buffer.concat). */
const accepted = new Map<string, Buffer[]>();

function answerBytes(status: number, json: string): Buffer[] {
  const known = status === 202 ? accepted.get(json) : undefined;
  if (known) return known;
  const body = Buffer.from(json);
  const head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
  const data = [Buffer.from(head, 'latin1'), body];
  if (status === 202 && accepted.size < 8) accepted.set(json, data);
  return data;
}

export class RuntimeConnection {
  closed = false;
  private buf: Buffer = Buffer.alloc(0);
  private phase: Phase = { kind: 'head' };
  private req: Request | undefined;
  private readonly slots: Slot[] = [];

  constructor(
    private readonly socket: net.Socket,
    private readonly bodyLimit: number,
    private readonly onRequest: (r: ParsedRequest) => void,
    /** called once a request's head is in: may return where its body should go as it arrives */
    private readonly onHead?: (r: ParsedRequest) => ((data: Buffer) => void) | undefined,
  ) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.pump();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
    });
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** A place for an answer that comes later (invocation/next). */
  reserve(): Slot {
    const s: Slot = { data: undefined, hold: false, close: false };
    this.slots.push(s);
    return s;
  }

  fill(slot: Slot, head: string, body: Buffer): void {
    slot.data = [Buffer.from(head, 'latin1'), body];
    this.flush();
  }

  /** A JSON answer. `holdable`: it may wait for the answer to a request pipelined behind it (see flush); with
   *  none, it goes after the current turn, once the invoker has answered its own caller. */
  answer(status: number, json: string, holdable = false): void {
    const s: Slot = { data: answerBytes(status, json), hold: holdable, close: false };
    this.slots.push(s);
    if (holdable) {
      setImmediate(() => {
        // nothing asked behind it: the runtime waits for this answer
        if (this.slots[this.slots.length - 1] === s) s.hold = false;
        this.flush();
      });
    } else this.flush();
  }

  /** Writes the answers that are ready, in order, in one write; a held answer waits for the one after it. */
  private flush(): void {
    if (this.closed) return;
    let n = 0;
    while (n < this.slots.length && this.slots[n]!.data) n++;
    while (n > 0 && this.slots[n - 1]!.hold) n--;
    if (!n) return;
    // one write of everything ready (usually a 202 and the next event: three buffers)
    const bufs: Buffer[] = [];
    let close = false;
    for (let i = 0; i < n; i++) {
      const s = this.slots[i]!;
      for (const b of s.data!) bufs.push(b);
      if (s.close) close = true;
    }
    if (n === this.slots.length) this.slots.length = 0;
    else this.slots.splice(0, n);
    this.socket.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
    if (close) this.socket.end();
  }

  private bad(): void {
    this.closed = true;
    this.socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  }

  /** Parses what has arrived: as many requests as are complete. */
  private pump(): void {
    while (!this.closed && !this.ending) {
      const p = this.phase;
      if (p.kind === 'head') {
        const end = this.buf.indexOf(CRLF2);
        if (end < 0) {
          if (this.buf.length > MAX_HEAD) this.bad();
          return;
        }
        const text = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end + 4);
        const eol = text.indexOf('\r\n');
        const [method, url, version] = (eol < 0 ? text : text.slice(0, eol)).split(' ');
        if (!method || !url || !version?.startsWith('HTTP/1.')) return this.bad();
        const headers = new Map<string, string>();
        if (eol >= 0) parseFields(text.slice(eol + 2), headers);
        this.req = new Request(method, url, headers, this.bodyLimit);
        this.req.sink = this.onHead?.(this.req);
        if ((headers.get('connection') ?? '').toLowerCase() === 'close' || version === 'HTTP/1.0') this.closeAfter = true;
        if ((headers.get('transfer-encoding') ?? '').toLowerCase().includes('chunked')) this.phase = { kind: 'chunk-size' };
        else {
          const len = Number(headers.get('content-length') ?? 0);
          if (!Number.isSafeInteger(len) || len < 0) return this.bad();
          this.phase = { kind: 'fixed', left: len };
        }
        continue;
      }
      if (p.kind === 'fixed' || p.kind === 'chunk-data') {
        if (p.left > 0) {
          if (!this.buf.length) return;
          const take = Math.min(p.left, this.buf.length);
          this.req!.add(this.buf.subarray(0, take));
          this.buf = this.buf.subarray(take);
          p.left -= take;
          if (p.left > 0) return;
        }
        if (p.kind === 'fixed') this.complete();
        else this.phase = { kind: 'chunk-end' };
        continue;
      }
      if (p.kind === 'chunk-end') {
        if (this.buf.length < 2) return;
        this.buf = this.buf.subarray(2);
        this.phase = { kind: 'chunk-size' };
        continue;
      }
      const eol = this.buf.indexOf(CRLF);
      if (eol < 0) {
        if (this.buf.length > MAX_HEAD) this.bad();
        return;
      }
      const line = this.buf.toString('latin1', 0, eol);
      if (p.kind === 'chunk-size') {
        this.buf = this.buf.subarray(eol + 2);
        const size = parseInt(line, 16);
        if (!Number.isFinite(size) || size < 0) return this.bad();
        this.phase = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', left: size };
        continue;
      }
      // trailers: field lines up to an empty line
      if (eol === 0) {
        this.buf = this.buf.subarray(2);
        this.complete();
        continue;
      }
      const end = this.buf.indexOf(CRLF2);
      if (end < 0) {
        if (this.buf.length > MAX_HEAD) this.bad();
        return;
      }
      const trailers = new Map<string, string>();
      parseFields(this.buf.toString('latin1', 0, end), trailers);
      this.req!.trailers = trailers;
      this.buf = this.buf.subarray(end + 4);
      this.complete();
    }
  }

  /** the runtime asked to close after the request being answered: nothing more is read */
  private closeAfter = false;
  private ending = false;

  private complete(): void {
    const r = this.req!;
    this.req = undefined;
    this.phase = { kind: 'head' };
    const before = this.slots.length;
    try {
      this.onRequest(r);
    } catch {
      if (this.slots.length === before) this.answer(500, JSON.stringify({ errorMessage: 'Internal error', errorType: 'ServiceException' }));
    }
    if (this.closeAfter) {
      this.ending = true;
      const last = this.slots[this.slots.length - 1];
      if (!last) return void this.socket.end();
      last.close = true;
      last.hold = false;
      this.flush();
    }
  }
}
