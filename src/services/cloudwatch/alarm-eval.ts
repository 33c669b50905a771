// Evaluating a metric alarm, as CloudWatch documents it: the last EvaluationPeriods periods ending at the
// evaluation time, M of N breaching datapoints, missing data treated as TreatMissingData says, and the state
// reason and reason data in CloudWatch's words and JSON.
import type { MetricAlarm } from '../../generated/cloudwatch.js';
import type { StateValue } from './alarm-store.js';
import { awsJsonTime } from './alarm-store.js';
import type { MetricStore } from './metric-store.js';
import { runQueries } from './metric-data.js';
import { canonicalDims, seriesKey, unitOf } from './metric-store.js';
import { aggregate, needsDistribution, statValue } from './statistics.js';
import type { TimeSeries } from './metric-math.js';

export interface Evaluation {
  state: StateValue;
  /** the state reason and reason data, built only when the state changes; reasonDataJson is the reason data
   * as alarm history embeds it (parsed and written again: numbers as JavaScript prints them) */
  describe(): { reason: string; reasonData: string; reasonDataJson?: string };
}

/** Java's Double.toString, which CloudWatch's reasons and JSON use: 95.0, 0.5, 1.0E7. */
export function javaDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const a = Math.abs(v);
  if (a === 0 || (a >= 1e-3 && a < 1e7)) return Number.isInteger(v) ? `${v}.0` : String(v);
  const [m, e] = v.toExponential().split('e');
  return `${m!.includes('.') ? m : `${m}.0`}E${Number(e)}`;
}

const reasonTimes = new Map<number, string>();

