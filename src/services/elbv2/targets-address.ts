// Where a target is reached. The process driver shares the host's network: a program in an instance
// listening on port P is at 127.0.0.1:P, so instance targets (and IP targets naming an instance's private
// address) are reached on the loopback at the registered port. Other IP targets are dialled as given.
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { instanceByPrivateIp, instanceForTarget } from '../ec2/index.js';
import type { RegisteredTarget, TargetGroupRecord } from './store.js';

export function targetHost(runtime: Pick<Runtime, 'store'>, scope: Scope, tg: TargetGroupRecord, t: RegisteredTarget): string {
  if (tg.TargetType === 'instance') return '127.0.0.1';
  if (tg.TargetType === 'ip') {
    if (t.Id.startsWith('127.')) return t.Id;
    return instanceByPrivateIp(runtime, scope, t.Id) ? '127.0.0.1' : t.Id;
  }
  return '127.0.0.1';
}

export const trafficPort = (tg: TargetGroupRecord, t: RegisteredTarget): number => t.Port ?? tg.Port ?? 80;

/** The instance's EC2 state for instance targets (undefined for other target types or a gone instance). */
export function instanceState(runtime: Pick<Runtime, 'store'>, scope: Scope, tg: TargetGroupRecord, t: RegisteredTarget): string | undefined {
  if (tg.TargetType !== 'instance') return undefined;
  return instanceForTarget(runtime, scope, t.Id)?.State ?? 'terminated';
}
