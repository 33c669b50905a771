// Validation of a parsed input against the model: required members, enums, lengths, ranges, patterns.
// Messages are AWS's: "Value 'x' at 'roleName' failed to satisfy constraint: Member must ...".
import { type ServiceModel, type Shape, target, shapeType } from './model.js';
import { isNumberType, lowerFirst } from './values.js';

export interface Problem {
  /** the path AWS names, e.g. 'roleName' or 'tags.1.member.key' */
  path: string;
  /** the top-level member name as in the model, e.g. 'RoleName' */
  member: string;
  kind: 'required' | 'enum' | 'length' | 'range' | 'pattern';
  message: string;
}

const patternCache = new Map<string, RegExp | null>();

// Java's POSIX classes, which JavaScript lacks (in Unicode mode \p{Print} is an error; without it, a literal "p{Print}")
const JAVA_CLASSES: Record<string, string> = {
  Print: '\\x20-\\x7E',
  Graph: '\\x21-\\x7E',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Upper: 'A-Z',
  Lower: 'a-z',
  Punct: '!-\\/:-@\\[-`{-~',
  Space: ' \\t\\n\\x0B\\f\\r',
  XDigit: '0-9a-fA-F',
  ASCII: '\\x00-\\x7F',
};

/** \p{Print} → [\x20-\x7E] (inside a class, its ranges only). */
function javaClasses(pattern: string): string {
  return pattern.replace(/(\[[^\]]*?)?\\p\{(Print|Graph|Alpha|Digit|Alnum|Upper|Lower|Punct|Space|XDigit|ASCII)\}/g, (_m, inClass: string | undefined, name: string) =>
    inClass !== undefined ? `${inClass}${JAVA_CLASSES[name]}` : `[${JAVA_CLASSES[name]}]`,
  );
}

/** A model's (Java) pattern as a whole-string JS RegExp: Unicode mode first, then plain; null if JS cannot compile it. */
export function compilePattern(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re !== undefined) return re;
  re = null;
  // Java's class intersection [A&&[^B]] (A but not B) has no JavaScript form without the v flag: a lookahead
  const js = javaClasses(pattern).replace(/\[([^[\]]+)&&\[\^([^\]]+)\]\]/g, '(?:(?![$2])[$1])');
  // Java regexes: try Unicode mode first (for \p{L}), then plain; a pattern JS cannot compile is not enforced.
  for (const flags of ['u', '']) {
    try {
      re = new RegExp(`^(?:${js})$`, flags);
      break;
    } catch {
      /* try the next flags */
    }
  }
  patternCache.set(pattern, re);
  return re;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function validate(model: ServiceModel, ref: Shape | undefined, input: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  if (ref) check(model, ref, input, '', '', problems, 0);
  return problems;
}

function check(model: ServiceModel, ref: Shape, value: unknown, path: string, top: string, problems: Problem[], depth: number): void {
  if (depth > 64 || problems.length >= 20) return;
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  const add = (kind: Problem['kind'], constraint: string) =>
    problems.push({ path, member: top, kind, message: `Value ${kind === 'required' ? 'null' : `'${show(value)}'`} at '${path}' failed to satisfy constraint: ${constraint}` });

  if (type === 'structure') {
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    for (const name of shape.required ?? []) {
      if (record[name] === undefined || record[name] === null) {
        const p = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
        problems.push({ path: p, member: top || name, kind: 'required', message: `Value null at '${p}' failed to satisfy constraint: Member must not be null` });
      }
    }
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      const v = record[name];
      if (v === undefined || v === null) continue;
      check(model, member, v, path ? `${path}.${lowerFirst(name)}` : lowerFirst(name), top || name, problems, depth + 1);
    }
    return;
  }
  if (type === 'list') {
    if (!Array.isArray(value)) return;
    lengthCheck(shape, value.length, add);
    value.forEach((item, i) => {
      if (item !== undefined && item !== null) check(model, shape.member ?? {}, item, `${path}.${i + 1}.member`, top, problems, depth + 1);
    });
    return;
  }
  if (type === 'map') {
    if (typeof value !== 'object' || value === null) return;
    const entries = Object.entries(value as Record<string, unknown>);
    lengthCheck(shape, entries.length, add);
    for (const [k, v] of entries) {
      check(model, shape.key ?? {}, k, `${path}.${k}.key`, top, problems, depth + 1);
      if (v !== undefined && v !== null) check(model, shape.value ?? {}, v, `${path}.${k}.value`, top, problems, depth + 1);
    }
    return;
  }
  if (type === 'string') {
    if (typeof value !== 'string') return;
    if (shape.enum && !shape.enum.includes(value)) {
      add('enum', `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      return;
    }
    if (lengthCheck(shape, [...value].length, add)) return;
    if (shape.pattern) {
      const re = compilePattern(shape.pattern);
      if (re && !re.test(value)) add('pattern', `Member must satisfy regular expression pattern: ${shape.pattern}`);
    }
    return;
  }
  if (type === 'blob') {
    if (Buffer.isBuffer(value)) lengthCheck(shape, value.length, add);
    return;
  }
  if (isNumberType(type) && typeof value === 'number') {
    if (shape.min !== undefined && value < shape.min) add('range', `Member must have value greater than or equal to ${shape.min}`);
    else if (shape.max !== undefined && value > shape.max) add('range', `Member must have value less than or equal to ${shape.max}`);
  }
}

function lengthCheck(shape: Shape, length: number, add: (kind: Problem['kind'], constraint: string) => void): boolean {
  if (shape.min !== undefined && length < shape.min) {
    add('length', `Member must have length greater than or equal to ${shape.min}`);
    return true;
  }
  if (shape.max !== undefined && length > shape.max) {
    add('length', `Member must have length less than or equal to ${shape.max}`);
    return true;
  }
  return false;
}
