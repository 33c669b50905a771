// Schedule expressions as EventBridge takes them: rate(N unit) and the six-field cron(...) in UTC.
import { AwsError } from '../../protocol/errors.js';

export interface Schedule {
  /** The first fire time strictly after `after` (epoch ms), or undefined when the schedule never fires again. */
  next(after: number, anchor: number): number | undefined;
}

const invalid = () => new AwsError('ValidationException', 'Parameter ScheduleExpression is not valid.');

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2]!;
    const plural = unit.endsWith('s');
    // AWS insists on "1 minute" and "5 minutes"
    if (n < 1 || (n === 1) === plural) throw invalid();
    const period = n * UNIT_MS[plural ? unit.slice(0, -1) : unit]!;
    // rates run from the rule's creation (its anchor), every period
    return { next: (after, anchor) => anchor + (Math.floor((after - anchor) / period) + 1) * period };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return parseCron(cron[1]!.trim());
  throw invalid();
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A set of allowed values from a field made of `,` lists of `*`, `a`, `a-b` and `x/step`. */
function parseSet(field: string, min: number, max: number, names?: string[]): Set<number> {
  const out = new Set<number>();
  const value = (s: string): number => {
    const named = names?.indexOf(s.toUpperCase()) ?? -1;
    if (named >= 0) return named + min;
    if (!/^\d+$/.test(s)) throw invalid();
    const n = Number(s);
    if (n < min || n > max) throw invalid();
    return n;
  };
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    if (stepText !== undefined && !/^\d+$/.test(stepText)) throw invalid();
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw invalid();
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      lo = value(a);
      hi = value(b);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    if (hi < lo) {
      // wrapping ranges such as FRI-MON or NOV-FEB
      for (let v = lo; v <= max; v += step) out.add(v);
      for (let v = min; v <= hi; v++) out.add(v);
    } else {
      for (let v = lo; v <= hi; v += step) out.add(v);
    }
  }
  return out;
}

type DayTest = (year: number, month: number, day: number) => boolean;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate(); // month 1-12
const weekday = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day)).getUTCDay(); // 0 = SUN

/** The weekday nearest to `day` in the month, not crossing month boundaries (the `W` of day-of-month). */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysIn(year, month);
  const d = Math.min(day, last);
  const wd = weekday(year, month, d);
  if (wd === 6) return d === 1 ? 3 : d - 1;
  if (wd === 0) return d === last ? d - 2 : d + 1;
  return d;
}

function dayOfMonthTest(field: string): DayTest {
  if (field === 'L') return (y, m, d) => d === daysIn(y, m);
  if (field === 'LW') return (y, m, d) => d === nearestWeekday(y, m, daysIn(y, m));
  const w = /^(\d+)W$/.exec(field);
  if (w) {
    const target = Number(w[1]);
    if (target < 1 || target > 31) throw invalid();
    return (y, m, d) => d === nearestWeekday(y, m, target);
  }
  const set = parseSet(field, 1, 31);
  return (_y, _m, d) => set.has(d);
}

function dayOfWeekTest(field: string): DayTest {
  const dayValue = (s: string): number => {
    const named = DAYS.indexOf(s.toUpperCase());
    if (named >= 0) return named + 1;
    if (!/^[1-7]$/.test(s)) throw invalid();
    return Number(s);
  };
  const nth = /^(\w+)#([1-5])$/.exec(field);
  if (nth) {
    const wd = dayValue(nth[1]!) - 1;
    const n = Number(nth[2]);
    return (y, m, d) => weekday(y, m, d) === wd && Math.ceil(d / 7) === n;
  }
  if (field === 'L') return (y, m, d) => weekday(y, m, d) === 6;
  const last = /^(\w+)L$/.exec(field);
  if (last) {
    const wd = dayValue(last[1]!) - 1;
    return (y, m, d) => weekday(y, m, d) === wd && d + 7 > daysIn(y, m);
  }
  const set = parseSet(field, 1, 7, DAYS);
  return (y, m, d) => set.has(weekday(y, m, d) + 1);
}

function parseCron(body: string): Schedule {
  const fields = body.split(/\s+/);
  if (fields.length !== 6) throw invalid();
  const [minF, hourF, domF, monF, dowF, yearF] = fields as [string, string, string, string, string, string];
  // exactly one of day-of-month and day-of-week is `?`
  if ((domF === '?') === (dowF === '?')) throw invalid();
  const minutes = [...parseSet(minF, 0, 59)].sort((a, b) => a - b);
  const hours = [...parseSet(hourF, 0, 23)].sort((a, b) => a - b);
  const months = parseSet(monF, 1, 12, MONTHS);
  const years = parseSet(yearF, 1970, 2199);
  const dayTest: DayTest = domF === '?' ? dayOfWeekTest(dowF) : dayOfMonthTest(domF);
  const maxYear = Math.max(...years);
  return {
    next(after) {
      const start = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
      let y = start.getUTCFullYear();
      let m = start.getUTCMonth() + 1;
      let d = start.getUTCDate();
      let first = true;
      while (y <= maxYear) {
        if (years.has(y) && months.has(m) && dayTest(y, m, d)) {
          const minH = first ? start.getUTCHours() : 0;
          for (const h of hours) {
            if (h < minH) continue;
            const minM = first && h === minH ? start.getUTCMinutes() : 0;
            const mm = minutes.find((x) => x >= minM);
            if (mm !== undefined) return Date.UTC(y, m - 1, d, h, mm);
          }
        }
        first = false;
        d++;
        if (d > daysIn(y, m)) {
          d = 1;
          m++;
          if (m > 12) {
            m = 1;
            y++;
          }
        }
        // skip whole months or years that cannot match
        if (d === 1 && !years.has(y)) {
          y++;
          m = 1;
          while (y <= maxYear && !years.has(y)) y++;
        }
      }
      return undefined;
    },
  };
}
