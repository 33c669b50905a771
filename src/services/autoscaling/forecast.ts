// Predictive scaling's forecast: a pure seasonal model of a load metric, shared by EC2 Auto Scaling's
// predictive scaling policies and AWS Auto Scaling plans. No runtime, no clock, no store: the same history
// always gives the same forecast, so tests (and users) can reason about it.
//
// AWS documents the behaviour, not the model: it looks for daily and weekly patterns in up to 14 days of
// history, needs at least 24 hours of data, forecasts the next 48 hours in hourly points, and turns the
// load forecast into a capacity forecast with the policy's target value. The model here:
//   1. the history is reduced to hourly means (finer datapoints are averaged into their hour);
//   2. with the trend removed (step 4), a daily profile (hour of day, UTC) and a weekly profile (hour of
//      week) are averaged from it, each observation weighted by recency (half-life DAILY_HALF_LIFE_DAYS / WEEKLY_HALF_LIFE_DAYS), so the
//      newest days count most;
//   3. the two profiles are blended: the weekly one once the history covers a week (half the weight, up to
//      80 % as the history grows to two weeks) and only for hours of the week observed;
//   4. the trend is a least-squares line through the means of successive 24-hour windows: the profiles are built from history
//      brought to the newest hour's level along that line, and each forecast point is scaled along it
//      again, bounded to [TREND_MIN, TREND_MAX] of the newest level so a short history cannot extrapolate
//      to absurd values.

