// Log groups as EventBridge targets: an event delivered to arn:aws:logs:REGION:ACCOUNT:log-group:NAME is
// written to that (existing) group as one event, in a stream named after the event's id as AWS does.
import type { TargetInvocation, TargetResult } from '../../events/targets.js';
import { parseArn } from '../../protocol/ids.js';
import type { Runtime } from '../../server/context.js';
import { appendEvents, newStream } from './ingest.js';
import { groupsTable, streamKey, streamsTable } from './store.js';

const GROUP_ARN = /^log-group:([^:]+)(?::\*)?$/;

export function isLogGroupArn(arn: string): boolean {
  const p = parseArn(arn);
  return !!p && p.service === 'logs' && GROUP_ARN.test(p.resource);
}

export function deliverToLogGroup(runtime: Runtime, inv: TargetInvocation): TargetResult {
  const p = parseArn(inv.arn)!;
  const name = GROUP_ARN.exec(p.resource)![1]!;
  const scope = { account: p.account, region: p.region };
  let event: { id?: unknown; time?: unknown } = {};
  try {
    event = JSON.parse(inv.payload) as typeof event;
  } catch {
    /* not JSON: written as it is */
  }
  const now = runtime.clock.now();
  const parsedTime = typeof event.time === 'string' ? Date.parse(event.time) : NaN;
  const timestamp = Number.isFinite(parsedTime) ? parsedTime : now;
  const streamName = typeof event.id === 'string' && event.id ? event.id : `${now}`;
  return runtime.store.transaction(() => {
    if (!groupsTable(runtime.store).has(scope, name)) return { ok: false, message: 'The specified log group does not exist.' };
    const key = streamKey(name, streamName);
    if (!streamsTable(runtime.store).has(scope, key)) streamsTable(runtime.store).put(scope, key, newStream(name, streamName, now));
    appendEvents(runtime, scope, name, streamName, [{ timestamp, message: inv.payload }]);
    return { ok: true, message: `Delivered to log group ${name}` };
  });
}
