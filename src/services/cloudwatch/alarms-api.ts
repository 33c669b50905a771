// PutMetricAlarm, PutCompositeAlarm, DescribeAlarms(ForMetric), DeleteAlarms, SetAlarmState,
// Enable/DisableAlarmActions. Evaluation is in alarm-eval.ts and alarm-scheduler.ts.
import type {
  DescribeAlarmsForMetricInput, DescribeAlarmsInput, DescribeAlarmsOutput, MetricAlarm, PutCompositeAlarmInput, PutMetricAlarmInput, SetAlarmStateInput,
} from '../../generated/cloudwatch.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { mergeTags } from '../../protocol/tags.js';
import { type RequestContext, type Runtime, regional } from '../../server/context.js';
import { checkActions } from './action-arns.js';
import { transition } from './alarm-actions.js';
import { evaluateComposites } from './alarm-scheduler.js';
import { javaDouble } from './alarm-eval.js';
import { type AlarmRecord, type AnyAlarm, addHistory, alarmArn, alarmOf, alarmTable, awsJsonTime, removeAlarm, saveAlarm } from './alarm-store.js';
import { alarmNameOf, parseRule, ruleAlarms } from './alarm-rule.js';
import { isHighRes, trackAlarm } from './high-res.js';
import { parseExpression } from './metric-math.js';
import { canonicalDims } from './metric-store.js';
import { isExtendedStat, isValidStat } from './statistics.js';

/** What the alarm operations need: the store and clock, and the account and region they act in (a request,
 * or another service acting through ./index.ts). */
export type AlarmScope = Pick<Runtime, 'store' | 'clock'> & { account: string; region: string };

const validation = (message: string) => new AwsError('ValidationError', message, { status: 400 });
const combination = (message: string) => new AwsError('InvalidParameterCombination', message, { status: 400 });
const notFound = (message: string) => new AwsError('ResourceNotFound', message, { status: 404 });

function checkMetricAlarm(input: PutMetricAlarmInput): void {
  const single = input.MetricName !== undefined || input.Namespace !== undefined || input.Statistic !== undefined || input.ExtendedStatistic !== undefined || input.Dimensions !== undefined || input.Period !== undefined;
  if (input.Metrics?.length) {
    if (single) throw combination('The parameters MetricName, Namespace, Statistic, ExtendedStatistic, Dimensions and Period must not be specified together with Metrics.');
    const ids = new Set(input.Metrics.map((q) => q.Id));
    if (ids.size !== input.Metrics.length) throw validation('The Ids of the Metrics must be unique.');
    const returned = input.Metrics.filter((q) => q.ReturnData !== false && q.Id !== input.ThresholdMetricId);
    if (returned.length !== 1) throw validation('Exactly one element of the metrics list should return data.');
    for (const q of input.Metrics) {
      if (!!q.MetricStat === !!q.Expression) throw validation(`Exactly one element of the MetricStat or Expression fields must be specified for the metric ${q.Id}.`);
      if (q.MetricStat && !isValidStat(q.MetricStat.Stat)) throw validation(`The value ${q.MetricStat.Stat} for the metric ${q.Id} is not a valid statistic.`);
      if (q.Expression) parseExpression(q.Expression, q.Id);
    }
  } else {
    if (!input.MetricName) throw validation('Either MetricName (with Namespace, Statistic or ExtendedStatistic and Period) or Metrics must be specified.');
    if (!input.Namespace) throw validation('Namespace must be specified together with MetricName.');
    if (!input.Period) throw validation('Period must be specified together with MetricName.');
    if (!!input.Statistic === !!input.ExtendedStatistic) throw combination('Exactly one of the parameters Statistic or ExtendedStatistic must be specified.');
    if (input.ExtendedStatistic && !isExtendedStat(input.ExtendedStatistic)) throw new AwsError('InvalidParameterValue', `The value ${input.ExtendedStatistic} for parameter ExtendedStatistic is not supported.`, { status: 400 });
    if (![10, 20, 30].includes(input.Period) && input.Period % 60 !== 0) throw validation('Period must be 10, 20, 30 or a multiple of 60.');
  }
  if (input.EvaluationPeriods === undefined) throw validation('EvaluationPeriods must be specified.');
  if (!input.ComparisonOperator) throw validation('ComparisonOperator must be specified.');
  const band = /Lower|Upper/.test(input.ComparisonOperator);
  if (band && !input.ThresholdMetricId) throw validation('ThresholdMetricId must be specified for the comparison operator ' + input.ComparisonOperator + '.');
  if (!band && input.Threshold === undefined) throw validation('Threshold must be specified.');
  if (input.ThresholdMetricId && !input.Metrics?.some((q) => q.Id === input.ThresholdMetricId)) throw validation(`ThresholdMetricId ${input.ThresholdMetricId} does not refer to one of the Metrics.`);
  if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm > input.EvaluationPeriods) {
    throw validation('DatapointsToAlarm must be less than or equal to EvaluationPeriods.');
  }
  const period = input.Period ?? input.Metrics?.find((q) => q.MetricStat)?.MetricStat?.Period ?? input.Metrics?.[0]?.Period ?? 60;
  if (period * input.EvaluationPeriods > 7 * 24 * 3600) throw validation('The evaluation period of the alarm, Period multiplied by EvaluationPeriods, must not exceed 7 days.');
  if (input.TreatMissingData !== undefined && !['breaching', 'notBreaching', 'ignore', 'missing'].includes(input.TreatMissingData)) {
    throw validation(`The value ${input.TreatMissingData} for TreatMissingData is not valid: use breaching, notBreaching, ignore or missing.`);
  }
  if (input.EvaluateLowSampleCountPercentile !== undefined && !['evaluate', 'ignore'].includes(input.EvaluateLowSampleCountPercentile)) {
    throw validation(`The value ${input.EvaluateLowSampleCountPercentile} for EvaluateLowSampleCountPercentile is not valid: use evaluate or ignore.`);
  }
}

