// A state change of an alarm: the record, the StateUpdate history item, the EventBridge event, and the
// actions of the new state (only when ActionsEnabled), each outcome recorded as an Action history item.
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { type AlarmRecord, type AnyAlarm, type StateValue, addHistory, alarmOf, awsJsonTime, isoToAwsJson, saveAlarm } from './alarm-store.js';

const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-central-1': 'EU (Frankfurt)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
};

type RT = Pick<Runtime, 'store' | 'bus' | 'targets' | 'clock' | 'log'>;

export interface NewState {
  state: StateValue;
  reason: string;
  reasonData?: string;
  /** reasonData as alarm history embeds it (parsed and written again), when the caller has it already */
  reasonDataJson?: string;
}

function parseJsonOr(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The reason data of each alarm's current state as history embeds it, so the next change need not parse it. */
const embedded = new WeakMap<AnyAlarm, { reasonData: string; json: string }>();

/** A state as a StateUpdate history item shows it: {"stateValue","stateReason","stateReasonData"} (the reason
 * data as JSON, or as a string when it is not JSON). */
function historyState(value: string, reason: string, reasonData: string | undefined, json: string | undefined): string {
  const head = `{"stateValue":${JSON.stringify(value)},"stateReason":${JSON.stringify(reason)}`;
  return reasonData ? `${head},"stateReasonData":${json ?? JSON.stringify(parseJsonOr(reasonData))}}` : `${head}}`;
}

/** Applies a state change (no-op when the state is the same). Returns true when it changed. */
export function transition(runtime: RT, scope: Scope, record: AlarmRecord, next: NewState): boolean {
  const a = alarmOf(record);
  const previous = { value: (a.StateValue ?? 'INSUFFICIENT_DATA') as StateValue, reason: a.StateReason ?? '', reasonData: a.StateReasonData, timestamp: a.StateUpdatedTimestamp };
  if (previous.value === next.state) return false;
  const now = runtime.clock.now();
  const iso = new Date(now).toISOString();
  const known = embedded.get(a);
  const previousJson = previous.reasonData && known?.reasonData === previous.reasonData ? known.json : undefined;
  // all five, in this order, even when undefined (alarm-state.ts puts a state row back the same way)
  a.StateValue = next.state;
  a.StateReason = next.reason;
  a.StateReasonData = next.reasonData;
  a.StateUpdatedTimestamp = iso;
  a.StateTransitionedTimestamp = iso;
  saveAlarm(runtime, scope, a.AlarmName!, record);

  let nextJson = next.reasonDataJson;
  if (next.reasonData && nextJson === undefined) nextJson = JSON.stringify(parseJsonOr(next.reasonData));
  if (next.reasonData) embedded.set(a, { reasonData: next.reasonData, json: nextJson! });
  addHistory(runtime, scope, {
    AlarmName: a.AlarmName,
    AlarmType: record.type,
    Timestamp: iso,
    HistoryItemType: 'StateUpdate',
    HistorySummary: `Alarm updated from ${previous.value} to ${next.state}`,
    HistoryData:
      `{"version":"1.0","oldState":${historyState(previous.value, previous.reason, previous.reasonData, previousJson)},` +
      `"newState":${historyState(next.state, next.reason, next.reasonData, nextJson)}}`,
  });

  const detailState = (s: { value: string; reason: string; reasonData?: string }, timestamp: string) => ({
    value: s.value,
    reason: s.reason,
    ...(s.reasonData ? { reasonData: s.reasonData } : {}),
    timestamp,
  });
  const configuration = configurationOf(record);
  runtime.bus.emit('aws-event', {
    account: scope.account,
    region: scope.region,
    source: 'aws.cloudwatch',
    detailType: 'CloudWatch Alarm State Change',
    detail: {
      alarmName: a.AlarmName,
      state: detailState({ value: next.state, reason: next.reason, reasonData: next.reasonData }, awsJsonTime(now)),
      previousState: detailState(previous, previous.timestamp ? isoToAwsJson(previous.timestamp as unknown as string) : awsJsonTime(now)),
      configuration,
    },
    resources: [a.AlarmArn!],
    time: new Date(now),
  });

  if (a.ActionsEnabled !== false) {
    const actions = next.state === 'ALARM' ? a.AlarmActions : next.state === 'OK' ? a.OKActions : a.InsufficientDataActions;
    if (actions?.length) void dispatch(runtime, scope, record, actions, previous, next, iso);
  }
  return true;
}

function configurationOf(record: AlarmRecord): Record<string, unknown> {
  const a = alarmOf(record);
  if (record.type === 'CompositeAlarm') {
    return { alarmRule: a.AlarmRule, ...(a.AlarmDescription ? { description: a.AlarmDescription } : {}) };
  }
  const metrics = a.Metrics?.length
    ? a.Metrics.map((q) => ({
        id: q.Id,
        ...(q.MetricStat
          ? {
              metricStat: {
                metric: { namespace: q.MetricStat.Metric.Namespace, name: q.MetricStat.Metric.MetricName, dimensions: dimsObject(q.MetricStat.Metric.Dimensions) },
                period: q.MetricStat.Period,
                stat: q.MetricStat.Stat,
              },
            }
          : { expression: q.Expression, label: q.Label }),
        returnData: q.ReturnData !== false,
      }))
    : [
        {
          id: 'm1',
          metricStat: {
            metric: { namespace: a.Namespace, name: a.MetricName, dimensions: dimsObject(a.Dimensions) },
            period: a.Period,
            stat: a.Statistic ?? a.ExtendedStatistic,
          },
          returnData: true,
        },
      ];
  return { ...(a.AlarmDescription ? { description: a.AlarmDescription } : {}), metrics };
}

function dimsObject(dims: { Name: string; Value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((dims ?? []).map((d) => [d.Name, d.Value]));
}

/** The message SNS (and everything but Lambda) receives. */
function snsMessage(scope: Scope, a: AnyAlarm, previous: StateValue, next: NewState, iso: string): string {
  return JSON.stringify({
    AlarmName: a.AlarmName,
    AlarmDescription: a.AlarmDescription ?? null,
    AWSAccountId: scope.account,
    AlarmConfigurationUpdatedTimestamp: a.AlarmConfigurationUpdatedTimestamp ? awsJsonTime(new Date(a.AlarmConfigurationUpdatedTimestamp).getTime()) : undefined,
    NewStateValue: next.state,
    NewStateReason: next.reason,
    StateChangeTime: awsJsonTime(new Date(iso).getTime()),
    Region: REGION_NAMES[scope.region] ?? scope.region,
    AlarmArn: a.AlarmArn,
    OldStateValue: previous,
    OKActions: a.OKActions ?? [],
    AlarmActions: a.AlarmActions ?? [],
    InsufficientDataActions: a.InsufficientDataActions ?? [],
    ...(a.AlarmRule
      ? { AlarmRule: a.AlarmRule }
      : {
          Trigger: {
            MetricName: a.MetricName,
            Namespace: a.Namespace,
            StatisticType: a.ExtendedStatistic ? 'ExtendedStatistic' : 'Statistic',
            Statistic: a.Statistic?.toUpperCase() ?? a.ExtendedStatistic,
            Unit: a.Unit ?? null,
            Dimensions: (a.Dimensions ?? []).map((d) => ({ value: d.Value, name: d.Name })),
            Period: a.Period,
            EvaluationPeriods: a.EvaluationPeriods,
            DatapointsToAlarm: a.DatapointsToAlarm ?? a.EvaluationPeriods,
            ComparisonOperator: a.ComparisonOperator,
            Threshold: a.Threshold,
            TreatMissingData: a.TreatMissingData ?? 'missing',
            EvaluateLowSampleCountPercentile: a.EvaluateLowSampleCountPercentile ?? '',
          },
        }),
  });
}

/** The event a Lambda function receives from an alarm action. */
function lambdaEvent(scope: Scope, record: AlarmRecord, previous: { value: string; reason: string; reasonData?: string; timestamp?: unknown }, next: NewState, iso: string): string {
  const a = alarmOf(record);
  const st = (s: { value: string; reason: string; reasonData?: string }, ts: string) => ({ value: s.value, reason: s.reason, ...(s.reasonData ? { reasonData: s.reasonData } : {}), timestamp: ts });
  return JSON.stringify({
    source: 'aws.cloudwatch',
    alarmArn: a.AlarmArn,
    accountId: scope.account,
    time: awsJsonTime(new Date(iso).getTime()),
    region: scope.region,
    alarmData: {
      alarmName: a.AlarmName,
      state: st({ value: next.state, reason: next.reason, reasonData: next.reasonData }, awsJsonTime(new Date(iso).getTime())),
      previousState: st(previous, previous.timestamp ? awsJsonTime(new Date(previous.timestamp as string).getTime()) : awsJsonTime(new Date(iso).getTime())),
      configuration: configurationOf(record),
    },
  });
}

async function dispatch(
  runtime: RT,
  scope: Scope,
  record: AlarmRecord,
  actions: string[],
  previous: { value: StateValue; reason: string; reasonData?: string; timestamp?: unknown },
  next: NewState,
  iso: string,
): Promise<void> {
  const a = alarmOf(record);
  const dimensions = dimsObject(a.Dimensions ?? a.Metrics?.find((q) => q.MetricStat)?.MetricStat?.Metric.Dimensions);
  // the breaching value, for step scaling policies (the newest of the datapoints the state reason cites)
  const recent = (parseJsonOr(next.reasonData) as { recentDatapoints?: number[] } | undefined)?.recentDatapoints;
  const metricValue = Array.isArray(recent) && recent.length ? recent[recent.length - 1] : undefined;
  for (const target of actions) {
    const isLambda = /^arn:[^:]+:lambda:/.test(target);
    const payload = isLambda ? lambdaEvent(scope, record, previous, next, iso) : snsMessage(scope, a, previous.value, next, iso);
    const result = await runtime.targets.invoke({
      arn: target,
      payload,
      source: { principal: isLambda ? 'lambda.alarms.cloudwatch.amazonaws.com' : 'cloudwatch.amazonaws.com', arn: a.AlarmArn, account: scope.account, region: scope.region },
      context: { dimensions, alarmName: a.AlarmName, ...(metricValue !== undefined ? { metricValue } : {}) },
    });
    const when = new Date(runtime.clock.now()).toISOString();
    try {
      runtime.store.transaction(() =>
        addHistory(runtime, scope, {
          AlarmName: a.AlarmName,
          AlarmType: record.type,
          Timestamp: when,
          HistoryItemType: 'Action',
          HistorySummary: result.ok ? `Successfully executed action ${target}` : `Failed to execute action ${target}. Received error: "${result.message}"`,
          HistoryData: JSON.stringify({
            actionState: result.ok ? 'Succeeded' : 'Failed',
            stateUpdateTimestamp: new Date(iso).getTime(),
            ...(result.ok ? { notificationResource: target, publishedMessage: result.message } : { error: result.message }),
          }),
        }),
      );
    } catch (err) {
      runtime.log.warn(`cloudwatch: could not record the action of ${a.AlarmName}: ${(err as Error).message}`);
    }
  }
}
