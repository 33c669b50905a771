// A fuzzer for the wire: malformed and random requests at every protocol (query, ec2, json, rest-json,
// rest-xml), random bytes and random headers, on raw sockets. A failure is a 5xx other than 501, a crash,
// or no answer. Bounded by count and time; seeded, so a failure can be replayed.
//   node dist/bench/fuzz.js --count N --seconds S --seed X   (prints a JSON line last)
import net from 'node:net';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadModel, type Operation, type ServiceModel, type Shape, shapeType, target } from '../src/protocol/model.js';
import { baselineInput } from '../test/conformance/cases.js';
import { authorization, encodeRequest, type RawRequest } from '../test/conformance/encode.js';

export interface FuzzOptions {
  count: number;
  seconds: number;
  seed: number;
  /** requests in flight at once */
  concurrency?: number;
  /** a request with no answer after this long is a failure */
  timeoutMs?: number;
  /** whether the server process is still running (a spawned Cumulus); a crash ends the run */
  isAlive?: () => boolean;
}

export interface FuzzFailure {
  kind: 'server-error' | 'no-answer' | 'crash' | 'not-answering';
  generator: string;
  /** the first bytes of the request, for a reproduction */
  request: string;
  status?: number;
  response?: string;
}

export interface FuzzResult {
  seed: number;
  tried: number;
  failures: FuzzFailure[];
  byGenerator: Record<string, number>;
  byStatus: Record<string, number>;
  elapsedMs: number;
  alive: boolean;
}

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
/** Lone surrogates cannot be percent-encoded. */
const noLoneSurrogates = (s: string) => s.replace(/[\ud800-\udfff]/g, '\ufffd');
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const chance = (r: Rand, p: number) => r() < p;

interface Generated {
  generator: string;
  bytes: Buffer;
  /** a well-formed HTTP request: it must get an answer */
  wellFormed: boolean;
}

const SERVICES: Record<string, string[]> = {
  query: ['sts', 'iam', 'autoscaling', 'elbv2', 'elb', 'sns', 'cloudformation'],
  ec2: ['ec2'],
  json: ['cloudtrail', 'dynamodb', 'logs', 'ecs', 'events', 'kinesis', 'ecr', 'sqs', 'application-autoscaling'],
  'rest-json': ['lambda', 'apigateway', 'apigatewayv2', 'batch'],
  'rest-xml': ['s3', 'cloudfront'],
};

const models = new Map<string, { model: ServiceModel; ops: Operation[] }>();
function modelOf(id: string) {
  let m = models.get(id);
  if (!m) {
    const model = loadModel(id);
    m = { model, ops: Object.values(model.operations) };
    models.set(id, m);
  }
  return m;
}

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\uffff',
  '\ud800',
  '%',
  '%zz',
  '%ff%fe',
  '../../etc/passwd',
  '<x>&amp;</x>',
  ']]>',
  '{"a":',
  '[[[[',
  'null',
  'NaN',
  '-Infinity',
  '1e999',
  '-1',
  '9223372036854775808',
  '0x10',
  'true',
  '\u202e\u0301\u{1f600}',
  'arn:aws:iam::123456789012:role/r',
  '*',
  '$LATEST',
  '\r\nX-Injected: 1',
];

function randomString(r: Rand): string {
  switch (int(r, 5)) {
    case 0:
      return pick(r, NASTY_STRINGS);
    case 1:
      return 'a'.repeat(pick(r, [1, 63, 64, 65, 128, 256, 1024, 2049, 70_000]));
    case 2:
      return Array.from({ length: int(r, 40) }, () => String.fromCharCode(int(r, 0x3000))).join('');
    case 3:
      return String(pick(r, [0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 63), 0.5, 1e308]));
    default:
      return Array.from({ length: int(r, 20) }, () => String.fromCharCode(32 + int(r, 95))).join('');
  }
}