/** dd/MM/yy HH:mm:ss in UTC, as alarm reasons print datapoint times (the same few for every alarm of a minute). */
function reasonTime(ms: number): string {
  let text = reasonTimes.get(ms);
  if (text === undefined) {
    const d = new Date(ms);
    const p = (n: number) => String(n).padStart(2, '0');
    text = `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
    if (reasonTimes.size >= 4096) reasonTimes.clear();
    reasonTimes.set(ms, text);
  }
  return text;
}

/** The series key of a single-metric alarm, computed once per alarm object (alarm-cache.ts keeps them). */
const seriesKeys = new WeakMap<MetricAlarm, string>();

function seriesOf(store: MetricStore, account: string, region: string, a: MetricAlarm) {
  let key = seriesKeys.get(a);
  if (key === undefined) seriesKeys.set(a, (key = seriesKey(account, region, a.Namespace ?? '', a.MetricName ?? '', canonicalDims(a.Dimensions))));
  return store.findByKey(key);
}

const WORDS: Record<string, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
  LessThanLowerOrGreaterThanUpperThreshold: 'outside of',
  LessThanLowerThreshold: 'less than the lower end of',
  GreaterThanUpperThreshold: 'greater than the upper end of',
};

function breaches(op: string, v: number, t: number, band?: [number, number]): boolean {
  switch (op) {
    case 'GreaterThanThreshold':
      return v > t;
    case 'GreaterThanOrEqualToThreshold':
      return v >= t;
    case 'LessThanThreshold':
      return v < t;
    case 'LessThanOrEqualToThreshold':
      return v <= t;
    case 'LessThanLowerOrGreaterThanUpperThreshold':
      return band ? v < band[0] || v > band[1] : false;
    case 'LessThanLowerThreshold':
      return band ? v < band[0] : false;
    default:
      return band ? v > band[1] : false;
  }
}

interface Slot {
  ts: number;
  value?: number;
  sampleCount?: number;
  band?: [number, number];
}

/** The alarm's datapoints for the N periods ending at `end`, oldest first. */
function datapoints(store: MetricStore, account: string, region: string, a: MetricAlarm, end: number): { slots: Slot[]; period: number } {
  const n = a.EvaluationPeriods ?? 1;
  if (a.Metrics?.length) {
    const ret = a.Metrics.find((q) => q.ReturnData !== false && q.Id !== a.ThresholdMetricId) ?? a.Metrics[0]!;
    const period = ret.MetricStat?.Period ?? ret.Period ?? a.Metrics.find((q) => q.MetricStat)?.MetricStat?.Period ?? 60;
    end -= end % (period * 1000);
    const start = end - n * period * 1000;
    // a band needs history: its queries look back a day (the model of AWS's anomaly detection trains on two weeks)
    const queryStart = a.ThresholdMetricId ? Math.min(start, end - 86_400_000) : start;
    const values = runQueries({ account, region, metrics: store }, a.Metrics, queryStart, end);
    const main = values.get(ret.Id);
    const s: TimeSeries | undefined = main && typeof main === 'object' && !Array.isArray(main) ? main : undefined;
    let band: TimeSeries[] = [];
    if (a.ThresholdMetricId) {
      const t = values.get(a.ThresholdMetricId);
      band = Array.isArray(t) ? t : t && typeof t === 'object' ? [t] : [];
    }
    const slots: Slot[] = [];
    for (let k = 0; k < n; k++) {
      const ts = start + k * period * 1000;
      const i = s ? s.ts.findIndex((x) => x >= ts && x < ts + period * 1000) : -1;
      const slot: Slot = { ts, value: i >= 0 ? s!.values[i] : undefined };
      const bv = band.map((b) => b.values[b.ts.findIndex((x) => x >= ts && x < ts + period * 1000)]).filter((x): x is number => x !== undefined);
      if (bv.length) slot.band = [Math.min(...bv), Math.max(...bv)];
      slots.push(slot);
    }
    return { slots, period };
  }
  const period = a.Period ?? 60;
  const periodMs = period * 1000;
  // periods are aligned to their length (a 5-minute alarm looks at 12:00–12:05, not 12:01–12:06)
  end -= end % periodMs;
  const start = end - n * periodMs;
  const series = seriesOf(store, account, region, a);
  const stat = a.Statistic ?? a.ExtendedStatistic ?? 'Average';
  const buckets = series ? aggregate([series], start, end, periodMs, a.Unit ? unitOf(a.Unit) : undefined, false, needsDistribution(stat)) : [];
  const slots: Slot[] = [];
  let j = 0;
  for (let k = 0; k < n; k++) {
    const ts = start + k * periodMs;
    while (j < buckets.length && buckets[j]!.ts < ts) j++;
    const b = j < buckets.length && buckets[j]!.ts === ts ? buckets[j] : undefined;
    const v = b ? statValue(b, stat) : undefined;
    slots.push({ ts, value: v === undefined || Number.isNaN(v) ? undefined : v, sampleCount: b?.count });
  }
  return { slots, period };
}

/** Evaluates a metric alarm at `now` (virtual ms): the N periods that ended by the evaluation time. */
export function evaluateMetricAlarm(store: MetricStore, account: string, region: string, a: MetricAlarm, now: number): Evaluation {
  const { slots, period } = datapoints(store, account, region, a, now);
  const n = slots.length;
  const m = a.DatapointsToAlarm ?? n;
  const op = a.ComparisonOperator ?? 'GreaterThanThreshold';
  const threshold = a.Threshold ?? 0;
  const treat = a.TreatMissingData ?? 'missing';
  // percentiles over too few samples: 'ignore' leaves them out, 'evaluate' (default) counts them
  const lowSampleIgnored = (s: Slot) => a.EvaluateLowSampleCountPercentile === 'ignore' && /^p/.test(a.ExtendedStatistic ?? '') && (s.sampleCount ?? 0) < 20;
  const present = slots.filter((s) => s.value !== undefined && !lowSampleIgnored(s));
  const missing = n - present.length;
  const breaching = present.filter((s) => breaches(op, s.value!, threshold, s.band));
  const missingBreach = treat === 'breaching' ? missing : 0;
  const current = (a.StateValue ?? 'INSUFFICIENT_DATA') as StateValue;
  let state: StateValue;
  if (breaching.length + missingBreach >= m) state = 'ALARM';
  else if (missing === n && treat === 'missing') state = 'INSUFFICIENT_DATA';
  else if (missing === n && treat === 'ignore') state = current;
  else state = 'OK';
  return { state, describe: () => describe(a, slots, period, now, state, current) };
}

function describe(a: MetricAlarm, slots: Slot[], period: number, now: number, state: StateValue, current: StateValue): ReturnType<Evaluation['describe']> {
  const n = slots.length;
  const m = a.DatapointsToAlarm ?? n;
  const op = a.ComparisonOperator ?? 'GreaterThanThreshold';
  const threshold = a.Threshold ?? 0;
  const treat = a.TreatMissingData ?? 'missing';
  const lowSampleIgnored = (s: Slot) => a.EvaluateLowSampleCountPercentile === 'ignore' && /^p/.test(a.ExtendedStatistic ?? '') && (s.sampleCount ?? 0) < 20;
  const present = slots.filter((s) => s.value !== undefined && !lowSampleIgnored(s));
  const missing = n - present.length;
  const breaching = present.filter((s) => breaches(op, s.value!, threshold, s.band));
  const missingBreach = treat === 'breaching' ? missing : 0;
  const words = WORDS[op]!;
  const thresholdText = op.includes('Upper') || op.includes('Lower') ? 'the band' : `the threshold (${javaDouble(threshold)})`;
  const listed = [...present].reverse(); // most recent first
  const list = (pts: Slot[]) => `[${pts.map((s) => `${javaDouble(s.value!)} (${reasonTime(s.ts)})`).join(', ')}]`;
  const plural = (k: number) => `${k} datapoint${k === 1 ? '' : 's'}`;
  let reason: string;
  if (state === 'INSUFFICIENT_DATA') {
    reason = `Insufficient Data: ${plural(missing)} ${missing === 1 ? 'was' : 'were'} unknown.`;
  } else if (present.length === 0) {
    const as = treat === 'breaching' ? 'Breaching' : 'NonBreaching';
    reason = `Threshold Crossed: no datapoints were received for ${missing} period${missing === 1 ? '' : 's'} and ${missing} missing datapoint${missing === 1 ? ' was' : 's were'} treated as [${as}].`;
  } else if (state === 'ALARM') {
    const shown = [...breaching].reverse();
    if (m === n && shown.length === n) {
      reason = `Threshold Crossed: ${plural(n)} ${list(shown)} ${n === 1 ? 'was' : 'were'} ${words} ${thresholdText}.`;
    } else {
      reason =
        `Threshold Crossed: ${breaching.length + missingBreach} out of the last ${n} datapoints ${list(shown)} were ${words} ${thresholdText} ` +
        `(minimum ${plural(m)} for ${current === 'ALARM' ? 'OK' : current} -> ALARM transition).`;
    }
  } else {
    const fine = listed.filter((x) => !breaches(op, x.value!, threshold, x.band));
    if (m < n) {
      // M of N: as many non-breaching datapoints as make ALARM impossible
      const need = n - m + 1;
      reason =
        `Threshold Crossed: ${fine.length} out of the last ${n} datapoints ${list(fine)} ${fine.length === 1 ? 'was' : 'were'} not ${words} ${thresholdText} ` +
        `(minimum ${plural(need)} for ${current === 'OK' ? 'ALARM' : current} -> OK transition).`;
    } else {
      reason = `Threshold Crossed: ${plural(fine.length)} ${list(fine)} ${fine.length === 1 ? 'was' : 'were'} not ${words} ${thresholdText}.`;
    }
  }

  const reasonData = reasonDataText(a, slots, present, period, now, op, threshold, javaDouble)!;
  return { reason, reasonData, reasonDataJson: reasonDataText(a, slots, present, period, now, op, threshold, jsNumber) };
}

/** A number as JSON.stringify writes it; undefined (fall back to parsing) for what JSON cannot hold. */
function jsNumber(v: number): string | undefined {
  return Number.isFinite(v) ? String(v) : undefined;
}

/** text that needs no escaping in JSON */
const PLAIN = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/** The reason data JSON with numbers written by `num`: Java's doubles for the alarm, JavaScript's for history
 * (which embeds the reason data parsed and written again). Undefined when `num` cannot write a number. */
function reasonDataText(a: MetricAlarm, slots: Slot[], present: Slot[], period: number, now: number, op: string, threshold: number, num: (v: number) => string | undefined): string | undefined {
  let ok = Number.isFinite(period) || num === javaDouble;
  const n = (v: number) => {
    const t = num(v);
    if (t === undefined) ok = false;
    return t;
  };
  const parts: string[] = [`"version":"1.0"`, `"queryDate":"${awsJsonTime(now)}"`];
  if (!a.Metrics?.length) {
    parts.push(`"startDate":"${awsJsonTime(slots[0]!.ts)}"`);
    const stat = a.Statistic ?? a.ExtendedStatistic ?? 'Average';
    // strings go in as they are: only plain ones read back the same after parsing
    if (!PLAIN.test(stat + (a.Unit ?? '')) && num !== javaDouble) ok = false;
    if (a.Unit) parts.push(`"unit":"${a.Unit}"`);
    parts.push(`"statistic":"${stat}"`, `"period":${period}`);
  } else {
    parts.push(`"startDate":"${awsJsonTime(slots[0]!.ts)}"`, `"period":${period}`);
  }
  parts.push(`"recentDatapoints":[${present.map((s) => n(s.value!)).join(',')}]`);
  if (!op.includes('Upper') && !op.includes('Lower')) parts.push(`"threshold":${n(threshold)}`);
  const evaluated: string[] = [];
  for (let i = slots.length - 1; i >= 0; i--) {
    const s = slots[i]!;
    evaluated.push(
      s.value === undefined
        ? `{"timestamp":"${awsJsonTime(s.ts)}"}`
        : `{"timestamp":"${awsJsonTime(s.ts)}"${s.sampleCount !== undefined ? `,"sampleCount":${n(s.sampleCount)}` : ''},"value":${n(s.value)}}`,
    );
  }
  parts.push(`"evaluatedDatapoints":[${evaluated.join(',')}]`);
  return ok ? `{${parts.join(',')}}` : undefined;
}
