// PutMetricData, GetMetricStatistics and ListMetrics over the metric store.
import type { MetricDatum as BusDatum } from '../../events/bus.js';
import type { GetMetricStatisticsInput, GetMetricStatisticsOutput, ListMetricsInput, ListMetricsOutput, MetricDatum, PutMetricDataInput } from '../../generated/cloudwatch.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import type { RequestContext } from '../../server/context.js';
import { type Dimension, RETENTION, type StoredDatum, UNITS, canonicalDims, unitOf } from './metric-store.js';
import { metricsOf } from './state.js';
import { aggregate, isExtendedStat, statValue } from './statistics.js';

const invalid = (message: string) => new AwsError('InvalidParameterValue', message, { status: 400 });
const combination = (message: string) => new AwsError('InvalidParameterCombination', message, { status: 400 });

const MAX_MAGNITUDE = 2 ** 360;
const MIN_MAGNITUDE = 2 ** -260;

function checkValue(v: number, where: string): void {
  const a = Math.abs(v);
  if (!(a <= MAX_MAGNITUDE) || (a !== 0 && a < MIN_MAGNITUDE)) {
    throw invalid(`The value ${Number.isNaN(v) ? 'NaN' : String(v)} for parameter ${where} is invalid.`);
  }
}

/** Validates datums as PutMetricData does and converts them to stored points. */
export function toStored(datums: (MetricDatum | BusDatum)[], now: number, strict: boolean): StoredDatum[] {
  const out: StoredDatum[] = [];
  const tooOld: string[] = [];
  const oldest = now - 14 * 24 * 3600_000;
  const newest = now + 2 * 3600_000;
  for (let i = 0; i < datums.length; i++) {
    const d = datums[i]!;
    const where = `MetricData.member.${i + 1}`;
    const ts = d.Timestamp === undefined ? now : d.Timestamp instanceof Date ? d.Timestamp.getTime() : new Date(d.Timestamp).getTime();
    if (strict) {
      if (ts < oldest) tooOld.push(`The parameter ${where}.Timestamp must specify a time within the past two weeks.`);
      else if (ts > newest) tooOld.push(`The parameter ${where}.Timestamp must specify a time no more than two hours in the future.`);
    }
    const res = d.StorageResolution ?? 60;
    if (res !== 1 && res !== 60) throw invalid(`The value ${res} for parameter ${where}.StorageResolution is invalid.`);
    const kinds = (d.Value !== undefined ? 1 : 0) + (d.StatisticValues !== undefined ? 1 : 0) + (d.Values !== undefined ? 1 : 0);
    if (kinds > 1) {
      const names = [d.Value !== undefined && 'Value', d.StatisticValues !== undefined && 'StatisticValues', d.Values !== undefined && 'Values'].filter(Boolean);
      throw combination(`The parameters ${where}.${names[0]} and ${where}.${names[1]} are mutually exclusive and you have specified both.`);
    }
    if (kinds === 0) throw combination(`At least one of the parameters ${where}.Value, ${where}.StatisticValues or ${where}.Values must be specified.`);
    const dims = d.Dimensions && d.Dimensions.length > 1 ? canonicalDims(d.Dimensions) : (d.Dimensions ?? []);
    for (let k = 1; k < dims.length; k++) {
      if (dims[k]!.Name === dims[k - 1]!.Name) throw invalid(`No metric may have duplicate dimension names: ${where}.Dimensions has ${dims[k]!.Name} more than once.`);
    }
    const unit = unitOf(d.Unit);
    const step = res === 1 ? 1000 : 60_000;
    const at = ts - (((ts % step) + step) % step);
    if (d.Value !== undefined) {
      const v = d.Value;
      checkValue(v, `${where}.Value`);
      out.push({ metricName: d.MetricName, dims, point: { ts: at, unit, count: 1, sum: v, min: v, max: v, values: [v] } });
      continue;
    }
    const base = { ts: at, unit };
    if (d.StatisticValues) {
      const s = d.StatisticValues;
      for (const [k, v] of Object.entries(s)) checkValue(v, `${where}.StatisticValues.${k}`);
      if (s.SampleCount <= 0) throw invalid(`The value ${s.SampleCount} for parameter ${where}.StatisticValues.SampleCount is invalid.`);
      if (s.Minimum > s.Maximum) throw invalid(`The parameter ${where}.StatisticValues.Minimum must be less than or equal to ${where}.StatisticValues.Maximum.`);
      out.push({ metricName: d.MetricName, dims, point: { ...base, count: s.SampleCount, sum: s.Sum, min: s.Minimum, max: s.Maximum } });
    } else {
      const values = d.Values!;
      const counts = d.Counts;
      if (values.length > 150) throw invalid(`The collection ${where}.Values must not have a size greater than 150.`);
      if (counts && counts.length !== values.length) throw invalid(`The parameters ${where}.Values and ${where}.Counts must be of the same size.`);
      if (!values.length) throw invalid(`The collection ${where}.Values must not be empty.`);
      let count = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      values.forEach((v, j) => {
        checkValue(v, `${where}.Values.member.${j + 1}`);
        const c = counts?.[j] ?? 1;
        checkValue(c, `${where}.Counts.member.${j + 1}`);
        count += c;
        sum += v * c;
        if (v < min) min = v;
        if (v > max) max = v;
      });
      out.push({ metricName: d.MetricName, dims, point: { ...base, count, sum, min, max, values: [...values], counts: counts ? [...counts] : undefined } });
    }
  }
  if (tooOld.length) throw invalid(tooOld.join('\n'));
  return out;
}