/** The alarm as alarm history's JSON shows it: lowerCamel names (oKActions, as AWS writes it), doubles as Java prints them. */
export function historyJson(a: AnyAlarm): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    const key = k[0]!.toLowerCase() + k.slice(1);
    let text: string;
    if (k === 'Threshold' && typeof v === 'number') text = javaDouble(v);
    else if (/Timestamp$/.test(k) && typeof v === 'string') text = JSON.stringify(awsJsonTime(new Date(v).getTime()));
    else if (k === 'Dimensions' && Array.isArray(v)) text = JSON.stringify(v.map((d: { Name: string; Value: string }) => ({ name: d.Name, value: d.Value })));
    else text = JSON.stringify(v);
    out.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${out.join(',')}}`;
}

function configHistory(ctx: AlarmScope, record: AlarmRecord, before: AnyAlarm | undefined): void {
  const a = alarmOf(record);
  addHistory(ctx, regional(ctx), {
    AlarmName: a.AlarmName,
    AlarmType: record.type,
    Timestamp: new Date(ctx.clock.now()).toISOString(),
    HistoryItemType: 'ConfigurationUpdate',
    HistorySummary: `Alarm "${a.AlarmName}" ${before ? 'updated' : 'created'}`,
    HistoryData: before
      ? `{"type":"Update","version":"1.0","originalAlarm":${historyJson(before)},"updatedAlarm":${historyJson(a)}}`
      : `{"type":"Create","version":"1.0","createdAlarm":${historyJson(a)}}`,
  });
}

function putAlarm(ctx: AlarmScope, name: string, type: AlarmRecord['type'], config: AnyAlarm, tags: { Key: string; Value: string }[] | undefined): void {
  const scope = regional(ctx);
  const table = alarmTable(ctx);
  const existing = table.get(scope, name);
  if (existing && existing.type !== type) {
    throw validation(`An alarm named ${name} already exists as a ${existing.type === 'MetricAlarm' ? 'metric' : 'composite'} alarm.`);
  }
  const now = new Date(ctx.clock.now()).toISOString();
  const before = existing ? alarmOf(existing) : undefined;
  const alarm: AnyAlarm = {
    ...config,
    AlarmName: name,
    AlarmArn: alarmArn(scope, name),
    AlarmConfigurationUpdatedTimestamp: now,
    ActionsEnabled: config.ActionsEnabled ?? true,
    OKActions: config.OKActions ?? [],
    AlarmActions: config.AlarmActions ?? [],
    InsufficientDataActions: config.InsufficientDataActions ?? [],
    StateValue: before?.StateValue ?? 'INSUFFICIENT_DATA',
    StateReason: before?.StateReason ?? 'Unchecked: Initial alarm creation',
    StateReasonData: before?.StateReasonData,
    StateUpdatedTimestamp: before?.StateUpdatedTimestamp ?? now,
    StateTransitionedTimestamp: before?.StateTransitionedTimestamp ?? now,
  };
  const record: AlarmRecord = {
    type,
    ...(type === 'MetricAlarm' ? { metric: alarm } : { composite: alarm }),
    // AWS ignores Tags when an existing alarm is updated (TagResource changes them)
    tags: existing ? existing.tags : mergeTags({}, tags ?? [], { code: 'ValidationError' }),
  };
  saveAlarm(ctx, scope, name, record);
  trackAlarm(ctx, scope, name, type === 'MetricAlarm' && isHighRes(alarm));
  configHistory(ctx, record, before);
}

export function putMetricAlarm(ctx: AlarmScope, input: PutMetricAlarmInput): Record<string, never> {
  checkMetricAlarm(input);
  checkActions(ctx, input);
  const { Tags, ...config } = input;
  const alarm: MetricAlarm = {
    ...config,
    Dimensions: input.Dimensions ? input.Dimensions : input.Metrics ? undefined : [],
    TreatMissingData: input.TreatMissingData,
  };
  putAlarm(ctx, input.AlarmName, 'MetricAlarm', alarm as AnyAlarm, Tags);
  return {};
}

export function putCompositeAlarm(ctx: RequestContext, input: PutCompositeAlarmInput): Record<string, never> {
  const rule = parseRule(input.AlarmRule);
  const scope = regional(ctx);
  for (const ref of ruleAlarms(rule)) {
    const name = alarmNameOf(ref);
    if (name === input.AlarmName) throw validation('A composite alarm cannot refer to itself in its AlarmRule.');
    if (!alarmTable(ctx).has(scope, name)) throw validation(`Could not save the composite alarm as alarms [${name}] in the alarm rule do not exist`);
  }
  checkActions(ctx, { ...input });
  const { Tags, ...config } = input;
  putAlarm(ctx, input.AlarmName, 'CompositeAlarm', config as AnyAlarm, Tags);
  evaluateComposites(ctx, scope);
  return {};
}

function view(r: AlarmRecord): AnyAlarm {
  const a = alarmOf(r);
  const out = { ...a } as AnyAlarm;
  for (const k of ['AlarmConfigurationUpdatedTimestamp', 'StateUpdatedTimestamp', 'StateTransitionedTimestamp'] as const) {
    if (out[k]) (out as Record<string, unknown>)[k] = new Date(out[k] as string);
  }
  return out;
}

export function describeAlarms(ctx: AlarmScope, input: DescribeAlarmsInput): DescribeAlarmsOutput {
  const scope = regional(ctx);
  const all = alarmTable(ctx).list(scope);
  let list: AlarmRecord[];
  if (input.ChildrenOfAlarmName) {
    const parent = all.find((r) => alarmOf(r).AlarmName === input.ChildrenOfAlarmName && r.type === 'CompositeAlarm');
    const children = new Set(parent ? ruleAlarms(parseRule(parent.composite!.AlarmRule!)).map(alarmNameOf) : []);
    list = all.filter((r) => children.has(alarmOf(r).AlarmName!));
  } else if (input.ParentsOfAlarmName) {
    list = all.filter((r) => r.type === 'CompositeAlarm' && ruleAlarms(parseRule(r.composite!.AlarmRule!)).map(alarmNameOf).includes(input.ParentsOfAlarmName!));
  } else {
    const types = input.AlarmTypes?.length ? input.AlarmTypes : ['MetricAlarm'];
    list = all.filter((r) => {
      const a = alarmOf(r);
      if (!types.includes(r.type)) return false;
      if (input.AlarmNames?.length && !input.AlarmNames.includes(a.AlarmName!)) return false;
      if (input.AlarmNamePrefix && !a.AlarmName!.startsWith(input.AlarmNamePrefix)) return false;
      if (input.StateValue && a.StateValue !== input.StateValue) return false;
      if (input.ActionPrefix && ![...(a.AlarmActions ?? []), ...(a.OKActions ?? []), ...(a.InsufficientDataActions ?? [])].some((x) => x.startsWith(input.ActionPrefix!))) return false;
      return true;
    });
  }
  list.sort((x, y) => (alarmOf(x).AlarmName! < alarmOf(y).AlarmName! ? -1 : 1));
  const page = paginate(list, (r) => alarmOf(r).AlarmName!, { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
  return {
    MetricAlarms: page.items.filter((r) => r.type === 'MetricAlarm').map(view),
    CompositeAlarms: page.items.filter((r) => r.type === 'CompositeAlarm').map(view),
    NextToken: page.next,
  };
}

export function describeAlarmsForMetric(ctx: RequestContext, input: DescribeAlarmsForMetricInput): { MetricAlarms: AnyAlarm[] } {
  const want = JSON.stringify(canonicalDims(input.Dimensions));
  const list = alarmTable(ctx)
    .list(regional(ctx))
    .filter((r) => r.type === 'MetricAlarm')
    .filter((r) => {
      const a = r.metric!;
      const metrics = a.Metrics?.length
        ? a.Metrics.filter((q) => q.MetricStat).map((q) => ({ ns: q.MetricStat!.Metric.Namespace, name: q.MetricStat!.Metric.MetricName, dims: q.MetricStat!.Metric.Dimensions, stat: q.MetricStat!.Stat, period: q.MetricStat!.Period, unit: q.MetricStat!.Unit }))
        : [{ ns: a.Namespace, name: a.MetricName, dims: a.Dimensions, stat: a.Statistic ?? a.ExtendedStatistic, period: a.Period, unit: a.Unit }];
      return metrics.some(
        (m) =>
          m.ns === input.Namespace &&
          m.name === input.MetricName &&
          (input.Dimensions === undefined || JSON.stringify(canonicalDims(m.dims)) === want) &&
          (input.Statistic === undefined || m.stat === input.Statistic) &&
          (input.ExtendedStatistic === undefined || m.stat === input.ExtendedStatistic) &&
          (input.Period === undefined || m.period === input.Period) &&
          (input.Unit === undefined || m.unit === input.Unit),
      );
    });
  return { MetricAlarms: list.map(view) };
}

export function deleteAlarms(ctx: AlarmScope, names: string[]): Record<string, never> {
  const scope = regional(ctx);
  const table = alarmTable(ctx);
  const missing = names.filter((n) => !table.has(scope, n));
  if (missing.length) throw notFound(`${missing.length === 1 ? 'Alarm' : 'Alarms'} ${missing.join(', ')} not found`);
  const all = table.list(scope);
  for (const n of names) {
    const parent = all.find((r) => r.type === 'CompositeAlarm' && !names.includes(r.composite!.AlarmName!) && ruleAlarms(parseRule(r.composite!.AlarmRule!)).map(alarmNameOf).includes(n));
    if (parent) throw validation(`The alarm ${n} cannot be deleted because it is part of the AlarmRule of the composite alarm ${parent.composite!.AlarmName}.`);
  }
  for (const n of names) {
    const r = table.get(scope, n)!;
    removeAlarm(ctx, scope, n);
    trackAlarm(ctx, scope, n, false);
    addHistory(ctx, scope, {
      AlarmName: n,
      AlarmType: r.type,
      Timestamp: new Date(ctx.clock.now()).toISOString(),
      HistoryItemType: 'ConfigurationUpdate',
      HistorySummary: `Alarm "${n}" deleted`,
      HistoryData: `{"type":"Delete","version":"1.0","deletedAlarm":${historyJson(alarmOf(r))}}`,
    });
  }
  return {};
}

export function setAlarmState(ctx: RequestContext, input: SetAlarmStateInput): Record<string, never> {
  const scope = regional(ctx);
  const record = alarmTable(ctx).get(scope, input.AlarmName);
  if (!record) throw notFound(`Alarm ${input.AlarmName} not found`);
  if (input.StateReasonData !== undefined) {
    try {
      JSON.parse(input.StateReasonData);
    } catch {
      throw new AwsError('InvalidFormat', 'The parameter StateReasonData must be valid JSON.', { status: 400 });
    }
  }
  if (transition(ctx, scope, record, { state: input.StateValue, reason: input.StateReason, reasonData: input.StateReasonData })) evaluateComposites(ctx, scope);
  return {};
}

export function setActionsEnabled(ctx: RequestContext, names: string[], enabled: boolean): Record<string, never> {
  const scope = regional(ctx);
  const table = alarmTable(ctx);
  for (const n of names) {
    const r = table.get(scope, n);
    if (!r) continue;
    alarmOf(r).ActionsEnabled = enabled;
    saveAlarm(ctx, scope, n, r);
  }
  return {};
}
