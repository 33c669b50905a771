// The load balancer's side towards its targets: HTTP/1.1 over a pool of keep-alive connections per
// target, with a small response parser. node:http's client (ClientRequest, Agent, IncomingMessage and the
// stream plumbing between them) cost more CPU per request than the socket writes themselves; a proxy only
// needs the status, the raw header lines and the body bytes, so this reads them straight off the socket.
// The request goes out in one write (head and a buffered body together).
import net from 'node:net';
import tls from 'node:tls';
import type { Readable } from 'node:stream';
import { ResponseParser } from './upstream-parser.js';

export interface UpstreamRequest {
  host: string;
  port: number;
  secure: boolean;
  method: string;
  /** path and query as sent on the request line */
  target: string;
  /** header lines (name, value, name, value …), hop-by-hop ones already removed */
  headers: string[];
  /** the whole body when it is already read; otherwise `stream` is sent, or no body when neither */
  body?: Buffer;
  stream?: { source: Readable; length?: number };
  /** socket inactivity allowed while the request is out (ELB's idle timeout) */
  timeoutMs: number;
}

export interface UpstreamHandlers {
  head(status: number, rawHeaders: string[]): void;
  /** a piece of the body; returns false to ask for a pause until resume() */
  data(chunk: Buffer): boolean;
  end(): void;
  /** the bytes of one read from the target have all been handed over (a moment to write them out together) */
  read(): void;
  /** 'timeout' when the target went quiet past the idle timeout; 'error' for refused, reset or bad HTTP */
  fail(kind: 'timeout' | 'error'): void;
}

export interface UpstreamCall {
  pause(): void;
  resume(): void;
  /** gives up on the request (the client went away): the connection is not reused */
  abort(): void;
}

const MAX_IDLE_PER_TARGET = 64;
/** idle pooled connections are closed after this (below node's default server keep-alive of 5 s) */
const IDLE_MS = 4_000;

/** What a connection's events go to while it carries a request. */
interface Active {
  data(d: Buffer): void;
  end(): void;
  error(kind: 'timeout' | 'error'): void;
}

/**
 * One connection to a target. Its listeners are attached once and dispatch to the request it carries, so
 * a reused connection costs no listener churn per request.
 */
class Conn {
  active: Active | undefined;
  idleSince = 0;
  private timeoutMs = 0;
  closed = false;

  constructor(
    readonly socket: net.Socket,
    readonly key: string,
  ) {
    socket.on('data', (d: Buffer) => (this.active ? this.active.data(d) : this.destroy()));
    socket.on('end', () => (this.active ? this.active.end() : this.destroy()));
    socket.on('error', () => (this.active ? this.active.error('error') : this.destroy()));
    socket.on('timeout', () => (this.active ? this.active.error('timeout') : this.destroy()));
    socket.on('close', () => {
      this.closed = true;
      forget(this);
      this.active?.error('error');
    });
  }

  /** Arms the inactivity timeout (unchanged values cost nothing). */
  timeout(ms: number): void {
    if (ms !== this.timeoutMs) this.socket.setTimeout((this.timeoutMs = ms));
  }

  destroy(): void {
    this.active = undefined;
    this.closed = true;
    forget(this);
    this.socket.destroy();
  }
}

const pools = new Map<string, Conn[]>();
let sweeper: ReturnType<typeof setInterval> | undefined;

function forget(c: Conn): void {
  const list = pools.get(c.key);
  const i = list ? list.indexOf(c) : -1;
  if (i >= 0) list!.splice(i, 1);
}

function poolKey(r: UpstreamRequest): string {
  return `${r.secure ? 's' : ''}${r.host}:${r.port}`;
}

function connect(r: UpstreamRequest, key: string): Conn {
  const s = r.secure
    ? tls.connect({ host: r.host, port: r.port, rejectUnauthorized: false, ...(net.isIP(r.host) ? {} : { servername: r.host }) })
    : net.connect({ host: r.host, port: r.port });
  s.setNoDelay(true);
  return new Conn(s, key);
}

function takeIdle(key: string): Conn | undefined {
  const list = pools.get(key);
  while (list?.length) {
    const c = list.pop()!;
    if (!c.closed && c.socket.readable && c.socket.writable) {
      c.socket.ref();
      return c;
    }
    c.destroy();
  }
  return undefined;
}

function putIdle(c: Conn): void {
  c.active = undefined;
  let list = pools.get(c.key);
  if (!list) pools.set(c.key, (list = []));
  if (list.length >= MAX_IDLE_PER_TARGET || c.closed) return c.destroy();
  c.idleSince = performance.now();
  c.socket.unref();
  // a paused socket (the client was slow) must read again to notice the target closing it
  c.socket.resume();
  list.push(c);
  // wall-clock housekeeping (not AWS-visible): idle connections go before the target's keep-alive ends
  sweeper ??= setInterval(sweep, 1_000).unref();
}

