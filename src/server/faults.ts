// Fault injection: POST /_cumulus/faults {kind, ...} applies a failure a service knows how to cause
// (an instance's status check failing, a workload killed, an AZ down, Lambda throttling …); services
// register the kinds they understand at init. Faults live in memory: a restart clears them.
import { randomUUID } from 'node:crypto';

/** What a client posted: `kind` plus the kind's own fields (e.g. {"kind":"instance-status","instanceId":"i-…"}). */
export type FaultSpec = { kind: string } & Record<string, unknown>;

export interface ActiveFault {
  id: string;
  kind: string;
  /** what the fault acts on (an instance id, a function ARN, an AZ…), for listing */
  target?: string;
  spec: FaultSpec;
  /** virtual time it was applied, ISO 8601 */
  createdAt: string;
}

/** Thrown by a fault kind when the spec is wrong (unknown instance, missing field): the endpoint answers 400. */
export class FaultError extends Error {}

export interface FaultKind {
  /** one line for GET /_cumulus/faults/kinds */
  description: string;
  /** Validate and apply. Returns what it targets and, optionally, how to undo it when the fault is cleared.
   *  Faults that are one-shot events (a workload killed) return `oneShot: true` and are not kept active. */
  apply(spec: FaultSpec): { target?: string; clear?: () => void; oneShot?: boolean };
}

export class FaultRegistry {
  private kinds = new Map<string, FaultKind>();
  private active = new Map<string, { fault: ActiveFault; clear?: () => void }>();

  constructor(private now: () => Date) {}

  register(kind: string, handler: FaultKind): void {
    this.kinds.set(kind, handler);
  }

  kindNames(): Array<{ kind: string; description: string }> {
    return [...this.kinds].map(([kind, h]) => ({ kind, description: h.description }));
  }

  inject(spec: FaultSpec): ActiveFault {
    const handler = this.kinds.get(spec.kind);
    if (!handler) throw new FaultError(`unknown fault kind '${spec.kind}'; known: ${[...this.kinds.keys()].sort().join(', ') || 'none'}`);
    const applied = handler.apply(spec);
    const fault: ActiveFault = { id: `fault-${randomUUID().slice(0, 8)}`, kind: spec.kind, target: applied.target, spec, createdAt: this.now().toISOString() };
    if (!applied.oneShot) this.active.set(fault.id, { fault, clear: applied.clear });
    return fault;
  }

  list(): ActiveFault[] {
    return [...this.active.values()].map((a) => a.fault);
  }

  /** Active faults of a kind, optionally only those for one target: how services ask "is this failing?" */
  find(kind: string, target?: string): ActiveFault[] {
    return this.list().filter((f) => f.kind === kind && (target === undefined || f.target === target));
  }

  clear(id: string): boolean {
    const a = this.active.get(id);
    if (!a) return false;
    this.active.delete(id);
    a.clear?.();
    return true;
  }

  clearAll(): number {
    const ids = [...this.active.keys()];
    for (const id of ids) this.clear(id);
    return ids.length;
  }
}
