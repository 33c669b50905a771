// GetMetricData: metric queries (MetricStat) and expressions evaluated together, with labels, ReturnData,
// ScanBy, MaxDatapoints and NextToken pagination. The alarm evaluator runs metric-math alarms through runQueries.
import type { GetMetricDataInput, GetMetricDataOutput, MetricDataQuery, MetricDataResult } from '../../generated/cloudwatch.js';
import { AwsError } from '../../protocol/errors.js';
import type { RequestContext } from '../../server/context.js';
import { type MetricStore, type Dimension, unitOf } from './metric-store.js';
import { type MathValue, type TimeSeries, evaluate, parseExpression, referencedIds } from './metric-math.js';
import { checkPeriod, roundStart } from './metrics-api.js';
import type { Series } from './series.js';
import { metricsOf } from './state.js';
import { aggregate, isValidStat, needsDistribution, statValue } from './statistics.js';

const invalid = (message: string) => new AwsError('InvalidParameterValue', message, { status: 400 });
const validation = (message: string) => new AwsError('ValidationError', message, { status: 400 });

export interface QueryScope {
  account: string;
  region: string;
  metrics: MetricStore;
}

/** One statistic of one series over [start, end) as a time series (only periods that have data). */
export function statSeries(list: Series[], stat: string, periodSec: number, start: number, end: number, unit?: string, label = ''): TimeSeries {
  const buckets = aggregate(list, start, end, periodSec * 1000, unit ? unitOf(unit) : undefined, false, needsDistribution(stat));
  const ts: number[] = [];
  const values: number[] = [];
  for (const b of buckets) {
    const v = statValue(b, stat);
    if (v === undefined || Number.isNaN(v)) continue;
    ts.push(b.ts);
    values.push(v);
  }
  return { label, ts, values, period: periodSec };
}

/** Evaluates every query; the results by id (a SEARCH or METRICS() expression may give several series). */
export function runQueries(scope: QueryScope, queries: MetricDataQuery[], start: number, end: number): Map<string, MathValue> {
  const byId = new Map(queries.map((q) => [q.Id, q]));
  const done = new Map<string, MathValue>();
  const visiting = new Set<string>();
  const metricIds = queries.filter((q) => q.MetricStat).map((q) => q.Id);
  const run = (id: string): MathValue => {
    const have = done.get(id);
    if (have !== undefined) return have;
    const q = byId.get(id);
    if (!q) throw validation(`Error in expression: unknown metric or expression id '${id}'.`);
    if (visiting.has(id)) throw validation(`Circular dependency found on the expression '${id}'.`);
    visiting.add(id);
    let v: MathValue;
    if (q.MetricStat) {
      const m = q.MetricStat.Metric;
      const s = scope.metrics.find(scope.account, scope.region, m.Namespace ?? '', m.MetricName ?? '', m.Dimensions as Dimension[] | undefined);
      v = statSeries(s ? [s] : [], q.MetricStat.Stat, q.MetricStat.Period, start, end, q.MetricStat.Unit, q.Label ?? m.MetricName ?? q.Id);
    } else {
      const node = parseExpression(q.Expression!, q.Id);
      const period = q.Period ?? 60;
      v = evaluate(
        node,
        {
          value: run,
          metrics: (filter) => metricIds.map((mid) => run(mid) as TimeSeries).filter((s) => !filter || s.label.includes(filter)),
          search: (expr, stat, p) => search(scope, expr, stat, p, start, end, q.Id),
          range: { start, end },
          period,
        },
        q.Id,
      );
      if (typeof v === 'object' && !Array.isArray(v) && q.Label) v = { ...v, label: q.Label };
      else if (typeof v === 'object' && !Array.isArray(v) && !q.Label) v = { ...v, label: q.Id };
    }
    visiting.delete(id);
    done.set(id, v);
    return v;
  };
  for (const q of queries) run(q.Id);
  return done;
}

/** SEARCH('{Namespace,Dim1,…} terms', stat, period): metrics of exactly that schema whose names/values match the terms. */
function search(scope: QueryScope, expression: string, stat: string, period: number, start: number, end: number, id: string): TimeSeries[] {
  if (!isValidStat(stat)) throw validation(`Error in expression '${id}': invalid statistic '${stat}' in SEARCH.`);
  let rest = expression.trim();
  let schema: string[] | undefined;
  const m = /^\{([^}]*)\}/.exec(rest);
  if (m) {
    schema = m[1]!.split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
    rest = rest.slice(m[0].length);
  }
  const terms = [...rest.matchAll(/(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|\S+)|("(?:[^"\\]|\\.)*"|\S+)/g)].map((t) =>
    t[1] ? { key: t[1], value: t[2]!.replace(/^"|"$/g, ''), exact: t[2]!.startsWith('"') } : { value: t[3]!.replace(/^"|"$/g, '') },
  );
  const out: TimeSeries[] = [];
  for (const s of scope.metrics.seriesOf(scope.account, scope.region)) {
    if (schema) {
      const [ns, ...dims] = schema;
      if (s.namespace !== ns) continue;
      if (dims.length !== s.dimensions.length || !dims.every((d) => s.dimensions.some((x) => x.Name === d))) continue;
    }
    const ok = terms.every((t) => {
      if ('key' in t && t.key) {
        const have = t.key === 'MetricName' ? s.metricName : t.key === 'Namespace' ? s.namespace : s.dimensions.find((d) => d.Name === t.key)?.Value;
        return have !== undefined && (t.exact ? have === t.value : have.includes(t.value));
      }
      return [s.namespace, s.metricName, ...s.dimensions.flatMap((d) => [d.Name, d.Value])].some((x) => x.includes(t.value));
    });
    if (!ok) continue;
    const label = [s.metricName, ...s.dimensions.map((d) => d.Value)].join(' ');
    const r = statSeries([s], stat, period, start, end, undefined, label);
    if (r.ts.length) out.push(r);
  }
  return out;
}

