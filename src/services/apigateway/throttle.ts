// Token buckets on the virtual clock: `rate` tokens per second refill a bucket of `burst`; a request takes one.
// Kept in memory, as API Gateway's throttling state is not durable.
import type { Clock } from '../../clock/clock.js';

interface Bucket {
  tokens: number;
  at: number;
  rate: number;
  burst: number;
}

export class Buckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  /** Takes a token from the bucket `key` with these limits; false when it is empty. */
  take(key: string, rate: number, burst: number): boolean {
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (!b || b.rate !== rate || b.burst !== burst) {
      b = { tokens: burst, at: now, rate, burst };
      this.buckets.set(key, b);
      if (this.buckets.size > 100_000) this.buckets.clear();
    }
    b.tokens = Math.min(b.burst, b.tokens + ((now - b.at) / 1000) * b.rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }

  clear(): void {
    this.buckets.clear();
  }
}
