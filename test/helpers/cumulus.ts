// Test harness: a Cumulus per test file (in-process, free port), or a real `cumulus` process; real clients.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCumulus, type Cumulus } from '../../src/server/server.js';
import type { Config } from '../../src/server/context.js';

/** The compiled tree this file runs from (dist/, or another --outDir inside the checkout). */
export const buildRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const repoRoot = path.resolve(buildRoot, '..');

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export async function startTestCumulus(overrides: Partial<Config> = {}): Promise<Cumulus> {
  return startCumulus({ port: 0, logLevel: 'silent', ...overrides });
}

/** SDK v3 client config for a Cumulus. */
export function clientConfig(c: { url: string }, extra: Record<string, unknown> = {}) {
  return { endpoint: c.url, region: 'us-east-1', credentials, maxAttempts: 1, ...extra };
}

/** Finds a tool of this machine's Python (aws, python3 with boto3) even when PATH lacks pyenv. */
function findTool(name: string): string {
  const dirs = (process.env.PATH ?? '').split(':');
  const pyenv = '/root/.pyenv/versions';
  if (fs.existsSync(pyenv)) for (const v of fs.readdirSync(pyenv)) dirs.push(path.join(pyenv, v, 'bin'));
  for (const d of dirs) {
    const p = path.join(d, name);
    if (fs.existsSync(p)) return p;
  }
  return name;
}

export const AWS_CLI = process.env.CUMULUS_TEST_AWS_CLI ?? findTool('aws');
export const PYTHON = process.env.CUMULUS_TEST_PYTHON ?? findTool('python3');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string>, input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const awsEnv = (c: { url: string }) => ({
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: c.url,
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
});

/** Runs the AWS CLI against a Cumulus; `--output json` is added. */
export function awsCli(c: { url: string }, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(AWS_CLI, [...args, '--output', 'json'], { ...awsEnv(c), ...env });
}

/** Runs a Python script with boto3 against a Cumulus: the script sees `endpoint` and prints JSON. */
export async function boto3(c: { url: string }, script: string, env: Record<string, string> = {}): Promise<RunResult> {
  const prelude = `import boto3, json, sys, os\nendpoint = os.environ['AWS_ENDPOINT_URL']\n`;
  return run(PYTHON, ['-c', prelude + script], { ...awsEnv(c), ...env });
}

export interface SpawnedCumulus {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `cumulus start` as a real process on a free port and waits until it answers. */
export async function spawnCumulus(args: string[] = [], env: Record<string, string> = {}): Promise<SpawnedCumulus> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(buildRoot, 'src/cli/main.js'), 'start', '--port', String(port), '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cumulus exited: ${out}`);
    try {
      const res = await fetch(`${url}/_cumulus/health`);
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`cumulus did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url,
    port,
    child,
    output: () => out,
    kill: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as import('node:net').AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export function tempDir(prefix = 'cumulus-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A raw HTTP request to Cumulus (for malformed input the SDKs would never send). */
export async function raw(c: { url: string }, init: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }) {
  const res = await fetch(`${c.url}${init.path ?? '/'}`, {
    method: init.method ?? 'POST',
    headers: init.headers,
    body: init.body as BodyInit | undefined,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** SigV4-looking authorization for raw requests (signatures are not checked by default). */
export function fakeAuth(service: string, region = 'us-east-1', accessKey = 'test'): string {
  return `AWS4-HMAC-SHA256 Credential=${accessKey}/20260101/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
}
