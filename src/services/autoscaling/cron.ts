// Unix cron (five fields: minute hour day-of-month month day-of-week) as scheduled actions use it, in an
// IANA time zone: parsing with AWS's refusal, and the next run after a moment.

export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** cron's rule: when both day fields are restricted, a day matching either runs */
  domStar: boolean;
  dowStar: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function value(text: string, lo: number, names?: string[], nameBase = 0): number {
  const named = names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + nameBase;
  if (!/^\d+$/.test(text)) throw new Error(text);
  void lo;
  return Number(text);
}

function field(text: string, lo: number, hi: number, names?: string[], nameBase = 0): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    if (range === undefined || range === '' || part.split('/').length > 2) throw new Error(part);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(part);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [lo, hi];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      from = value(a!, lo, names, nameBase);
      to = value(b!, lo, names, nameBase);
    } else {
      from = value(range, lo, names, nameBase);
      to = stepText === undefined ? from : hi;
    }
    if (from < lo || to > hi || from > to) throw new Error(part);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Parses a five-field expression; throws an Error when it is not valid cron. */
export function parseCron(expr: string): Cron {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 5) throw new Error(expr);
  const weekdays = field(f[4]!, 0, 7, DAYS);
  if (weekdays.delete(7)) weekdays.add(0); // 7 is Sunday too
  return {
    minutes: field(f[0]!, 0, 59),
    hours: field(f[1]!, 0, 23),
    days: field(f[2]!, 1, 31),
    months: field(f[3]!, 1, 12, MONTHS, 1),
    weekdays,
    domStar: f[2] === '*' || f[2] === '?',
    dowStar: f[4] === '*' || f[4] === '?',
  };
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

interface Local {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

/** The wall clock in `tz` at `ms`. */
function local(ms: number, tz: string): Local {
  let fmt = formatters.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    formatters.set(tz, fmt);
  }
  const p: Record<string, string> = {};
  for (const x of fmt.formatToParts(new Date(ms))) p[x.type] = x.value;
  return { year: +p.year!, month: +p.month!, day: +p.day!, hour: +p.hour! % 24, minute: +p.minute!, weekday: DAYS.indexOf(p.weekday!.toLowerCase().slice(0, 3)) };
}

function dayMatches(c: Cron, l: Local): boolean {
  if (!c.months.has(l.month)) return false;
  const dom = c.days.has(l.day);
  const dow = c.weekdays.has(l.weekday);
  if (c.domStar && c.dowStar) return true;
  if (c.domStar) return dow;
  if (c.dowStar) return dom;
  return dom || dow;
}

const MINUTE = 60_000;

/** The first run strictly after `afterMs` (whole minutes of `tz`'s wall clock), within about five years. */
export function nextRun(c: Cron, afterMs: number, tz = 'UTC'): number | undefined {
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  const limit = afterMs + 5 * 366 * 24 * 60 * MINUTE;
  while (t <= limit) {
    const l = local(t, tz);
    if (!dayMatches(c, l)) {
      t += (24 * 60 - (l.hour * 60 + l.minute)) * MINUTE; // next local midnight (near enough across DST: re-checked)
      continue;
    }
    if (!c.hours.has(l.hour)) {
      t += (60 - l.minute) * MINUTE;
      continue;
    }
    if (!c.minutes.has(l.minute)) {
      t += MINUTE;
      continue;
    }
    return t;
  }
  return undefined;
}
