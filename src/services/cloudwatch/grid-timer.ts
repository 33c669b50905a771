// A timer on the clock's grid (every whole 10 seconds, every whole minute). clock.setInterval counts each
// period from when the previous run happened, so a run the event loop made late shifts every later one: the
// AWS/EC2 sampler and the alarm scheduler then drifted apart, and when the datapoint of a minute was published
// after that minute's alarm evaluation, the alarm never saw it. Re-arming at the next multiple keeps both on
// the minute, where the sampler (started first) runs first.
import type { Clock, TimerHandle } from '../../clock/clock.js';

/** Runs `fn` at every multiple of `ms` of the clock, from the next one on. */
export function onGrid(clock: Pick<Clock, 'now' | 'setTimeout'>, ms: number, fn: () => void): TimerHandle {
  let current: TimerHandle;
  let cancelled = false;
  const arm = () => {
    current = clock.setTimeout(() => {
      if (cancelled) return;
      arm();
      fn();
    }, ms - (clock.now() % ms));
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      current.cancel();
    },
  };
}
