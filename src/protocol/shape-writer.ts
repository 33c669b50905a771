// An output value walked by its shape into a plain tree (only modeled members), for the document protocols:
// JSON (json, rest-json) and CBOR (smithy-rpc-v2-cbor) differ only in how scalars are written and in member
// naming; the walk is written once.
import { type ServiceModel, type Shape, target, shapeType } from './model.js';
import { isNumberType } from './values.js';

export interface ScalarWriters {
  timestamp(value: unknown, ref: Shape, shape: Shape): unknown;
  blob(value: unknown): unknown;
  number(n: number): unknown;
  /** JSON: members are named by locationName and HTTP-bound members are left out; CBOR: member names */
  wireNames: boolean;
}

export function writeShaped(model: ServiceModel, ref: Shape, value: unknown, w: ScalarWriters): unknown {
  if (value === undefined || value === null) return undefined;
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  if (shape.document || ref.document) return value;
  switch (type) {
    case 'structure': {
      if (typeof value !== 'object') return undefined;
      const out: Record<string, unknown> = {};
      const src = value as Record<string, unknown>;
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        if (w.wireNames && member.location) continue;
        const v = writeShaped(model, member, src[name], w);
        if (v !== undefined) out[w.wireNames ? (member.locationName ?? name) : name] = v;
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) return undefined;
      return value.map((item) => writeShaped(model, shape.member ?? {}, item, w) ?? null);
    case 'map': {
      if (typeof value !== 'object') return undefined;
      const out: Record<string, unknown> = {};
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      for (const [k, v] of entries) {
        const x = writeShaped(model, shape.value ?? {}, v, w);
        if (x !== undefined) out[String(k)] = x;
      }
      return out;
    }
    case 'timestamp':
      return w.timestamp(value, ref, shape);
    case 'blob':
      return w.blob(value);
    case 'boolean':
      return Boolean(value);
    case 'string':
      return typeof value === 'string' ? value : String(value);
    default:
      if (isNumberType(type)) return w.number(typeof value === 'number' ? value : Number(value));
      return value;
  }
}