function checkQueries(queries: MetricDataQuery[]): void {
  if (queries.length > 500) throw invalid('The collection MetricDataQueries must not have a size greater than 500.');
  const ids = new Set<string>();
  queries.forEach((q, i) => {
    const where = `MetricDataQueries.member.${i + 1}`;
    if (ids.has(q.Id)) throw validation(`The value ${q.Id} for field ${where}.Id is not unique.`);
    ids.add(q.Id);
    if (!!q.MetricStat === !!q.Expression) throw validation(`Exactly one element of the MetricStat or Expression fields must be specified for ${where}.`);
    if (q.MetricStat) {
      checkPeriod(q.MetricStat.Period, `${where}.MetricStat.Period`);
      if (!isValidStat(q.MetricStat.Stat)) throw validation(`The value ${q.MetricStat.Stat} for field ${where}.MetricStat.Stat is not a valid statistic.`);
    } else {
      for (const ref of referencedIds(parseExpression(q.Expression!, q.Id))) {
        if (!['PERIOD', 'REPEAT', 'LINEAR'].includes(ref.toUpperCase()) && !ids.has(ref) && !queries.some((x) => x.Id === ref)) throw validation(`Error in expression '${q.Id}': Unrecognized identifier: ${ref}.`);
      }
    }
  });
  if (!queries.some((q) => q.ReturnData !== false)) throw validation('At least one of the queries in MetricDataQueries must have ReturnData set to true.');
}

interface Token {
  /** how many datapoints of the ordered results were already returned */
  skip: number;
}

export function getMetricData(ctx: RequestContext, input: GetMetricDataInput): GetMetricDataOutput {
  const queries = input.MetricDataQueries;
  checkQueries(queries);
  const now = ctx.clock.now();
  const end = new Date(input.EndTime).getTime();
  const minPeriod = Math.min(...queries.map((q) => q.MetricStat?.Period ?? q.Period ?? 60));
  const start = roundStart(new Date(input.StartTime).getTime(), now, minPeriod);
  if (start >= end) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  let token: Token = { skip: 0 };
  if (input.NextToken) {
    try {
      token = JSON.parse(Buffer.from(input.NextToken, 'base64url').toString('utf8')) as Token;
      if (typeof token.skip !== 'number') throw new Error('bad');
    } catch {
      throw new AwsError('InvalidNextToken', 'The service cannot complete the request because the NextToken is not valid.', { status: 400 });
    }
  }
  const values = runQueries({ account: ctx.account, region: ctx.region, metrics: metricsOf(ctx) }, queries, start, end);
  const ascending = input.ScanBy === 'TimestampAscending';
  const results: MetricDataResult[] = [];
  for (const q of queries) {
    if (q.ReturnData === false) continue;
    const v = values.get(q.Id)!;
    // a scalar result is a constant line over the range, one point per period
    const scalar = (x: number): TimeSeries => {
      const step = (q.Period ?? minPeriod) * 1000;
      const ts: number[] = [];
      for (let t = start; t < end; t += step) ts.push(t);
      return { label: q.Label ?? q.Id, ts, values: ts.map(() => x), period: step / 1000 };
    };
    const list: TimeSeries[] = typeof v === 'number' ? [scalar(v)] : Array.isArray(v) ? v : [v];
    list.forEach((s, k) => {
      const pairs = s.ts.map((t, i) => [t, s.values[i]!] as const).filter(([t]) => t >= start && t < end);
      if (!ascending) pairs.reverse();
      results.push({
        Id: Array.isArray(v) && list.length > 1 ? `${q.Id}` : q.Id,
        Label: Array.isArray(v) ? s.label : (q.Label ?? s.label),
        Timestamps: pairs.map(([t]) => new Date(t)),
        Values: pairs.map(([, x]) => x),
        StatusCode: 'Complete',
      });
      void k;
    });
  }
  // page by datapoints across the ordered results
  const max = input.MaxDatapoints ?? 100_800;
  let skip = token.skip;
  let budget = max;
  let more = false;
  for (const r of results) {
    const n = r.Values!.length;
    const from = Math.min(skip, n);
    skip -= from;
    const take = Math.min(n - from, budget);
    r.Timestamps = r.Timestamps!.slice(from, from + take);
    r.Values = r.Values!.slice(from, from + take);
    budget -= take;
    if (from + take < n) {
      r.StatusCode = 'PartialData';
      more = true;
    }
  }
  return {
    MetricDataResults: results,
    NextToken: more ? Buffer.from(JSON.stringify({ skip: token.skip + (max - budget) })).toString('base64url') : undefined,
    Messages: [],
  };
}
