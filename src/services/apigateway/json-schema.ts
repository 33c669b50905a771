// JSON Schema draft 4, the subset API Gateway validates request bodies with: type, properties, required,
// additionalProperties, patternProperties, items, enum, numeric and length bounds, pattern, uniqueItems,
// allOf/anyOf/oneOf/not, $ref to #/definitions/… and to other models of the API (…/models/NAME).

export type Schema = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class SchemaValidator {
  constructor(private readonly root: Schema, private readonly models: (name: string) => Schema | undefined) {}

  /** Problems found, as API Gateway words them loosely; empty when valid. */
  validate(value: unknown): string[] {
    const errors: string[] = [];
    this.check(this.root, value, '', errors, this.root, 0);
    return errors;
  }

  private resolve(ref: string, base: Schema): { schema: Schema; base: Schema } | undefined {
    if (ref.startsWith('#')) {
      let cur: unknown = base;
      for (const part of ref.slice(1).split('/').filter(Boolean)) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
      return cur && typeof cur === 'object' ? { schema: cur as Schema, base } : undefined;
    }
    const m = /\/models\/([A-Za-z0-9]+)$/.exec(ref);
    const model = m ? this.models(m[1]!) : undefined;
    return model ? { schema: model, base: model } : undefined;
  }

  private check(s: Schema, v: unknown, at: string, errors: string[], base: Schema, depth: number): void {
    if (depth > 50) return;
    const where = at || 'instance';
    if (typeof s.$ref === 'string') {
      const r = this.resolve(s.$ref, base);
      if (!r) errors.push(`${where}: cannot resolve ${s.$ref}`);
      else this.check(r.schema, v, at, errors, r.base, depth + 1);
      return;
    }
    const t = typeOf(v);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      const ok = types.some((x) => x === t || (x === 'number' && t === 'integer'));
      if (!ok) {
        errors.push(`${where}: instance type (${t}) does not match any allowed primitive type (allowed: [${types.map((x) => `"${x}"`).join(',')}])`);
        return;
      }
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, v))) errors.push(`${where}: instance value (${JSON.stringify(v)}) not found in enum`);
    if (t === 'integer' || t === 'number') {
      const n = v as number;
      if (typeof s.minimum === 'number' && (s.exclusiveMinimum === true ? n <= s.minimum : n < s.minimum)) errors.push(`${where}: numeric instance is lower than the required minimum (minimum: ${s.minimum}, found: ${n})`);
      if (typeof s.maximum === 'number' && (s.exclusiveMaximum === true ? n >= s.maximum : n > s.maximum)) errors.push(`${where}: numeric instance is greater than the required maximum (maximum: ${s.maximum}, found: ${n})`);
      if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && Math.abs(n / s.multipleOf - Math.round(n / s.multipleOf)) > 1e-9) errors.push(`${where}: remainder of division is not zero`);
    }
    if (t === 'string') {
      const str = v as string;
      const len = [...str].length;
      if (typeof s.minLength === 'number' && len < s.minLength) errors.push(`${where}: string "${str}" is too short (length: ${len}, required minimum: ${s.minLength})`);
      if (typeof s.maxLength === 'number' && len > s.maxLength) errors.push(`${where}: string "${str}" is too long (length: ${len}, maximum allowed: ${s.maxLength})`);
      if (typeof s.pattern === 'string') {
        try {
          if (!new RegExp(s.pattern, 'u').test(str)) errors.push(`${where}: ECMA 262 regex "${s.pattern}" does not match input string "${str}"`);
        } catch {
          /* a pattern JavaScript cannot compile is not enforced */
        }
      }
    }
    if (t === 'array') {
      const arr = v as unknown[];
      if (typeof s.minItems === 'number' && arr.length < s.minItems) errors.push(`${where}: array is too short: must have at least ${s.minItems} elements but instance has ${arr.length} elements`);
      if (typeof s.maxItems === 'number' && arr.length > s.maxItems) errors.push(`${where}: array is too long: must have at most ${s.maxItems} elements but instance has ${arr.length} elements`);
      if (s.uniqueItems === true && new Set(arr.map((x) => JSON.stringify(x))).size !== arr.length) errors.push(`${where}: array must not contain duplicate elements`);
      if (Array.isArray(s.items)) {
        (s.items as Schema[]).forEach((is, i) => i < arr.length && this.check(is, arr[i], `${at}/${i}`, errors, base, depth + 1));
        if (s.additionalItems === false && arr.length > s.items.length) errors.push(`${where}: array has too many items`);
      } else if (s.items && typeof s.items === 'object') arr.forEach((x, i) => this.check(s.items as Schema, x, `${at}/${i}`, errors, base, depth + 1));
    }
    if (t === 'object') {
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj);
      if (Array.isArray(s.required)) {
        const missing = (s.required as string[]).filter((k) => !(k in obj));
        if (missing.length) errors.push(`${where}: object has missing required properties ([${missing.map((k) => `"${k}"`).join(',')}])`);
      }
      if (typeof s.minProperties === 'number' && keys.length < s.minProperties) errors.push(`${where}: object has too few properties`);
      if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) errors.push(`${where}: object has too many properties`);
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, Schema>);
      const extra: string[] = [];
      for (const k of keys) {
        let matched = false;
        if (props[k]) {
          matched = true;
          this.check(props[k]!, obj[k], `${at}/${k}`, errors, base, depth + 1);
        }
        for (const [p, ps] of patterns) {
          try {
            if (new RegExp(p, 'u').test(k)) {
              matched = true;
              this.check(ps, obj[k], `${at}/${k}`, errors, base, depth + 1);
            }
          } catch {
            /* ignored pattern */
          }
        }
        if (!matched) {
          if (s.additionalProperties === false) extra.push(k);
          else if (s.additionalProperties && typeof s.additionalProperties === 'object') this.check(s.additionalProperties as Schema, obj[k], `${at}/${k}`, errors, base, depth + 1);
        }
      }
      if (extra.length) errors.push(`${where}: object instance has properties which are not allowed by the schema: [${extra.map((k) => `"${k}"`).join(',')}]`);
    }
    if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) this.check(sub, v, at, errors, base, depth + 1);
    const passes = (sub: Schema) => {
      const e: string[] = [];
      this.check(sub, v, at, e, base, depth + 1);
      return e.length === 0;
    };
    if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some(passes)) errors.push(`${where}: instance failed to match at least one required schema among ${s.anyOf.length}`);
    if (Array.isArray(s.oneOf) && (s.oneOf as Schema[]).filter(passes).length !== 1) errors.push(`${where}: instance failed to match exactly one schema`);
    if (s.not && typeof s.not === 'object' && passes(s.not as Schema)) errors.push(`${where}: instance matched a schema which it should not have`);
  }
}