function sweep(): void {
  const old = performance.now() - IDLE_MS;
  for (const list of pools.values()) for (const c of list.filter((x) => x.idleSince < old)) c.destroy();
}

/** Closes every pooled connection (Cumulus stops). */
export function closeUpstreams(): void {
  for (const list of pools.values()) for (const c of list.slice()) c.destroy();
  pools.clear();
  if (sweeper) clearInterval(sweeper);
  sweeper = undefined;
}

function headText(r: UpstreamRequest, bodyLength: number | undefined, chunked: boolean): string {
  let text = `${r.method} ${r.target} HTTP/1.1\r\n`;
  let host = false;
  const h = r.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') continue;
    if (name.length === 4 && name.toLowerCase() === 'host') host = true;
    text += `${name}: ${h[i + 1]}\r\n`;
  }
  if (!host) text += `Host: ${r.host}:${r.port}\r\n`;
  if (bodyLength !== undefined) text += `Content-Length: ${bodyLength}\r\n`;
  if (chunked) text += 'Transfer-Encoding: chunked\r\n';
  return `${text}Connection: keep-alive\r\n\r\n`;
}

/** Sends one request to a target; the handlers hear the answer (or the failure) exactly once. */
export function callUpstream(r: UpstreamRequest, h: UpstreamHandlers): UpstreamCall {
  const key = poolKey(r);
  let conn: Conn;
  let reused = false;
  let done = false;
  let gotBytes = false;
  let parser: ResponseParser;
  const streamed = r.stream;

  const finish = (reusable: boolean) => {
    done = true;
    if (streamed) streamed.source.off('data', onBodyData).off('end', onBodyEnd);
    // a target that answered before reading the whole request leaves the connection unusable
    if (reusable && !streamed?.source.readable && conn.socket.writableLength === 0) putIdle(conn);
    else conn.destroy();
  };
  const failWith = (kind: 'timeout' | 'error') => {
    if (done) return;
    // a pooled connection the target had already closed: try once more on a new one, if nothing was lost
    if (kind === 'error' && reused && !gotBytes && !streamed) {
      conn.destroy();
      start(false);
      return;
    }
    done = true;
    conn.destroy();
    h.fail(kind);
  };
  const onBodyData = (c: Buffer) => {
    const ok = conn.socket.write(streamed!.length === undefined ? Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, CRLF]) : c);
    if (!ok) {
      streamed!.source.pause();
      conn.socket.once('drain', () => streamed!.source.resume());
    }
  };
  const onBodyEnd = () => {
    if (streamed!.length === undefined && !conn.closed) conn.socket.write('0\r\n\r\n');
  };
  const events = {
    head: (status: number, raw: string[]) => h.head(status, raw),
    data: (c: Buffer) => {
      if (!h.data(c)) conn.socket.pause();
    },
    end: (reusable: boolean) => {
      if (done) return;
      finish(reusable);
      h.end();
    },
  };
  const active: Active = {
    data(d) {
      gotBytes = true;
      if (done) return;
      if (!parser.push(d)) return failWith('error');
      if (!done) h.read();
    },
    end() {
      if (done) return;
      if (!parser.close()) failWith('error');
    },
    error: failWith,
  };

  const start = (mayReuse: boolean) => {
    const idle = mayReuse ? takeIdle(key) : undefined;
    reused = idle !== undefined;
    conn = idle ?? connect(r, key);
    conn.active = active;
    conn.timeout(r.timeoutMs);
    gotBytes = false;
    parser = new ResponseParser(r.method === 'HEAD', events);
    const socket = conn.socket;
    if (r.body !== undefined) {
      const head = headText(r, r.body.length || r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH' ? r.body.length : undefined, false);
      socket.write(r.body.length ? Buffer.concat([Buffer.from(head, 'latin1'), r.body]) : head, 'latin1');
    } else if (streamed) {
      socket.write(headText(r, streamed.length, streamed.length === undefined), 'latin1');
      streamed.source.on('data', onBodyData).on('end', onBodyEnd);
      streamed.source.resume();
    } else socket.write(headText(r, undefined, false), 'latin1');
  };
  start(true);
  return {
    pause: () => {
      if (!done) conn.socket.pause();
    },
    resume: () => {
      if (!done) conn.socket.resume();
    },
    abort: () => {
      if (done) return;
      done = true;
      if (streamed) streamed.source.off('data', onBodyData).off('end', onBodyEnd);
      conn.destroy();
    },
  };
}

const CRLF = Buffer.from('\r\n');