function randomJsonValue(r: Rand, depth = 0): unknown {
  switch (int(r, depth > 3 ? 5 : 8)) {
    case 0:
      return randomString(r);
    case 1:
      return pick(r, [0, -1, 1.5, 1e308, -1e308, 2 ** 63, Number.MAX_SAFE_INTEGER]);
    case 2:
      return chance(r, 0.5);
    case 3:
      return null;
    case 4:
      return [];
    case 5:
      return Array.from({ length: int(r, 4) }, () => randomJsonValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(r, 4) }, () => [randomString(r), randomJsonValue(r, depth + 1)]));
  }
}

/** Replaces, removes or retypes one member somewhere in a (valid) input. */
function mutateInput(r: Rand, model: ServiceModel, ref: Shape | undefined, input: Record<string, unknown>): Record<string, unknown> {
  if (!ref) return input;
  const shape = target(model, ref);
  const names = Object.keys(shape.members ?? {});
  if (!names.length) return input;
  const times = 1 + int(r, 3);
  for (let i = 0; i < times; i++) {
    const name = pick(r, names);
    const member = shape.members![name]!;
    switch (int(r, 4)) {
      case 0:
        delete input[name];
        break;
      case 1:
        input[name] = randomString(r);
        break;
      case 2:
        input[name] = randomJsonValue(r);
        break;
      default: {
        const type = shapeType(model, member);
        input[name] = type === 'list' ? Array.from({ length: pick(r, [0, 1, 51, 1001]) }, () => randomString(r)) : type === 'structure' ? { [pick(r, NASTY_STRINGS)]: randomString(r) } : randomString(r);
      }
    }
  }
  return input;
}

function httpBytes(req: Omit<RawRequest, 'body'> & { body: string | Buffer }, extraHeaders: [string, string][] = []): Buffer {
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
  for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}: ${v}`);
  for (const [k, v] of extraHeaders) lines.push(`${k}: ${v}`);
  lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
}

/** A modeled request of a random operation of a service of `protocol`, mutated. */
function modeled(r: Rand, protocol: string): Generated {
  const { model, ops } = modelOf(pick(r, SERVICES[protocol]!));
  const op = pick(r, ops);
  let input = baselineInput(model, op);
  if (chance(r, 0.8)) input = mutateInput(r, model, op.input, input);
  let req: RawRequest;
  try {
    req = encodeRequest(model, op, input);
  } catch {
    req = encodeRequest(model, op, {});
  }
  let wellFormed = true;
  let body: string | Buffer = req.body;
  // raw damage to the body, the path or the headers
  switch (int(r, 10)) {
    case 0:
      body = req.body.slice(0, int(r, req.body.length + 1));
      break;
    case 1: {
      const b = Buffer.from(req.body);
      for (let i = 0; i < 1 + int(r, 4) && b.length; i++) b[int(r, b.length)] = int(r, 256);
      body = b;
      break;
    }
    case 2:
      req.headers['content-type'] = pick(r, ['text/plain', 'application/json', 'application/xml', 'application/x-amz-json-1.0', 'multipart/form-data', '', 'application/x-www-form-urlencoded; charset=ebcdic']);
      break;
    case 3:
      delete req.headers.authorization;
      break;
    case 4:
      req.path = pick(r, [`${req.path}/extra`, req.path.replace(/\/[^/]*$/, '/%ff%zz'), `${req.path}${req.path.includes('?') ? '&' : '?'}${randomString(r).replace(/[\s#]/g, '')}=1`, '//', '/..%2f..']);
      if (/[^\x21-\x7e]/.test(req.path)) wellFormed = false;
      break;
    case 5:
      req.headers['x-amz-target'] = `${String(model.metadata.targetPrefix ?? 'X')}.${randomString(r).replace(/[\r\n]/g, '')}`;
      if (/[^\t\x20-\x7e\x80-\xff]/.test(req.headers['x-amz-target'])) wellFormed = false;
      break;
    case 6:
      if (protocol === 'json' || protocol === 'rest-json') body = JSON.stringify(randomJsonValue(r));
      else if (protocol === 'rest-xml') body = `<${op.name}>${'<a>'.repeat(int(r, 300))}${randomString(r)}</${op.name}>`;
      else body = `${req.body}&${Array.from({ length: int(r, 2000) }, (_, i) => `${'a.'.repeat(int(r, 20))}${i}=${encodeURIComponent(noLoneSurrogates(randomString(r)))}`).join('&')}`;
      break;
    default:
      break;
  }
  const bytes = httpBytes({ ...req, body });
  // past Node's header limit the server answers 431 and closes while the client still writes: the kernel
  // may then reset the connection before the client reads the answer, so no answer is not a failure here
  const headerBytes = bytes.indexOf('\r\n\r\n');
  return { generator: protocol, bytes, wellFormed: wellFormed && headerBytes < 16 * 1024 };
}

function randomBytes(r: Rand): Generated {
  const n = int(r, 2000);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 256);
  // sometimes behind a plausible request line
  const prefix = chance(r, 0.5) ? Buffer.from(`${pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'BREW'])} /${chance(r, 0.5) ? '' : '_cumulus/health'} HTTP/1.1\r\n`) : Buffer.alloc(0);
  return { generator: 'random-bytes', bytes: Buffer.concat([prefix, b]), wellFormed: false };
}

