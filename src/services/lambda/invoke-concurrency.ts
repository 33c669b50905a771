// Lambda's concurrency accounting: invocations in flight per account and region against the account limit,
// per function against its reserved concurrency, and the unreserved pool (the account limit minus what
// functions reserve) shared by every function without a reservation.
import type { ResolvedFunction } from './resolved-function.js';

export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

interface ScopeCounts {
  total: number;
  unreserved: number;
  perFunction: Map<string, number>;
  /** reservations seen on invoked functions (the control plane holds the truth; this is what we learned of it) */
  reserved: Map<string, number>;
  reservedSum: number;
  peak: number;
}

export class Concurrency {
  private readonly scopes = new Map<string, ScopeCounts>();

  constructor(private readonly accountLimit: () => number) {}

  private scope(fn: ResolvedFunction): ScopeCounts {
    const k = `${fn.account}/${fn.region}`;
    let s = this.scopes.get(k);
    if (!s) this.scopes.set(k, (s = { total: 0, unreserved: 0, perFunction: new Map(), reserved: new Map(), reservedSum: 0, peak: 0 }));
    return s;
  }

  private learnReservation(s: ScopeCounts, fn: ResolvedFunction): void {
    const r = fn.ReservedConcurrentExecutions;
    const known = s.reserved.get(fn.FunctionName);
    if (known === r) return;
    s.reservedSum += (r ?? 0) - (known ?? 0);
    if (r === undefined) s.reserved.delete(fn.FunctionName);
    else s.reserved.set(fn.FunctionName, r);
  }

  /** Takes a slot for one invocation, or says why there is none. */
  tryAcquire(fn: ResolvedFunction): ThrottleReason | undefined {
    const s = this.scope(fn);
    this.learnReservation(s, fn);
    const mine = s.perFunction.get(fn.FunctionName) ?? 0;
    const reserved = fn.ReservedConcurrentExecutions;
    if (reserved !== undefined) {
      if (mine >= reserved) return 'ReservedFunctionConcurrentInvocationLimitExceeded';
    } else {
      const pool = Math.max(0, this.accountLimit() - s.reservedSum);
      if (s.unreserved >= pool) return 'ConcurrentInvocationLimitExceeded';
    }
    if (s.total >= this.accountLimit()) return 'ConcurrentInvocationLimitExceeded';
    s.perFunction.set(fn.FunctionName, mine + 1);
    s.total++;
    if (reserved === undefined) s.unreserved++;
    if (s.total > s.peak) s.peak = s.total;
    return undefined;
  }

  release(fn: ResolvedFunction): void {
    const s = this.scope(fn);
    const mine = (s.perFunction.get(fn.FunctionName) ?? 1) - 1;
    if (mine <= 0) s.perFunction.delete(fn.FunctionName);
    else s.perFunction.set(fn.FunctionName, mine);
    s.total = Math.max(0, s.total - 1);
    if (fn.ReservedConcurrentExecutions === undefined) s.unreserved = Math.max(0, s.unreserved - 1);
  }

  /** In flight now: the account's, the unreserved pool's and one function's. */
  current(fn: ResolvedFunction): { account: number; unreserved: number; fn: number } {
    const s = this.scope(fn);
    return { account: s.total, unreserved: s.unreserved, fn: s.perFunction.get(fn.FunctionName) ?? 0 };
  }
}
