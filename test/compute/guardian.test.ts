// Workloads do not outlive a Cumulus that dies without stopping them: the driver's guardian kills their
// process groups when its input closes (SIGKILL of Cumulus included).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempDir, waitFor } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a workload whose Cumulus was killed with SIGKILL is killed too', async () => {
  // a separate process plays Cumulus: it starts a workload (a shell that never ends), prints its pid, waits
  const driverModule = path.resolve(here, '../../src/compute/index.js');
  const clockModule = path.resolve(here, '../../src/clock/clock.js');
  const script = `
    const { createDriver } = await import(${JSON.stringify(driverModule)});
    const { Clock } = await import(${JSON.stringify(clockModule)});
    const driver = createDriver('process', { baseDir: ${JSON.stringify(tempDir())}, clock: new Clock() });
    const h = await driver.start({ id: 'burner', script: 'while :; do sleep 1; done' });
    console.log(h.pid);
    setInterval(() => {}, 1000);
  `;
  const host = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    host.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    host.once('exit', (code) => reject(new Error(`the host exited (${code}) before starting its workload`)));
  });
  assert.ok(pid > 0 && alive(pid), 'the workload runs');
  host.kill('SIGKILL');
  await waitFor(() => !alive(pid), 'the orphaned workload to be killed', 10_000);
});
