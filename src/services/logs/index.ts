// CloudWatch Logs' public API for other services. Workload output goes through the bus ('log-events'),
// which creates the group and stream as Lambda does on AWS; a service that must not create the group (ECS's
// awslogs driver without awslogs-create-group) asks here first.
import type { Runtime } from '../../server/context.js';
import { eventsTable } from './events-table.js';
import { ingestionFor, newGroup } from './ingest.js';
import { groupsTable, logGroupArn } from './store.js';

export { compileFilterPattern, type FilterPattern, type PatternMatch } from './filter-pattern.js';

export interface LogGroupRef {
  account: string;
  region: string;
  logGroupName: string;
}

export function logGroupExists(runtime: Runtime, ref: LogGroupRef): boolean {
  return groupsTable(runtime.store).has({ account: ref.account, region: ref.region }, ref.logGroupName);
}

/** Creates the group if it is missing (awslogs-create-group=true); returns its ARN. */
export function ensureLogGroup(runtime: Runtime, ref: LogGroupRef): string {
  const scope = { account: ref.account, region: ref.region };
  runtime.store.transaction(() => {
    if (!groupsTable(runtime.store).has(scope, ref.logGroupName)) {
      groupsTable(runtime.store).put(scope, ref.logGroupName, newGroup(ref.logGroupName, runtime.clock.now()));
    }
  });
  return logGroupArn(scope, ref.logGroupName);
}

/** The messages of one stream in timestamp order (for services that show a workload's output, e.g. a console). */
export function streamMessages(runtime: Runtime, ref: LogGroupRef & { logStreamName: string }, limit = 10_000): { timestamp: number; message: string }[] {
  ingestionFor(runtime.store)?.flush();
  const out: { timestamp: number; message: string }[] = [];
  for (const e of eventsTable(runtime.store).streamEvents({ account: ref.account, region: ref.region }, ref.logGroupName, ref.logStreamName, { descending: false })) {
    out.push({ timestamp: e.timestamp, message: e.message });
    if (out.length >= limit) break;
  }
  return out;
}
