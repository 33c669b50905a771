// DescribeAlarmHistory: configuration updates, state updates and actions, newest first unless ScanBy says otherwise.
import type { DescribeAlarmHistoryInput, DescribeAlarmHistoryOutput } from '../../generated/cloudwatch.js';
import { paginate } from '../../protocol/pagination.js';
import { type RequestContext, regional } from '../../server/context.js';
import { historyTable } from './alarm-store.js';

export function describeAlarmHistory(ctx: RequestContext, input: DescribeAlarmHistoryInput): DescribeAlarmHistoryOutput {
  const types = input.AlarmTypes?.length ? input.AlarmTypes : ['MetricAlarm'];
  const from = input.StartDate ? new Date(input.StartDate).getTime() : -Infinity;
  const to = input.EndDate ? new Date(input.EndDate).getTime() : Infinity;
  // AWS keeps 30 days of alarm history
  const oldest = ctx.clock.now() - 30 * 24 * 3600_000;
  const items = historyTable(ctx)
    .list(regional(ctx))
    .map((h, i) => ({ h, i, t: new Date(h.Timestamp).getTime() }))
    .filter(
      ({ h, t }) =>
        t >= oldest &&
        t >= from &&
        t <= to &&
        types.includes(h.AlarmType!) &&
        (input.AlarmName === undefined || h.AlarmName === input.AlarmName) &&
        (input.HistoryItemType === undefined || h.HistoryItemType === input.HistoryItemType),
    );
  const asc = input.ScanBy === 'TimestampAscending';
  items.sort((a, b) => (asc ? a.t - b.t || a.i - b.i : b.t - a.t || b.i - a.i));
  const page = paginate(items, (x) => `${x.t}#${x.i}`, { token: input.NextToken, max: input.MaxRecords, defaultMax: 100, invalidTokenCode: 'InvalidNextToken' });
  return {
    AlarmHistoryItems: page.items.map(({ h }) => ({ ...h, Timestamp: new Date(h.Timestamp) })),
    NextToken: page.next,
  };
}
