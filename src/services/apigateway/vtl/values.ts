// Java-like behaviour of template values: strings, numbers, booleans, lists (arrays), maps (plain objects),
// host objects (API Gateway's $input, $util …) whose methods templates call.

/** Objects whose methods a template may call (API Gateway's $input, $util, $context …). */
export class HostObject {}

export const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof HostObject);

/** How Velocity writes a value into the output. */
export function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(toText).join(', ')}]`;
  if (isMap(v)) return `{${Object.entries(v).map(([k, x]) => `${k}=${toText(x)}`).join(', ')}}`;
  return String(v);
}

export function truthy(v: unknown): boolean {
  return v !== null && v !== undefined && v !== false;
}

export function equals(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a === typeof b && typeof a !== 'object') return a === b;
  return toText(a) === toText(b);
}

const javaRegex = (p: string) => new RegExp(p.replace(/\(\?i\)/g, ''), p.includes('(?i)') ? 'g' + 'i' : 'g');

/** A Java method on a plain value; `undefined` result with found=false when there is no such method. */
export function callBuiltin(target: unknown, name: string, args: unknown[]): { found: boolean; value?: unknown } {
  const a = args;
  if (typeof target === 'string') {
    const s = target;
    switch (name) {
      case 'length': return { found: true, value: s.length };
      case 'size': return { found: true, value: s.length };
      case 'isEmpty': return { found: true, value: s.length === 0 };
      case 'toString': return { found: true, value: s };
      case 'trim': return { found: true, value: s.trim() };
      case 'toUpperCase': return { found: true, value: s.toUpperCase() };
      case 'toLowerCase': return { found: true, value: s.toLowerCase() };
      case 'contains': return { found: true, value: s.includes(toText(a[0])) };
      case 'startsWith': return { found: true, value: s.startsWith(toText(a[0])) };
      case 'endsWith': return { found: true, value: s.endsWith(toText(a[0])) };
      case 'equals': return { found: true, value: s === toText(a[0]) };
      case 'equalsIgnoreCase': return { found: true, value: s.toLowerCase() === toText(a[0]).toLowerCase() };
      case 'indexOf': return { found: true, value: s.indexOf(toText(a[0])) };
      case 'lastIndexOf': return { found: true, value: s.lastIndexOf(toText(a[0])) };
      case 'charAt': return { found: true, value: s.charAt(Number(a[0])) };
      case 'substring': return { found: true, value: a.length > 1 ? s.substring(Number(a[0]), Number(a[1])) : s.substring(Number(a[0])) };
      case 'replace': return { found: true, value: s.split(toText(a[0])).join(toText(a[1])) };
      case 'replaceAll': return { found: true, value: s.replace(javaRegex(toText(a[0])), toText(a[1]).replace(/\$(\d)/g, '$$$1')) };
      case 'replaceFirst': return { found: true, value: s.replace(new RegExp(toText(a[0])), toText(a[1])) };
      case 'matches': return { found: true, value: new RegExp(`^(?:${toText(a[0])})$`).test(s) };
      case 'split': return { found: true, value: s.split(new RegExp(toText(a[0]))) };
      case 'concat': return { found: true, value: s + toText(a[0]) };
      case 'hashCode': {
        let h = 0;
        for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
        return { found: true, value: h };
      }
    }
    return { found: false };
  }
  if (Array.isArray(target)) {
    switch (name) {
      case 'size': return { found: true, value: target.length };
      case 'isEmpty': return { found: true, value: target.length === 0 };
      case 'get': return { found: true, value: target[Number(a[0])] };
      case 'add': target.push(a[0]); return { found: true, value: true };
      case 'contains': return { found: true, value: target.some((x) => equals(x, a[0])) };
      case 'indexOf': return { found: true, value: target.findIndex((x) => equals(x, a[0])) };
      case 'remove': return { found: true, value: target.splice(Number(a[0]), 1)[0] };
      case 'set': { const old = target[Number(a[0])]; target[Number(a[0])] = a[1]; return { found: true, value: old }; }
      case 'toString': return { found: true, value: toText(target) };
    }
    return { found: false };
  }
  if (isMap(target)) {
    switch (name) {
      case 'get': return { found: true, value: target[toText(a[0])] };
      case 'put': { const k = toText(a[0]); const old = target[k]; target[k] = a[1]; return { found: true, value: old }; }
      case 'containsKey': return { found: true, value: Object.prototype.hasOwnProperty.call(target, toText(a[0])) };
      case 'keySet': return { found: true, value: Object.keys(target) };
      case 'values': return { found: true, value: Object.values(target) };
      case 'entrySet': return { found: true, value: Object.entries(target).map(([key, value]) => ({ key, value })) };
      case 'size': return { found: true, value: Object.keys(target).length };
      case 'isEmpty': return { found: true, value: Object.keys(target).length === 0 };
      case 'remove': { const k = toText(a[0]); const old = target[k]; delete target[k]; return { found: true, value: old }; }
      case 'toString': return { found: true, value: toText(target) };
    }
    return { found: false };
  }
  if (typeof target === 'number' || typeof target === 'boolean') {
    if (name === 'toString') return { found: true, value: toText(target) };
    if (name === 'intValue') return { found: true, value: Math.trunc(Number(target)) };
    if (name === 'doubleValue') return { found: true, value: Number(target) };
    if (name === 'equals') return { found: true, value: equals(target, a[0]) };
  }
  return { found: false };
}

/** `$x.name`: a map entry, a host property, or a bean getter (size, empty, length …). */
export function property(target: unknown, name: string): unknown {
  if (target instanceof HostObject) {
    const v = (target as unknown as Record<string, unknown>)[name];
    if (typeof v === 'function') return (v as () => unknown).call(target);
    if (v !== undefined) return v;
    const getter = `get${name[0]!.toUpperCase()}${name.slice(1)}`;
    const g = (target as unknown as Record<string, unknown>)[getter];
    return typeof g === 'function' ? (g as () => unknown).call(target) : undefined;
  }
  if (isMap(target)) return Object.prototype.hasOwnProperty.call(target, name) ? target[name] : undefined;
  if (target === null || target === undefined) return undefined;
  const bean: Record<string, string> = { empty: 'isEmpty', size: 'size', length: 'length', class: 'getClass' };
  if (bean[name]) return callBuiltin(target, bean[name]!, []).value;
  if (Array.isArray(target) && /^\d+$/.test(name)) return target[Number(name)];
  return undefined;
}