export interface Datapoint {
  /** epoch milliseconds */
  t: number;
  v: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_HOURS = 24 * 7;
/** AWS looks back at most 14 days. */
export const FORECAST_LOOKBACK_MS = 14 * DAY_MS;
/** AWS needs at least 24 hours of data before it forecasts. */
export const FORECAST_MIN_HISTORY_MS = DAY_MS;
const DAILY_HALF_LIFE_DAYS = 3;
const WEEKLY_HALF_LIFE_DAYS = 7;
const TREND_MIN = 0.5;
const TREND_MAX = 2;

interface Bucket {
  sum: number;
  weight: number;
}

function hourlyMeans(history: Datapoint[]): Map<number, number> {
  const acc = new Map<number, { sum: number; n: number }>();
  for (const p of history) {
    if (!Number.isFinite(p.t) || !Number.isFinite(p.v)) continue;
    const h = Math.floor(p.t / HOUR_MS);
    const a = acc.get(h) ?? { sum: 0, n: 0 };
    a.sum += p.v;
    a.n++;
    acc.set(h, a);
  }
  const out = new Map<number, number>();
  for (const [h, a] of acc) out.set(h, a.sum / a.n);
  return out;
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

/** Least-squares line through (x, y); flat (slope 0) with fewer than two points or no spread in x. */
function fitLine(xs: number[], ys: number[]): { slope: number; at: (x: number) => number } {
  const n = xs.length;
  const mx = n ? xs.reduce((a, b) => a + b, 0) / n : 0;
  const my = n ? ys.reduce((a, b) => a + b, 0) / n : 0;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  const slope = n < 2 || den === 0 ? 0 : num / den;
  return { slope, at: (x) => my + slope * (x - mx) };
}

/**
 * Forecasts a load metric.
 *
 * @param history datapoints (epoch ms, value) of the metric, hourly or finer, over up to the last 14 days;
 *   order does not matter; points older than 14 days before the newest one are ignored.
 * @param opts.startMs first forecast timestamp (epoch ms; callers usually align it to the hour).
 * @param opts.hours how many hours to forecast (AWS forecasts 48).
 * @param opts.periodS spacing of the forecast points in seconds (default 3600: one point per hour).
 * @returns one point every `periodS` seconds from `startMs` for `hours` hours, values ≥ 0; an empty array
 *   when the history spans less than 24 hours (AWS does not forecast from less).
 */
export function forecastSeries(history: Datapoint[], opts: { startMs: number; hours: number; periodS?: number }): Datapoint[] {
  const periodMs = Math.max(1, opts.periodS ?? 3600) * 1000;
  const count = Math.max(0, Math.ceil((opts.hours * HOUR_MS) / periodMs));
  const all = hourlyMeans(history);
  if (!all.size || !count) return [];
  const newestHour = Math.max(...all.keys());
  const oldestAllowed = newestHour - FORECAST_LOOKBACK_MS / HOUR_MS;
  const hours = [...all.keys()].filter((h) => h > oldestAllowed).sort((a, b) => a - b);
  const oldestHour = hours[0]!;
  // span counts the newest hour as a whole hour: 24 hourly points make 24 hours of data
  const spanHours = newestHour - oldestHour + 1;
  if (spanHours * HOUR_MS < FORECAST_MIN_HISTORY_MS) return [];

  // the trend: a least-squares line through the means of whole windows counted back from the newest hour,
  // a day long (a week long once two weeks are known); only complete windows count: each then holds every
  // hour of the day (of the week) once, so the daily (weekly) pattern cannot tilt the line
  const windowHours = spanHours >= 2 * WEEK_HOURS ? WEEK_HOURS : 24;
  const windows = new Map<number, { sum: number; n: number }>();
  for (const h of hours) {
    const k = Math.floor((newestHour - h) / windowHours);
    const w = windows.get(k) ?? { sum: 0, n: 0 };
    w.sum += all.get(h)!;
    w.n++;
    windows.set(k, w);
  }
  const full = [...windows.entries()].filter(([, m]) => m.n === windowHours).sort((a, b) => b[0] - a[0]);
  const line = fitLine(
    full.map(([k]) => newestHour - k * windowHours - (windowHours - 1) / 2),
    full.map(([, m]) => m.sum / m.n),
  );
  // level(h) relative to the newest hour; without a usable line (a level at or below zero) there is no trend
  const trendOk = line.slope !== 0 && hours.every((h) => line.at(h) > 0) && line.at(newestHour) > 0;
  const relative = (h: number): number => (trendOk ? line.at(h) / line.at(newestHour) : 1);

  // profiles of the detrended history (every observation brought to the newest hour's level)
  const daily: Bucket[] = Array.from({ length: 24 }, () => ({ sum: 0, weight: 0 }));
  const weekly: Bucket[] = Array.from({ length: WEEK_HOURS }, () => ({ sum: 0, weight: 0 }));
  let levelSum = 0;
  let levelWeight = 0;
  for (const h of hours) {
    const v = all.get(h)! / relative(h);
    const ageDays = (newestHour - h) / 24;
    const wd = 0.5 ** (ageDays / DAILY_HALF_LIFE_DAYS);
    const ww = 0.5 ** (ageDays / WEEKLY_HALF_LIFE_DAYS);
    const d = daily[mod(h, 24)]!;
    d.sum += v * wd;
    d.weight += wd;
    const w = weekly[mod(h, WEEK_HOURS)]!;
    w.sum += v * ww;
    w.weight += ww;
    levelSum += v * wd;
    levelWeight += wd;
  }
  const level = levelSum / levelWeight;
  // hours of the day never observed fall back to the weighted mean level
  const dailyAt = (h: number): number => {
    const b = daily[mod(h, 24)]!;
    return b.weight > 0 ? b.sum / b.weight : level;
  };
  // one week of history gives every hour of the week one observation: half weight; two weeks, most of it
  const weeklyShare = spanHours >= WEEK_HOURS ? 0.5 + (0.3 * Math.min(WEEK_HOURS, spanHours - WEEK_HOURS)) / WEEK_HOURS : 0;

  const out: Datapoint[] = [];
  for (let i = 0; i < count; i++) {
    const t = opts.startMs + i * periodMs;
    const h = Math.floor(t / HOUR_MS);
    let base = dailyAt(h);
    const wb = weekly[mod(h, WEEK_HOURS)]!;
    if (weeklyShare > 0 && wb.weight > 0) base = (1 - weeklyShare) * base + weeklyShare * (wb.sum / wb.weight);
    const factor = trendOk ? Math.min(TREND_MAX, Math.max(TREND_MIN, line.at(h) / line.at(newestHour))) : 1;
    out.push({ t, v: Math.max(0, base * factor) });
  }
  return out;
}

/**
 * Turns a load forecast into a capacity forecast, as predictive scaling does: the load metric is the
 * group's total (e.g. the sum of its instances' CPU utilization, or the requests to its target group), and
 * each instance should carry `targetValue` of it, so capacity = ceil(load / targetValue), clamped to
 * [min, max]. A value within a millionth above a whole number is not rounded up (floating-point noise).
 *
 * @param load the load forecast (from forecastSeries, or any series).
 * @param targetValue the policy's target per instance (> 0).
 * @param min the lowest capacity to return (the group's MinSize).
 * @param max the highest capacity to return (the group's MaxSize, or MaxSize plus MaxCapacityBuffer).
 */
export function capacityForecast(load: Datapoint[], targetValue: number, min: number, max: number): Datapoint[] {
  return load.map(({ t, v }) => {
    const raw = targetValue > 0 ? v / targetValue : max;
    const need = Math.ceil(raw - 1e-6);
    return { t, v: Math.min(max, Math.max(min, need)) };
  });
}