const HEADER_NAMES = ['content-type', 'content-length', 'transfer-encoding', 'x-amz-target', 'authorization', 'host', 'expect', 'content-encoding', 'x-amz-security-token', 'x-amz-date', 'x-amz-content-sha256', 'connection', 'range', 'x-amz-copy-source'];

function randomHeaders(r: Rand): Generated {
  const svc = pick(r, ['sts', 'iam', 'ec2', 'lambda', 'cloudtrail', 's3', 'nope', '']);
  const headers: [string, string][] = [];
  const count = int(r, 30);
  for (let i = 0; i < count; i++) {
    const name = chance(r, 0.7) ? pick(r, HEADER_NAMES) : randomString(r).replace(/[\r\n:]/g, '') || 'x';
    let value = chance(r, 0.3) ? authorization(svc) : randomString(r);
    if (name === 'content-length') value = pick(r, ['0', '-1', '99999999999', 'abc', '10, 10', '5']);
    if (name === 'transfer-encoding') value = pick(r, ['chunked', 'gzip', 'chunked, chunked', 'identity']);
    headers.push([name, value.replace(/[\r\n]/g, '')]);
  }
  const body = chance(r, 0.5) ? 'Action=GetCallerIdentity&Version=2011-06-15' : JSON.stringify(randomJsonValue(r));
  const lines = [`${pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'])} ${pick(r, ['/', '/2015-03-31/functions', '/bucket/key', '/_cumulus/health', '/_localstack/health', '/?Action=GetCallerIdentity'])} HTTP/1.1`, 'Connection: close'];
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  const valid = headers.every(([k, v]) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k) && /^[\t\x20-\x7e\x80-\xff]*$/.test(v));
  const framing = headers.some(([k]) => ['content-length', 'transfer-encoding', 'host', 'expect', 'connection'].includes(k.toLowerCase()));
  if (!framing) lines.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Host: localhost');
  return { generator: 'random-headers', bytes: Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), Buffer.from(body)]), wellFormed: valid && !framing };
}

function internal(r: Rand): Generated {
  const path = pick(r, ['/_cumulus/clock/advance', '/_cumulus/clock/speed', '/_cumulus/clock', '/_cumulus/health', '/_cumulus/reset?service=' + pick(r, ['sts', 'iam', 'nope', '']), '/_localstack/health', '/_cumulus/nope']);
  const body = chance(r, 0.5) ? JSON.stringify({ seconds: randomJsonValue(r), speed: randomJsonValue(r) }) : JSON.stringify(randomJsonValue(r));
  const req: RawRequest = { method: pick(r, ['GET', 'POST']), path, headers: { 'content-type': 'application/json' }, body };
  return { generator: 'internal', bytes: httpBytes(req), wellFormed: true };
}

const GENERATORS: [string, (r: Rand) => Generated][] = [
  ['query', (r) => modeled(r, 'query')],
  ['ec2', (r) => modeled(r, 'ec2')],
  ['json', (r) => modeled(r, 'json')],
  ['rest-json', (r) => modeled(r, 'rest-json')],
  ['rest-xml', (r) => modeled(r, 'rest-xml')],
  ['random-bytes', randomBytes],
  ['random-headers', randomHeaders],
  ['internal', internal],
];

