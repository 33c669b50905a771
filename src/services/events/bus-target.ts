// An event bus as the target of a rule: the event is put on that bus (in this or another account and region),
// where that bus's rules see it. Another account's bus must allow this account in its resource policy.
import type { TargetInvocation, TargetResult } from '../../events/targets.js';
import type { Runtime } from '../../server/context.js';
import { policyAllowsAccount } from './bus-policy.js';
import { MAX_BUS_HOPS, metric, publish } from './delivery.js';
import type { EventEnvelope } from './envelope.js';
import { findBus } from './store.js';

const BUS_ARN = /^arn:[^:]+:events:([^:]+):(\d{12}):event-bus\/(.+)$/;

export function isBusArn(arn: string): boolean {
  return BUS_ARN.test(arn);
}

export function deliverToBus(runtime: Runtime, inv: TargetInvocation): TargetResult {
  const m = BUS_ARN.exec(inv.arn)!;
  const scope = { region: m[1]!, account: m[2]! };
  const name = m[3]!;
  const bus = findBus(runtime.store, scope, name);
  if (!bus) return { ok: false, message: `Event bus ${name} does not exist.` };
  if (scope.account !== inv.source.account && !policyAllowsAccount(bus, inv.source.account)) {
    return { ok: false, message: `Account ${inv.source.account} is not authorized to put events on ${inv.arn}.` };
  }
  const hops = Number(inv.context?.eventBusHops ?? 0) + 1;
  if (hops > MAX_BUS_HOPS) {
    // a loop between buses: AWS stops it and counts it as a dead-letter invocation of the rule
    const rule = typeof inv.context?.ruleName === 'string' ? inv.context.ruleName : undefined;
    if (rule) metric(runtime, { account: inv.source.account, region: inv.source.region }, rule, 'DeadLetterInvocations');
    return { ok: true, message: `Event dropped: it crossed ${MAX_BUS_HOPS} event buses.` };
  }
  let event: EventEnvelope;
  try {
    event = JSON.parse(inv.payload) as EventEnvelope;
  } catch {
    return { ok: false, message: 'The event is not valid JSON.' };
  }
  if (!event || typeof event !== 'object' || typeof event.source !== 'string' || typeof event['detail-type'] !== 'string') {
    return { ok: false, message: 'The input is not an event: source and detail-type are required.' };
  }
  // the event keeps its id, source and account; it now lives in the target bus's region
  publish(runtime, scope, name, { ...event, region: scope.region }, { hops });
  return { ok: true, message: `Event put on ${inv.arn}` };
}
