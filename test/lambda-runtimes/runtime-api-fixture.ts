// A small real Lambda Runtime API (2018-06-01) for exercising the runtimes' bootstraps as real processes:
// a node:http server with a queue of invocations, answering invocation/next, /response, /error and
// init/error as Lambda does. A test fixture standing in for one execution environment's API.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runtimeLaunch } from '../../src/services/lambda/runtimes.js';

export interface InvokeOptions {
  /** ms from now (default 3000) */
  timeoutMs?: number;
  clientContext?: unknown;
  identity?: unknown;
  traceId?: string;
  contentType?: string;
}

export interface Outcome {
  kind: 'response' | 'error';
  requestId: string;
  body: string;
  headers: http.IncomingHttpHeaders;
  /** trailers of a streamed response (Lambda-Runtime-Function-Error-Type/-Body when it failed mid-stream) */
  trailers: NodeJS.Dict<string>;
  /** parsed body */
  json: any;
}

export interface InitError {
  body: any;
  headers: http.IncomingHttpHeaders;
}

interface Queued {
  id: string;
  payload: string;
  opts: InvokeOptions;
  resolve: (o: Outcome) => void;
  reject: (e: Error) => void;
}

export class RuntimeApiFixture {
  readonly functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:fixture';
  private server: http.Server;
  private queue: Queued[] = [];
  private waiting: http.ServerResponse[] = [];
  private inFlight = new Map<string, Queued>();
  private initErrorWaiters: Array<(e: InitError) => void> = [];
  initError: InitError | undefined;
  address = '';

  constructor() {
    this.server = http.createServer((req, res) => this.route(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.requestTimeout = 0;
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.address = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Queues an invocation; resolves when the runtime posts its response or error. */
  invoke(event: unknown, opts: InvokeOptions = {}): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const q: Queued = { id: randomUUID(), payload: typeof event === 'string' && opts.contentType ? event : JSON.stringify(event), opts, resolve, reject };
      const res = this.waiting.shift();
      if (res) this.deliver(q, res);
      else this.queue.push(q);
    });
  }

  waitInitError(): Promise<InitError> {
    if (this.initError) return Promise.resolve(this.initError);
    return new Promise((r) => this.initErrorWaiters.push(r));
  }

  /** Fails whatever is pending (the runtime process died). */
  abandon(reason: string): void {
    for (const q of [...this.queue, ...this.inFlight.values()]) q.reject(new Error(reason));
    this.queue = [];
    this.inFlight.clear();
  }

  close(): Promise<void> {
    for (const res of this.waiting) res.destroy();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private deliver(q: Queued, res: http.ServerResponse) {
    this.inFlight.set(q.id, q);
    const headers: Record<string, string> = {
      'Content-Type': q.opts.contentType ?? 'application/json',
      'Lambda-Runtime-Aws-Request-Id': q.id,
      'Lambda-Runtime-Deadline-Ms': String(Date.now() + (q.opts.timeoutMs ?? 3000)),
      'Lambda-Runtime-Invoked-Function-Arn': this.functionArn,
      'Lambda-Runtime-Trace-Id': q.opts.traceId ?? `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=0000000000000000;Sampled=0`,
    };
    if (q.opts.clientContext !== undefined) headers['Lambda-Runtime-Client-Context'] = JSON.stringify(q.opts.clientContext);
    if (q.opts.identity !== undefined) headers['Lambda-Runtime-Cognito-Identity'] = JSON.stringify(q.opts.identity);
    res.writeHead(200, headers);
    res.end(q.payload);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
        const q = this.queue.shift();
        if (q) this.deliver(q, res);
        else this.waiting.push(res);
        return;
      }
      const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && m) {
        const id = decodeURIComponent(m[1]!);
        const q = this.inFlight.get(id);
        if (!q) return json(res, 400, { errorMessage: `Invalid request ID: ${id}`, errorType: 'InvalidRequestID' });
        this.inFlight.delete(id);
        json(res, 202, { status: 'OK' });
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        q.resolve({ kind: m[2] as 'response' | 'error', requestId: id, body, headers: req.headers, trailers: req.trailers, json: parsed });
        return;
      }
      if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
        json(res, 202, { status: 'OK' });
        this.initError = { body: JSON.parse(body), headers: req.headers };
        for (const w of this.initErrorWaiters.splice(0)) w(this.initError);
        return;
      }
      json(res, 404, { errorMessage: `Unknown path ${req.method} ${url}`, errorType: 'NotFound' });
    });
  }
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s) });
  res.end(s);
}

