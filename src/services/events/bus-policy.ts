// Who may put events on a bus from another account: the bus's resource policy (PutPermission statements).
import type { BusRecord } from './store.js';

interface Statement {
  Effect?: string;
  Principal?: string | { AWS?: string | string[] };
  Action?: string | string[];
  Condition?: unknown;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** True when an Allow statement for events:PutEvents names the account (or everyone, without conditions). */
export function policyAllowsAccount(bus: BusRecord, account: string): boolean {
  if (!bus.Policy) return false;
  let statements: Statement[];
  try {
    statements = list((JSON.parse(bus.Policy) as { Statement?: Statement | Statement[] }).Statement);
  } catch {
    return false;
  }
  let allowed = false;
  for (const s of statements) {
    const actions = list(s.Action);
    if (!actions.some((a) => a === 'events:PutEvents' || a === 'events:*' || a === '*')) continue;
    const principals = typeof s.Principal === 'string' ? [s.Principal] : list(s.Principal?.AWS);
    const names = principals.some((p) => p === account || p === `arn:aws:iam::${account}:root`);
    // conditions (aws:PrincipalOrgID …) cannot hold without organizations, so `*` needs none
    const everyone = principals.includes('*') && s.Condition === undefined;
    if (!names && !everyone) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}
