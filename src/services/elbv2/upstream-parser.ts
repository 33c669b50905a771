// An HTTP/1.x response parser for the load balancer's target connections: status line and header lines,
// then the body framed by Content-Length, chunked coding or the connection's end. Interim 1xx answers are
// skipped; anything malformed is refused (the load balancer answers 502 then, as ELB does).

/** The most header bytes a target may send (ALB's own limit on response headers is 32 KB; be lenient). */
const MAX_HEAD = 64 * 1024;
const MAX_CHUNK_LINE = 4096;

export interface ResponseEvents {
  head(status: number, rawHeaders: string[]): void;
  data(chunk: Buffer): void;
  /** the response is complete; reusable says whether the connection may carry another request */
  end(reusable: boolean): void;
}

type State = 'head' | 'fixed' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailer' | 'close' | 'done';

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;

export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer | undefined;
  private line = '';
  private remaining = 0;
  private keepAlive = true;

  constructor(
    private readonly headRequest: boolean,
    private readonly on: ResponseEvents,
  ) {}

  /** Feeds bytes from the connection; false when they are not a valid response. */
  push(d: Buffer): boolean {
    let buf = d;
    while (buf.length) {
      switch (this.state) {
        case 'head': {
          const all = this.pending ? Buffer.concat([this.pending, buf]) : buf;
          const at = all.indexOf('\r\n\r\n', 0, 'latin1');
          if (at < 0) {
            if (all.length > MAX_HEAD) return false;
            this.pending = all;
            return true;
          }
          this.pending = undefined;
          if (at > MAX_HEAD) return false;
          const rest = all.subarray(at + 4);
          if (!this.onHead(all.toString('latin1', 0, at))) return false;
          buf = rest;
          if ((this.state as State) === 'done') return this.complete(buf.length === 0);
          break;
        }
        case 'fixed': {
          const n = Math.min(this.remaining, buf.length);
          this.on.data(n === buf.length ? buf : buf.subarray(0, n));
          this.remaining -= n;
          buf = buf.subarray(n);
          if (this.remaining === 0) return this.complete(buf.length === 0);
          break;
        }
        case 'chunk-size':
        case 'trailer': {
          const nl = buf.indexOf(10);
          if (nl < 0) {
            this.line += buf.toString('latin1');
            return this.line.length <= MAX_CHUNK_LINE;
          }
          const text = (this.line + buf.toString('latin1', 0, nl)).replace(/\r$/, '');
          this.line = '';
          buf = buf.subarray(nl + 1);
          if (this.state === 'trailer') {
            if (text === '') return this.complete(buf.length === 0);
            continue;
          }
          const m = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(text);
          if (!m) return false;
          this.remaining = parseInt(m[1]!, 16);
          this.state = this.remaining === 0 ? 'trailer' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          const n = Math.min(this.remaining, buf.length);
          this.on.data(n === buf.length ? buf : buf.subarray(0, n));
          this.remaining -= n;
          buf = buf.subarray(n);
          if (this.remaining === 0) {
            this.state = 'chunk-crlf';
            this.remaining = 2;
          }
          break;
        }
        case 'chunk-crlf': {
          // the CRLF after a chunk's data (possibly split across reads)
          while (this.remaining > 0 && buf.length) {
            const expected = this.remaining === 2 ? 13 : 10;
            if (buf[0] !== expected) return false;
            this.remaining--;
            buf = buf.subarray(1);
          }
          if (this.remaining === 0) this.state = 'chunk-size';
          break;
        }
        case 'close':
          this.on.data(buf);
          return true;
        case 'done':
          // bytes after the response: nothing was asked for them
          return false;
      }
    }
    return true;
  }

  /** The connection ended; false when that cut a response short. */
  close(): boolean {
    if (this.state === 'close') {
      this.state = 'done';
      this.on.end(false);
      return true;
    }
    return this.state === 'done';
  }

  private complete(clean: boolean): boolean {
    this.state = 'done';
    this.on.end(this.keepAlive && clean);
    return true;
  }

  private onHead(text: string): boolean {
    const lines = text.split('\r\n');
    const m = STATUS_LINE.exec(lines[0]!);
    if (!m) return false;
    const status = Number(m[2]);
    const raw: string[] = [];
    let length: number | undefined;
    let chunked = false;
    let otherCoding = false;
    let connection = '';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const c = line.indexOf(':');
      if (c <= 0) return false;
      const name = line.slice(0, c);
      // node checks names and values again when they go out to the client
      if (name.includes(' ') || name.includes('\t')) return false;
      const value = line.slice(c + 1).trim();
      raw.push(name, value);
      const lower = name.length === 14 || name.length === 17 || name.length === 10 ? name.toLowerCase() : '';
      if (lower === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) return false;
        length = Number(value);
      } else if (lower === 'transfer-encoding') {
        const codings = value.toLowerCase().split(',').map((s) => s.trim());
        chunked = codings[codings.length - 1] === 'chunked';
        otherCoding = !chunked;
      } else if (lower === 'connection') connection += `${value.toLowerCase()},`;
    }
    if (status >= 100 && status < 200) {
      // 100 Continue, 103 Early Hints …: the real answer follows; 101 belongs to upgrades only
      if (status === 101) return false;
      return true;
    }
    this.keepAlive = m[1] === '1' ? !/(^|[\s,])close\s*,/.test(connection) : /(^|[\s,])keep-alive\s*,/.test(connection);
    this.on.head(status, raw);
    if (this.headRequest || status === 204 || status === 304) this.state = 'done';
    else if (chunked) this.state = 'chunk-size';
    else if (otherCoding) {
      this.state = 'close';
      this.keepAlive = false;
    } else if (length !== undefined) {
      this.remaining = length;
      this.state = length === 0 ? 'done' : 'fixed';
    } else {
      this.state = 'close';
      this.keepAlive = false;
    }
    return true;
  }
}
