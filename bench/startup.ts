// Startup time and idle memory of `cumulus start`, beside a bare Node HTTP server measured the same way:
// the time from spawn to the first successful answer (median of N runs), and the resident memory
// (VmRSS from /proc/PID/status) once started and after a few requests.
//   node dist/bench/startup.js [--runs 5]     (prints a JSON line last)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { freePort } from './common.js';

const buildRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');


/** One raw HTTP exchange; resolves with the status, or undefined when nothing listens yet. */
function get(port: number, pathname: string, headers: Record<string, string> = {}, body = ''): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const lines = [`${body ? 'POST' : 'GET'} ${pathname} HTTP/1.1`, 'Host: localhost', 'Connection: close', `Content-Length: ${Buffer.byteLength(body)}`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    socket.on('connect', () => socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`));
    socket.on('data', (d) => (text += d));
    socket.on('error', () => resolve(undefined));
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve(m ? Number(m[1]) : undefined);
    });
  });
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

interface Target {
  name: string;
  args: (port: number) => string[];
  /** the request whose first success counts as ready */
  ready: string;
  /** a few requests once started, to measure memory after real work */
  warm: (port: number) => Promise<void>;
}

const BARE = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')`;
const AUTH = 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00';

const TARGETS: Target[] = [
  {
    name: 'bare-node-http',
    args: (port) => ['-e', BARE, String(port)],
    ready: '/',
    warm: async (port) => {
      for (let i = 0; i < 5; i++) await get(port, '/');
    },
  },
  {
    name: 'cumulus',
    args: (port) => [path.join(buildRoot, 'src/cli/main.js'), 'start', '--port', String(port), '--log-level', 'warn'],
    ready: '/_cumulus/health',
    warm: async (port) => {
      // a call per protocol family Cumulus serves: query (STS, IAM), json (CloudTrail), and the health endpoint
      const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: AUTH };
      await get(port, '/', form, 'Action=GetCallerIdentity&Version=2011-06-15');
      await get(port, '/', { ...form, authorization: AUTH.replace('/sts/', '/iam/') }, 'Action=ListRoles&Version=2010-05-08');
      await get(port, '/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CloudTrail_20131101.DescribeTrails', authorization: AUTH.replace('/sts/', '/cloudtrail/') }, '{}');
      await get(port, '/_cumulus/health');
    },
  },
];

async function measure(t: Target): Promise<{ readyMs: number; rssStartedMiB: number; rssIdleMiB: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, t.args(port), { stdio: 'ignore' });
  try {
    let readyMs = NaN;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${t.name} exited with ${child.exitCode}`);
      if ((await get(port, t.ready)) === 200) {
        readyMs = performance.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    if (Number.isNaN(readyMs)) throw new Error(`${t.name} did not answer in 20 s`);
    const rssStartedMiB = rssMiB(child.pid!);
    await t.warm(port);
    // idle: let the warm-up's garbage settle for a moment
    await new Promise((r) => setTimeout(r, 500));
    return { readyMs, rssStartedMiB, rssIdleMiB: rssMiB(child.pid!) };
  } finally {
    child.kill('SIGKILL');
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const out: Record<string, unknown> = { bench: 'startup', runs, node: process.version };
  for (const t of TARGETS) {
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await measure(t));
    const figures = {
      readyMsMedian: Math.round(median(samples.map((s) => s.readyMs))),
      readyMs: samples.map((s) => Math.round(s.readyMs)),
      rssStartedMiB: median(samples.map((s) => s.rssStartedMiB)),
      rssIdleMiB: median(samples.map((s) => s.rssIdleMiB)),
    };
    process.stderr.write(`${t.name}: ready in ${figures.readyMsMedian} ms (median of ${runs}), RSS ${figures.rssIdleMiB} MiB idle\n`);
    out[t.name] = figures;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main();
