// A function URL in RESPONSE_STREAM mode answers as the function writes: the response goes out with chunked
// transfer encoding, each piece the runtime streams is written at once. A handler wrapped in
// awslambda.HttpResponseStream.from() starts its stream with a JSON prelude (statusCode, headers, cookies)
// and 8 NUL bytes; without one the answer is a 200 of application/octet-stream, as on AWS.
import type http from 'node:http';

const PRELUDE_END = Buffer.alloc(8);
/** a prelude larger than this is not one: what was held back goes out as the body */
const MAX_PRELUDE = 64 * 1024;

export class UrlResponseStream {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private open = false;

  constructor(
    private readonly res: http.ServerResponse,
    /** the headers every answer carries (request id, CORS) */
    private readonly base: Record<string, string>,
  ) {}

  /** Whether the answer has started (the caller must then finish it with end()). */
  get started(): boolean {
    return this.open || this.heldBytes > 0;
  }

  /** A piece of the function's streamed response. */
  readonly onChunk = (data: Buffer): void => {
    if (this.res.destroyed) return;
    if (this.open) {
      this.res.write(data);
      return;
    }
    this.held.push(data);
    this.heldBytes += data.length;
    const all = Buffer.concat(this.held);
    if (all[0] !== 0x7b) return this.begin(200, {}, all);
    const cut = all.indexOf(PRELUDE_END);
    if (cut < 0) {
      if (all.length > MAX_PRELUDE) this.begin(200, {}, all);
      return;
    }
    let prelude: { statusCode?: unknown; headers?: Record<string, unknown>; cookies?: unknown };
    try {
      prelude = JSON.parse(all.subarray(0, cut).toString('utf8')) as typeof prelude;
    } catch {
      return this.begin(200, {}, all);
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(prelude.headers ?? {})) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
    if (Array.isArray(prelude.cookies) && prelude.cookies.length) headers['set-cookie'] = prelude.cookies.map(String);
    const status = Number(prelude.statusCode);
    this.begin(Number.isInteger(status) && status >= 100 && status <= 599 ? status : 200, headers, all.subarray(cut + 8));
  };

  private begin(status: number, headers: Record<string, string | string[]>, first: Buffer): void {
    this.open = true;
    this.held = [];
    this.res.writeHead(status, { 'content-type': 'application/octet-stream', ...headers, ...this.base, 'transfer-encoding': 'chunked' });
    if (first.length) this.res.write(first);
  }

  /** The invocation is over: what is held back goes out, and the response ends. A function that failed after
   *  its stream began cannot change the status any more: the body stops where the function stopped. */
  end(): void {
    if (this.res.destroyed) return;
    if (!this.open) this.begin(200, {}, Buffer.concat(this.held));
    this.res.end();
  }
}
