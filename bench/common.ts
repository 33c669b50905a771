// What the benches share: a free port, sleep and log, percentiles, a function zip, and a process's CPU time from /proc.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (s: string) => process.stderr.write(`${s}\n`);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A Lambda deployment package holding `index.js` (the `zip` command, as a user would make it). */
export function zip(source: string): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-zip-'));
  fs.writeFileSync(path.join(dir, 'index.js'), source);
  execFileSync('zip', ['-q', '-X', 'code.zip', 'index.js'], { cwd: dir });
  const z = fs.readFileSync(path.join(dir, 'code.zip'));
  fs.rmSync(dir, { recursive: true, force: true });
  return z;
}

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
export const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
