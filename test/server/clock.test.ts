// The virtual clock every timer in Cumulus runs on: ordering, advancing, and intervals that keep their grid.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Clock } from '../../src/clock/clock.js';

// the clock's real timer is unref'd (it never keeps Cumulus alive by itself): these tests hold the loop open
function holdLoop(): () => void {
  const t = setInterval(() => {}, 1000);
  return () => clearInterval(t);
}

describe('virtual clock', () => {
  test('advance fires an interval once per period, each at its due time', () => {
    const clock = new Clock({ start: 1_000_000 });
    const seen: number[] = [];
    const h = clock.setInterval(() => seen.push(clock.now() - 1_000_000), 10_000);
    clock.advance(60);
    h.cancel();
    clock.stop();
    assert.equal(seen.length, 6);
    // within a millisecond of the grid (now() reads real time between steps)
    seen.forEach((t, i) => assert.ok(Math.abs(t - (i + 1) * 10_000) <= 2, `run ${i} at ${t}`));
  });

  test('a timer set later but due sooner fires first, on time', async () => {
    const release = holdLoop();
    const clock = new Clock();
    const order: string[] = [];
    const t0 = performance.now();
    let at = 0;
    const done = new Promise<void>((resolve) => {
      clock.setTimeout(() => {
        order.push('late');
        resolve();
      }, 150);
      clock.setTimeout(() => {
        order.push('soon');
        at = performance.now() - t0;
      }, 10);
    });
    await done;
    clock.stop();
    release();
    assert.deepEqual(order, ['soon', 'late']);
    assert.ok(at < 120, `the sooner timer waited ${at} ms`);
  });

  test('an interval stalled by a busy process runs once late, skips the rest it missed, and stays on its grid', async () => {
    const release = holdLoop();
    const clock = new Clock({ speed: 1, start: 0 });
    const runs: number[] = [];
    let stalled = false;
    await new Promise<void>((resolve) => {
      const h = clock.setInterval(() => {
        runs.push(clock.now());
        if (!stalled) {
          stalled = true;
          const until = performance.now() + 520; // blocks past the next two runs
          while (performance.now() < until) {
            /* busy */
          }
        }
        if (runs.length === 3) {
          h.cancel();
          resolve();
        }
      }, 200);
    });
    clock.stop();
    release();
    // the run due at 400 comes once, late, when the stall ends (~720); the next is back on the grid at 800, less
    // than a period later (scheduling from when the late run ran would put it a whole period after it, ~920)
    assert.ok(runs[1]! >= 700, `late run at ${runs[1]}`);
    assert.ok(runs[2]! >= 800 && runs[2]! - runs[1]! < 200, `grid run at ${runs[2]}: ${runs.join(', ')}`);
  });
});