export function putMetricData(ctx: RequestContext, input: PutMetricDataInput): Record<string, never> {
  const data = input.MetricData ?? [];
  if (!data.length && !input.EntityMetricData?.length) throw combination('At least one of the parameters MetricData or EntityMetricData must be specified.');
  if (data.length > 1000) throw invalid('The collection MetricData must not have a size greater than 1000.');
  if (/^AWS\//.test(input.Namespace)) throw invalid(`The value ${input.Namespace} for parameter Namespace is invalid.`);
  const all: (MetricDatum)[] = [...data];
  for (const e of input.EntityMetricData ?? []) all.push(...(e.MetricData ?? []));
  metricsOf(ctx).put(ctx.account, ctx.region, input.Namespace, toStored(all, ctx.clock.now(), true));
  return {};
}

/** Period rules: 1, 5, 10, 20, 30 for high-resolution data, else a multiple of 60. */
export function checkPeriod(period: number, name = 'Period'): void {
  if (period <= 0 || !([1, 5, 10, 20, 30].includes(period) || period % 60 === 0)) {
    throw invalid(`The parameter ${name} must be 1, 5, 10, 20, 30, or a multiple of 60.`);
  }
}

/** StartTime rounded as CloudWatch does: to the minute, to 5 minutes past 15 days, to the hour past 63 days. */
export function roundStart(start: number, now: number, period: number): number {
  const age = now - start;
  const step = age > RETENTION.fiveMinutes ? 3600_000 : age > RETENTION.minute ? 300_000 : period < 60 ? period * 1000 : 60_000;
  return start - (((start % step) + step) % step);
}

export function getMetricStatistics(ctx: RequestContext, input: GetMetricStatisticsInput): GetMetricStatisticsOutput {
  const stats = input.Statistics ?? [];
  const ext = input.ExtendedStatistics ?? [];
  if (!stats.length === !ext.length) throw combination('Must specify either Statistics or ExtendedStatistics, but not both.');
  for (const e of ext) if (!isExtendedStat(e) || /^p/i.test(e) && Number(e.slice(1)) > 100) throw invalid(`The value ${e} for parameter ExtendedStatistics is not a valid extended statistic.`);
  checkPeriod(input.Period);
  const now = ctx.clock.now();
  let start = new Date(input.StartTime).getTime();
  const end = new Date(input.EndTime).getTime();
  if (start >= end) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  start = roundStart(start, now, input.Period);
  const periodMs = input.Period * 1000;
  const requested = Math.ceil((end - start) / periodMs);
  if (requested > 1440) {
    throw combination(
      `You have requested up to ${requested.toLocaleString('en-US')} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
  const series = metricsOf(ctx).find(ctx.account, ctx.region, input.Namespace, input.MetricName, input.Dimensions);
  const buckets = series ? aggregate([series], start, end, periodMs, input.Unit ? unitOf(input.Unit) : undefined, !input.Unit) : [];
  return {
    Label: input.MetricName,
    Datapoints: buckets.map((b) => {
      const dp: Record<string, unknown> = { Timestamp: new Date(b.ts), Unit: UNITS[b.unit] };
      for (const s of stats) dp[s] = statValue(b, s);
      if (ext.length) {
        const m: Record<string, number> = {};
        for (const e of ext) {
          const v = statValue(b, e);
          if (v !== undefined) m[e] = v;
        }
        dp.ExtendedStatistics = m;
      }
      return dp;
    }),
  };
}

function dimsMatch(have: Dimension[], filters: { Name: string; Value?: string }[]): boolean {
  return filters.every((f) => have.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)));
}

export function listMetrics(ctx: RequestContext, input: ListMetricsInput): ListMetricsOutput {
  const now = ctx.clock.now();
  const since = input.RecentlyActive === 'PT3H' ? now - 3 * 3600_000 : now - 14 * 24 * 3600_000;
  const list = metricsOf(ctx)
    .seriesOf(ctx.account, ctx.region)
    .filter(
      (s) =>
        s.lastPut >= since &&
        (input.Namespace === undefined || s.namespace === input.Namespace) &&
        (input.MetricName === undefined || s.metricName === input.MetricName) &&
        (!input.Dimensions || dimsMatch(s.dimensions, input.Dimensions)),
    )
    .sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.metricName, b.metricName) || cmp(JSON.stringify(a.dimensions), JSON.stringify(b.dimensions)));
  const page = paginate(list, (s) => String(s.id), { token: input.NextToken, defaultMax: 500, invalidTokenCode: 'InvalidNextToken' });
  return {
    Metrics: page.items.map((s) => ({ Namespace: s.namespace, MetricName: s.metricName, Dimensions: s.dimensions.map((d) => ({ ...d })) })),
    NextToken: page.next,
    ...(input.IncludeLinkedAccounts ? { OwningAccounts: page.items.map(() => ctx.account) } : {}),
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
