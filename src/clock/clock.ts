// The one virtual clock. Virtual time runs at `speed` × real time and can be moved forward by `advance`.
// Every timer in Cumulus is scheduled here, so tests can advance through a five-minute period at once.

export interface TimerHandle {
  cancel(): void;
}

interface Timer {
  id: number;
  due: number; // virtual ms
  fn: () => void;
  cancelled: boolean;
}

export class Clock {
  private realBase: number;
  private virtualBase: number;
  private speed: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private wake: NodeJS.Timeout | undefined;
  /** the virtual due time `wake` was armed for */
  private wakeDue = Infinity;
  private stopped = false;

  constructor(options: { speed?: number; start?: number } = {}) {
    this.speed = options.speed && options.speed > 0 ? options.speed : 1;
    this.realBase = performance.now();
    this.virtualBase = options.start ?? Date.now();
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return Math.floor(this.virtualBase + (performance.now() - this.realBase) * this.speed);
  }

  date(): Date {
    return new Date(this.now());
  }

  getSpeed(): number {
    return this.speed;
  }

  setSpeed(speed: number): void {
    if (!(speed > 0)) throw new Error('speed must be positive');
    this.virtualBase = this.now();
    this.realBase = performance.now();
    this.speed = speed;
    this.arm();
  }

  /** Moves virtual time forward, firing due timers in order (timers they schedule inside the window fire too). */
  advance(seconds: number): number {
    if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new Error('seconds must be a non-negative number');
    const end = this.now() + seconds * 1000;
    for (;;) {
      const next = this.peek();
      if (!next || next.due > end) break;
      // jump to the timer's due time so that what it reads from the clock is consistent
      this.virtualBase += Math.max(0, next.due - this.now());
      this.fire(next);
    }
    this.virtualBase += Math.max(0, end - this.now());
    this.arm();
    return this.now();
  }

  /** Runs `fn` once `ms` virtual milliseconds from now. */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.setTimeoutAt(fn, this.now() + Math.max(0, ms));
  }

  private setTimeoutAt(fn: () => void, due: number): TimerHandle {
    const timer: Timer = { id: this.nextId++, due, fn, cancelled: false };
    this.insert(timer);
    // the real timer is re-armed only when this one is due before the one it waits for (most are not)
    if (!this.wake || due < this.wakeDue) this.arm();
    return { cancel: () => this.cancel(timer) };
  }

  /**
   * Runs `fn` every `ms` virtual milliseconds until cancelled. Each run is scheduled from the previous one's due
   * time, not from when it ran, so periodic work stays on its grid when the process is busy (samplers and
   * evaluators that must meet each minute would otherwise drift apart).
   */
  setInterval(fn: () => void, ms: number): TimerHandle {
    let current: TimerHandle | undefined;
    let cancelled = false;
    const period = Math.max(1, ms);
    let due = this.now() + period;
    const tick = () => {
      if (cancelled) return;
      // the next point of the grid after now: runs missed while the process was stalled are skipped, not bunched
      const now = this.now();
      due += period;
      if (due <= now) due += Math.ceil((now - due + 1) / period) * period;
      current = this.setTimeoutAt(tick, due);
      fn();
    };
    current = this.setTimeoutAt(tick, due);
    return {
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
    };
  }

  /** Resolves after `ms` virtual milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  stop(): void {
    this.stopped = true;
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
    this.wakeDue = Infinity;
    this.timers = [];
  }

  private cancel(timer: Timer): void {
    if (timer.cancelled) return;
    timer.cancelled = true;
    // found by its due time (the array is sorted by it), then among the timers due at the same moment: every
    // invocation and API request sets a timer and cancels it, with hundreds pending under load
    const timers = this.timers;
    let lo = 0;
    let hi = timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (timers[mid]!.due < timer.due) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < timers.length && timers[i]!.due === timer.due; i++) {
      if (timers[i] === timer) {
        timers.splice(i, 1);
        return;
      }
    }
  }

  private insert(timer: Timer): void {
    // sorted by due time, then by creation order; timer counts stay small (tens to thousands)
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.timers[mid]!.due <= timer.due) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
  }

  private peek(): Timer | undefined {
    return this.timers[0];
  }

  private fire(timer: Timer): void {
    this.timers.shift();
    if (timer.cancelled) return;
    try {
      timer.fn();
    } catch (err) {
      console.error('[clock] timer failed:', err);
    }
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
    this.wakeDue = Infinity;
    const next = this.peek();
    if (!next) return;
    this.wakeDue = next.due;
    const realDelay = Math.max(0, (next.due - this.now()) / this.speed);
    // setTimeout's limit is ~24.8 days; re-arm in steps
    this.wake = setTimeout(() => this.runDue(), Math.min(realDelay, 2 ** 31 - 1));
    this.wake.unref();
  }

  private runDue(): void {
    this.wake = undefined;
    this.wakeDue = Infinity;
    const now = this.now();
    for (;;) {
      const next = this.peek();
      if (!next || next.due > now) break;
      this.fire(next);
    }
    this.arm();
  }
}
