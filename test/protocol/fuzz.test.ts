// A short run of the fuzzer (bench/fuzz.ts) against a real `cumulus start` process: malformed and random
// requests at every protocol; no crash, no 5xx but 501, every well-formed request answered, still alive.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz } from '../../bench/fuzz.js';
import { spawnCumulus, type SpawnedCumulus } from '../helpers/cumulus.js';

let server: SpawnedCumulus;
before(async () => {
  server = await spawnCumulus([], { CUMULUS_LOG_LEVEL: 'silent' });
});
after(() => server.kill('SIGTERM'));

test('2,000 fuzzed requests: no crash, no 5xx but 501, every request answered', async () => {
  // a fixed seed per day: the run is reproducible, and the inputs still vary over time
  const seed = Number(process.env.CUMULUS_FUZZ_SEED ?? Math.floor(Date.now() / 86_400_000));
  const result = await fuzz(server.url, { count: 2_000, seconds: 15, seed, isAlive: () => server.child.exitCode === null });
  const report = result.failures.slice(0, 5).map((f) => JSON.stringify(f)).join('\n');
  assert.equal(result.failures.length, 0, `seed ${seed}: ${result.failures.length} failures\n${report}\n${server.output().slice(-2000)}`);
  assert.ok(result.tried >= 500, `only ${result.tried} requests in the time allowed`);
  assert.ok(result.alive);
  assert.equal(server.child.exitCode, null);
  const health = await fetch(`${server.url}/_cumulus/health`);
  assert.equal(health.status, 200);
});
