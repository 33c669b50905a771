// A lean HTTP/1.1 client for the Lambda Runtime API: the bootstrap's only peer, local and fixed. It writes
// requests by hand and parses responses with Content-Length or chunked bodies over kept-alive sockets, which
// costs a fraction of node:http's per-request work (AWS's own client is native code for the same reason).
// Idle sockets are unref'd so that they never keep the event loop alive: the runtime's callback semantics
// depend on the loop emptying.
import net from 'node:net';

const CRLF2 = Buffer.from('\r\n\r\n');

class Connection {
  constructor(host, port, socketPath, onIdle) {
    if (socketPath) this.socket = net.connect(socketPath);
    else {
      this.socket = net.connect(port, host);
      this.socket.setNoDelay(true);
    }
    this.buf = null;
    this.pending = []; // { resolve, reject, gotBytes }, in request order
    this.reusable = true;
    this.used = false;
    this.onIdle = onIdle;
    this.socket.on('data', (d) => {
      this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
      if (this.pending.length) this.pending[0].gotBytes = true;
      while (this.pending.length && this.buf && this.parse());
    });
    const fail = (err) => {
      this.reusable = false;
      const pending = this.pending;
      this.pending = [];
      // an error of its own for each request: only the first may be retried on its own account
      pending.forEach((p, i) =>
        p.reject(Object.assign(new Error(err?.message ?? 'Runtime API connection closed', { cause: err }), { retriable: i === 0 && !p.gotBytes && this.used })),
      );
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('Runtime API connection closed')));
  }

  /** Writes requests (pipelined when several: one segment) and resolves their answers in order. */
  send(requests) {
    const promises = requests.map(() => new Promise((resolve, reject) => this.pending.push({ resolve, reject, gotBytes: false })));
    this.socket.ref();
    const parts = [];
    for (const { head, body } of requests) {
      parts.push(head);
      if (body && body.length) parts.push(body);
    }
    if (parts.length === 1) this.socket.write(parts[0]);
    else {
      // corked writes leave as a single writev
      this.socket.cork();
      for (const p of parts) this.socket.write(p);
      this.socket.uncork();
    }
    return promises;
  }

  /** Takes one complete answer off the buffer for the oldest pending request; false when there is none yet. */
  parse() {
    const buf = this.buf;
    if (!buf || !this.pending.length) return false;
    const end = buf.indexOf(CRLF2);
    if (end < 0) return false;
    const lines = buf.toString('latin1', 0, end).split('\r\n');
    const status = Number(lines[0].slice(9, 12));
    const headers = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const c = line.indexOf(':');
      if (c <= 0) continue;
      const name = line.slice(0, c).trim().toLowerCase();
      const value = line.slice(c + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    let body;
    let next;
    if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
      const parts = [];
      let pos = end + 4;
      for (;;) {
        const le = buf.indexOf('\r\n', pos);
        if (le < 0) return false;
        const size = parseInt(buf.toString('latin1', pos, le), 16);
        if (size === 0) {
          // trailer lines (ignored), then an empty line
          let t = le + 2;
          for (;;) {
            const e = buf.indexOf('\r\n', t);
            if (e < 0) return false;
            if (e === t) break;
            t = e + 2;
          }
          next = t + 2;
          break;
        }
        if (buf.length < le + 2 + size + 2) return false;
        parts.push(buf.subarray(le + 2, le + 2 + size));
        pos = le + 2 + size + 2;
      }
      body = Buffer.concat(parts).toString('utf8');
    } else {
      const len = Number(headers['content-length'] ?? 0);
      if (buf.length < end + 4 + len) return false;
      body = buf.toString('utf8', end + 4, end + 4 + len);
      next = end + 4 + len;
    }
    this.buf = next < buf.length ? buf.subarray(next) : null;
    if ((headers.connection ?? '').toLowerCase() === 'close') this.reusable = false;
    const p = this.pending.shift();
    this.used = true;
    if (!this.reusable) {
      this.socket.destroy();
    } else if (!this.pending.length) {
      this.socket.unref();
      this.onIdle(this);
    }
    p.resolve({ status, headers, body });
    return true;
  }
}

export class RuntimeApiClient {
  /** `socketPath`: the same API on a Unix socket (Cumulus serves one to its own runtimes: cheaper per exchange) */
  constructor(address, socketPath) {
    this.socketPath = socketPath || undefined;
    const i = address.lastIndexOf(':');
    this.host = address.slice(0, i) || '127.0.0.1';
    this.port = Number(address.slice(i + 1)) || 80;
    this.hostHeader = address;
    this.idle = [];
  }

  /** method, path, optional body (string) and extra header lines ("Name: value\r\n" …). */
  async request(method, path, body, extraHeaders = '') {
    return this.pipeline([{ method, path, body, extraHeaders }])[0];
  }

  /** Several requests written together on one connection (HTTP/1.1 pipelining); a promise per answer. Only
   *  the first is retried when a kept-alive socket turns out closed. */
  pipeline(requests) {
    const framed = requests.map(({ method, path, body, extraHeaders = '' }) => {
      const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
      const head =
        `${method} ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nUser-Agent: cumulus-lambda-nodejs\r\n${extraHeaders}` +
        (payload ? `Content-Length: ${payload.length}\r\n\r\n` : '\r\n');
      return { head, body: payload };
    });
    const attempt = () => {
      let conn = this.idle.pop();
      while (conn && !conn.reusable) conn = this.idle.pop();
      conn ??= new Connection(this.host, this.port, this.socketPath, (c) => this.idle.push(c));
      return conn.send(framed);
    };
    const first = attempt();
    // a kept-alive socket the server closed while idle: the lot once more on a fresh one
    let retried;
    const again = () => (retried ??= attempt());
    return first.map((p, i) =>
      p.catch((err) => {
        if (!err.retriable && !(i > 0 && retried)) throw err;
        return again()[i];
      }),
    );
  }
}
