// What a target receives: the event, a constant Input, the part InputPath selects, or an InputTransformer's
// template filled from the event (values as JSON outside quotes in a JSON template, raw text elsewhere).
import type { InputTransformer, Target } from '../../generated/events.js';
import { AwsError } from '../../protocol/errors.js';
import type { EventEnvelope } from './envelope.js';

type Step = { key: string } | { index: number } | { all: true };

/** The JSON paths EventBridge supports: $, dot notation (dashes, underscores, slashes), [n], [*] and .*. */
export function parseJsonPath(path: string): Step[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: Step[] = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === '.') {
      const m = /^\.([A-Za-z0-9_\-/@:$]+|\*)/.exec(path.slice(i));
      if (!m) return undefined;
      steps.push(m[1] === '*' ? { all: true } : { key: m[1]! });
      i += m[0].length;
    } else if (path[i] === '[') {
      const m = /^\[(?:(\d+)|\*|'([^']*)'|"([^"]*)")\]/.exec(path.slice(i));
      if (!m) return undefined;
      if (m[1] !== undefined) steps.push({ index: Number(m[1]) });
      else if (m[2] !== undefined || m[3] !== undefined) steps.push({ key: (m[2] ?? m[3])! });
      else steps.push({ all: true });
      i += m[0].length;
    } else {
      return undefined;
    }
  }
  return steps;
}

/** The value a path selects; undefined when nothing is there. A wildcard collects an array. */
export function selectPath(value: unknown, steps: Step[]): unknown {
  let current: unknown = value;
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s]!;
    if (current === null || typeof current !== 'object') return undefined;
    if ('all' in step) {
      const items = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
      const rest = steps.slice(s + 1);
      return items.map((item) => selectPath(item, rest)).filter((v) => v !== undefined);
    }
    if ('index' in step) current = Array.isArray(current) ? current[step.index] : undefined;
    else current = Array.isArray(current) ? undefined : (current as Record<string, unknown>)[step.key];
    if (current === undefined) return undefined;
  }
  return current;
}

const RESERVED = /^aws\.events/i;

/** Checks a target's input settings as PutTargets does (whole-request ValidationException). */
export function validateTargetInput(target: Target): void {
  const given = [target.Input, target.InputPath, target.InputTransformer].filter((x) => x !== undefined).length;
  if (given > 1) throw new AwsError('ValidationException', 'Only one of Input, InputPath, or InputTransformer must be provided.');
  if (target.Input !== undefined) {
    try {
      JSON.parse(target.Input);
    } catch {
      throw new AwsError('ValidationException', `Input for target ${target.Id} is not a valid JSON text.`);
    }
  }
  if (target.InputPath !== undefined && target.InputPath !== '' && !parseJsonPath(target.InputPath)) {
    throw new AwsError('ValidationException', `InputPath for target ${target.Id} is invalid.`);
  }
  if (target.InputTransformer) validateTransformer(target.Id, target.InputTransformer);
}

function validateTransformer(id: string, t: InputTransformer): void {
  const map = t.InputPathsMap ?? {};
  if (Object.keys(map).length > 100) throw new AwsError('ValidationException', 'InputPathsMap may have at most 100 entries.');
  for (const [name, path] of Object.entries(map)) {
    if (RESERVED.test(name)) throw new AwsError('ValidationException', `InputTransformer for target ${id} uses a reserved variable name: ${name}.`);
    if (!parseJsonPath(path)) throw new AwsError('ValidationException', `Target ${id}: InputPath ${path} is invalid.`);
  }
  if (t.InputTemplate.trim().startsWith('{')) {
    // a JSON template must be valid JSON once its placeholders are filled
    const probe = fill(t.InputTemplate, () => ({ quoted: 'x', bare: 'null' }));
    try {
      JSON.parse(probe);
    } catch {
      throw new AwsError('ValidationException', `InputTemplate for target ${id} contains invalid JSON.`);
    }
  }
}

/** Replaces <name> placeholders; `value` gives the text for a placeholder inside or outside a JSON string. */
function fill(template: string, value: (name: string) => { quoted: string; bare: string } | undefined): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === '\\' && inString) {
      out += ch + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') inString = !inString;
    if (ch === '<') {
      const end = template.indexOf('>', i + 1);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (name && /^[A-Za-z0-9_\-.]+$/.test(name)) {
        const v = value(name);
        if (v) {
          out += inString ? v.quoted : v.bare;
          i = end;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}

export interface InputContext {
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

/** The payload a target is invoked with, as JSON text (or plain text for a string template). */
export function targetPayload(target: Target, event: EventEnvelope, context: InputContext): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath) {
    const steps = parseJsonPath(target.InputPath)!;
    const selected = selectPath(event, steps);
    return selected === undefined ? 'null' : JSON.stringify(selected);
  }
  const transformer = target.InputTransformer;
  if (!transformer) return JSON.stringify(event);
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) values.set(name, selectPath(event, parseJsonPath(path) ?? []));
  const { detail: _detail, ...withoutDetail } = event;
  const predefined: Record<string, unknown> = {
    'aws.events.rule-arn': context.ruleArn,
    'aws.events.rule-name': context.ruleName,
    'aws.events.event.ingestion-time': context.ingestionTime,
    'aws.events.event': withoutDetail,
    'aws.events.event.json': event,
  };
  const json = transformer.InputTemplate.trim().startsWith('{');
  return fill(transformer.InputTemplate, (name) => {
    const known = Object.hasOwn(predefined, name) || values.has(name);
    if (!known) return undefined;
    const v = Object.hasOwn(predefined, name) ? predefined[name] : values.get(name);
    const raw = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    if (!json) return { quoted: raw, bare: raw };
    // inside a JSON string the text goes in escaped; outside it is the value as JSON
    const quoted = JSON.stringify(raw).slice(1, -1);
    return { quoted, bare: v === undefined ? 'null' : JSON.stringify(v) };
  });
}
