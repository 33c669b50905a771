// Integration timeouts on the virtual clock, without a clock timer per request: the clock re-arms a real timer
// on every setTimeout and cancel, which costs more than a proxied request itself. Pending deadlines sit in a
// set; one clock timer is armed for the earliest, and when it fires the expired ones run and it is armed for
// the next. A request that finishes in time only leaves the set.
import type { Clock, TimerHandle } from '../../clock/clock.js';

interface Deadline {
  due: number;
  fn: () => void;
}

export class Deadlines {
  private readonly pending = new Set<Deadline>();
  private armed?: { due: number; handle: TimerHandle };

  constructor(private readonly clock: Pick<Clock, 'now' | 'setTimeout'>) {}

  /** Runs `fn` `ms` virtual milliseconds from now unless the returned handle is cancelled first. */
  after(ms: number, fn: () => void): TimerHandle {
    const d: Deadline = { due: this.clock.now() + Math.max(0, ms), fn };
    this.pending.add(d);
    if (!this.armed || d.due < this.armed.due) this.arm(d.due);
    return { cancel: () => void this.pending.delete(d) };
  }

  private arm(due: number): void {
    this.armed?.handle.cancel();
    this.armed = { due, handle: this.clock.setTimeout(() => this.fire(), Math.max(0, due - this.clock.now())) };
  }

  private fire(): void {
    this.armed = undefined;
    const now = this.clock.now();
    let next = Infinity;
    const due: Deadline[] = [];
    for (const d of this.pending) {
      if (d.due <= now) due.push(d);
      else if (d.due < next) next = d.due;
    }
    for (const d of due) {
      this.pending.delete(d);
      try {
        d.fn();
      } catch {
        // a deadline's work is the caller's: it must not stop the others
      }
    }
    // a deadline's work may have added (and armed for) an earlier one
    const armed = this.armed as { due: number } | undefined;
    if (next !== Infinity && (!armed || next < armed.due)) this.arm(next);
  }
}

const perClock = new WeakMap<object, Deadlines>();

/** The deadlines of one clock (one Cumulus runtime). */
export function deadlinesOf(clock: Clock): Deadlines {
  let d = perClock.get(clock);
  if (!d) perClock.set(clock, (d = new Deadlines(clock)));
  return d;
}