interface Exchange {
  status?: number;
  text: string;
  closed: boolean;
}

function exchange(port: number, host: string, bytes: Buffer, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      socket.write(bytes);
      socket.end();
    });
  });
}

async function healthy(port: number, host: string): Promise<boolean> {
  const out = await exchange(port, host, Buffer.from('GET /_cumulus/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'), 5_000);
  return out.status === 200;
}

/** Runs the fuzzer against a Cumulus at `url` until `count` requests or `seconds` have passed. */
export async function fuzz(url: string, options: FuzzOptions): Promise<FuzzResult> {
  const { hostname, port: portText } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, '');
  const port = Number(portText);
  const concurrency = options.concurrency ?? 8;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + options.seconds * 1000;
  const r = prng(options.seed);
  const failures: FuzzFailure[] = [];
  const byGenerator: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const t0 = Date.now();
  let tried = 0;
  let stop = false;
  const alive = () => options.isAlive?.() ?? true;

  const worker = async () => {
    while (!stop && tried < options.count && Date.now() < deadline) {
      tried++;
      const [, gen] = GENERATORS[int(r, GENERATORS.length)]!;
      let g: Generated;
      try {
        g = gen(r);
      } catch (err) {
        // the generator's own bug is not the server's; count it and move on
        byGenerator['generator-error'] = (byGenerator['generator-error'] ?? 0) + 1;
        if (process.env.CUMULUS_FUZZ_DEBUG) process.stderr.write(`generator error: ${(err as Error).stack}\n`);
        continue;
      }
      byGenerator[g.generator] = (byGenerator[g.generator] ?? 0) + 1;
      const out = await exchange(port, host, g.bytes, timeoutMs);
      byStatus[out.status ?? (out.closed ? 'closed' : 'timeout')] = (byStatus[out.status ?? (out.closed ? 'closed' : 'timeout')] ?? 0) + 1;
      const request = g.bytes.subarray(0, 600).toString('latin1');
      if (out.status !== undefined && out.status >= 500 && out.status !== 501) {
        failures.push({ kind: 'server-error', generator: g.generator, request, status: out.status, response: out.text.slice(0, 600) });
      } else if (out.status === undefined && (!out.closed || g.wellFormed)) {
        if (!alive()) {
          failures.push({ kind: 'crash', generator: g.generator, request });
          stop = true;
        } else failures.push({ kind: 'no-answer', generator: g.generator, request, response: out.text.slice(0, 200) });
      }
      if (tried % 250 === 0 && !(await healthy(port, host))) {
        failures.push({ kind: alive() ? 'not-answering' : 'crash', generator: g.generator, request });
        stop = true;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const stillAlive = alive() && (await healthy(port, host));
  if (!stillAlive && !failures.some((f) => f.kind === 'crash' || f.kind === 'not-answering')) {
    failures.push({ kind: alive() ? 'not-answering' : 'crash', generator: 'end', request: '' });
  }
  return { seed: options.seed, tried, failures, byGenerator, byStatus, elapsedMs: Date.now() - t0, alive: stillAlive };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '20000' },
      seconds: { type: 'string', default: '60' },
      seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
      concurrency: { type: 'string', default: '8' },
      url: { type: 'string' },
    },
  });
  const { spawnCumulus } = await import('../test/helpers/cumulus.js');
  const server = values.url ? undefined : await spawnCumulus([], { CUMULUS_LOG_LEVEL: 'silent' });
  const url = values.url ?? server!.url;
  const result = await fuzz(url, {
    count: Number(values.count),
    seconds: Number(values.seconds),
    seed: Number(values.seed),
    concurrency: Number(values.concurrency),
    isAlive: server ? () => server.child.exitCode === null : undefined,
  });
  await server?.kill('SIGTERM');
  for (const f of result.failures.slice(0, 20)) process.stderr.write(`${JSON.stringify(f)}\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'fuzz', ...result, failures: result.failures.length, requestsPerSecond: Math.round((result.tried / result.elapsedMs) * 1000) })}\n`);
  process.exitCode = result.failures.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
