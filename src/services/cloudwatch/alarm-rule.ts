// Composite alarm rules: ALARM(x), OK(x), INSUFFICIENT_DATA(x), TRUE, FALSE, AND, OR, NOT and parentheses.
import { AwsError } from '../../protocol/errors.js';
import type { StateValue } from './alarm-store.js';

export type Rule =
  | { k: 'const'; v: boolean }
  | { k: 'state'; state: StateValue; alarm: string }
  | { k: 'not'; a: Rule }
  | { k: 'and' | 'or'; a: Rule; b: Rule };

const invalid = (message: string) => new AwsError('ValidationError', message, { status: 400 });

export function parseRule(src: string): Rule {
  const re = /\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+)/y;
  const t: string[] = [];
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) throw invalid(`Invalid AlarmRule: unexpected character at position ${pos + 1}.`);
    t.push(m[1]!);
    pos = re.lastIndex;
  }
  let i = 0;
  const or = (): Rule => {
    let a = and();
    while (t[i]?.toUpperCase() === 'OR') {
      i++;
      a = { k: 'or', a, b: and() };
    }
    return a;
  };
  const and = (): Rule => {
    let a = not();
    while (t[i]?.toUpperCase() === 'AND') {
      i++;
      a = { k: 'and', a, b: not() };
    }
    return a;
  };
  const not = (): Rule => {
    if (t[i]?.toUpperCase() === 'NOT') {
      i++;
      return { k: 'not', a: not() };
    }
    return primary();
  };
  const primary = (): Rule => {
    const tok = t[i++];
    if (tok === undefined) throw invalid('Invalid AlarmRule: unexpected end of the rule.');
    if (tok === '(') {
      const r = or();
      if (t[i++] !== ')') throw invalid("Invalid AlarmRule: missing ')'.");
      return r;
    }
    const up = tok.toUpperCase();
    if (up === 'TRUE' || up === 'FALSE') return { k: 'const', v: up === 'TRUE' };
    if (up === 'ALARM' || up === 'OK' || up === 'INSUFFICIENT_DATA') {
      if (t[i++] !== '(') throw invalid(`Invalid AlarmRule: expected '(' after ${tok}.`);
      let name = t[i++];
      if (name === undefined || name === ')') throw invalid(`Invalid AlarmRule: ${tok}() needs an alarm name or ARN.`);
      if (name.startsWith('"')) name = name.slice(1, -1).replace(/\\(.)/g, '$1');
      if (t[i++] !== ')') throw invalid("Invalid AlarmRule: missing ')'.");
      return { k: 'state', state: up as StateValue, alarm: name };
    }
    throw invalid(`Invalid AlarmRule: unexpected '${tok}'.`);
  };
  const rule = or();
  if (i < t.length) throw invalid(`Invalid AlarmRule: unexpected '${t[i]}'.`);
  return rule;
}

/** Alarm names (or ARNs) a rule refers to. */
export function ruleAlarms(r: Rule): string[] {
  switch (r.k) {
    case 'state':
      return [r.alarm];
    case 'not':
      return ruleAlarms(r.a);
    case 'and':
    case 'or':
      return [...ruleAlarms(r.a), ...ruleAlarms(r.b)];
    default:
      return [];
  }
}

export function evalRule(r: Rule, stateOf: (alarm: string) => StateValue | undefined): boolean {
  switch (r.k) {
    case 'const':
      return r.v;
    case 'state':
      return stateOf(r.alarm) === r.state;
    case 'not':
      return !evalRule(r.a, stateOf);
    case 'and':
      return evalRule(r.a, stateOf) && evalRule(r.b, stateOf);
    case 'or':
      return evalRule(r.a, stateOf) || evalRule(r.b, stateOf);
  }
}

/** The name an ALARM(x) argument refers to: the alarm name, or the name inside an alarm ARN. */
export function alarmNameOf(ref: string): string {
  const m = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(ref);
  return m ? m[1]! : ref;
}