// ---- a function's code and its runtime process ---------------------------------------------------------

const written: string[] = [];
process.on('exit', () => {
  for (const d of written) fs.rmSync(d, { recursive: true, force: true });
});

/** Writes files (path → content) into a fresh directory (removed when the test process exits); `mode` 0o755 for executables. */
export function writeCode(files: Record<string, string | { content: string; mode: number }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cumulus-lrt-'));
  written.push(dir);
  for (const [rel, f] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof f === 'string') fs.writeFileSync(p, f);
    else fs.writeFileSync(p, f.content, { mode: f.mode });
  }
  return dir;
}

export interface RuntimeProcess {
  api: RuntimeApiFixture;
  codeDir: string;
  child: ChildProcess;
  interpreter: string;
  /** stdout lines so far */
  lines: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Launches `runtime` for code in `codeDir` through runtimeLaunch, against a fresh fixture Runtime API. */
export async function startRuntime(
  runtime: string,
  o: { codeDir: string; handler?: string; layerDirs?: string[]; env?: Record<string, string> },
): Promise<RuntimeProcess> {
  const api = await new RuntimeApiFixture().listen();
  const launch = runtimeLaunch(runtime, { codeDir: o.codeDir, layerDirs: o.layerDirs ?? [], handler: o.handler, memoryMiB: 128 });
  const env: Record<string, string> = {
    ...launch.env,
    AWS_LAMBDA_RUNTIME_API: api.address,
    AWS_LAMBDA_FUNCTION_NAME: 'fixture',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fixture',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/30/[$LATEST]0123456789abcdef0123456789abcdef',
    AWS_REGION: 'us-east-1',
    TZ: ':UTC',
    HOME: os.tmpdir(),
    ...o.env,
  };
  const [cmd, ...args] = launch.command;
  const child = spawn(cmd!, args, { env, cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      api.abandon(`runtime exited (${code ?? signal}): ${err}`);
      resolve({ code, signal });
    }),
  );
  return {
    api,
    codeDir: o.codeDir,
    child,
    interpreter: launch.interpreter,
    lines,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await api.close();
    },
  };
}

/** Polls until `pred` holds (bounded), for output that lands asynchronously. */
export async function until<T>(pred: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** CPU time (ms) the process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** Sequential warm invocations: round-trip percentiles, rate, and the runtime process's CPU per invocation. */
export async function measureWarm(p: RuntimeProcess, n: number, event: (i: number) => unknown = (i) => ({ i })): Promise<string> {
  await p.api.invoke(event(-1));
  const times: number[] = [];
  const cpu0 = cpuMs(p.child.pid);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const out = await p.api.invoke(event(i));
    times.push(performance.now() - s);
    if (out.kind !== 'response') throw new Error(`invocation failed: ${out.body}`);
  }
  const total = performance.now() - t0;
  const cpu1 = cpuMs(p.child.pid);
  times.sort((a, b) => a - b);
  const pct = (q: number) => times[Math.floor(q * (n - 1))]!.toFixed(3);
  const cpu = cpu0 !== undefined && cpu1 !== undefined ? `, runtime CPU ${((cpu1 - cpu0) / n).toFixed(3)} ms/invoke` : '';
  return `warm round trip over ${n}: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, ${((n / total) * 1000).toFixed(0)} invokes/s${cpu}`;
}
