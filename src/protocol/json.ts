// JSON bodies by the shape, for the json and rest-json protocols.
import { AwsError } from './errors.js';
import { type ServiceModel, type Shape, target, shapeType } from './model.js';
import { type ScalarWriters, writeShaped } from './shape-writer.js';
import { formatTimestamp, isNumberType, parseBase64, parseTimestamp, toBuffer, type TimestampFormat } from './values.js';

const serialization = (message: string) => new AwsError('SerializationException', message);

export function parseJsonText(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw serialization('Malformed JSON in the request body: it could not be parsed.');
  }
}

/** Converts a parsed JSON value to the shape's types (Date for timestamps, Buffer for blobs). */
/** Deeper input than any AWS shape needs (DynamoDB allows 32 levels) is refused, so recursive shapes cannot exhaust the stack. */
export const MAX_INPUT_DEPTH = 100;

export function readJson(model: ServiceModel, ref: Shape, value: unknown, where: string, depth = 0): unknown {
  if (value === null || value === undefined) return undefined;
  if (depth > MAX_INPUT_DEPTH) throw serialization(`The input is nested more than ${MAX_INPUT_DEPTH} levels deep at '${where}'`);
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  if (shape.document || ref.document) return value;
  switch (type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) throw serialization(`Expected an object at '${where || 'input'}'`);
      const out: Record<string, unknown> = {};
      const src = value as Record<string, unknown>;
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        if (member.location) continue;
        const key = member.locationName ?? name;
        if (!(key in src)) continue;
        const v = readJson(model, member, src[key], where ? `${where}.${name}` : name, depth + 1);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) throw serialization(`Expected a list at '${where}'`);
      return value.map((item, i) => readJson(model, shape.member ?? {}, item, `${where}.${i + 1}.member`, depth + 1) ?? null);
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) throw serialization(`Expected a map at '${where}'`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out[k] = readJson(model, shape.value ?? {}, v, `${where}.${k}`, depth + 1);
      }
      return out;
    }
    case 'timestamp':
      if (typeof value !== 'number' && typeof value !== 'string') throw serialization(`Expected a timestamp at '${where}'`);
      return parseTimestamp(value, where);
    case 'blob':
      if (typeof value !== 'string') throw serialization(`Expected a base64 string at '${where}'`);
      return parseBase64(value, where);
    case 'boolean':
      if (typeof value !== 'boolean') throw serialization(`Expected a boolean at '${where}'`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw serialization(`Expected a string at '${where}'`);
      return value;
    default:
      if (isNumberType(type)) {
        if (typeof value === 'number') return value;
        if (typeof value === 'string' && (value === 'NaN' || value === 'Infinity' || value === '-Infinity') && (type === 'float' || type === 'double')) {
          return Number(value);
        }
        throw serialization(`Expected a number at '${where}'`);
      }
      return value;
  }
}

const JSON_SCALARS: ScalarWriters = {
  timestamp: (value, ref, shape) => formatTimestamp(value, (ref.timestampFormat ?? shape.timestampFormat ?? 'unixTimestamp') as TimestampFormat),
  blob: (value) => toBuffer(value).toString('base64'),
  // JSON has no NaN or infinities: AWS writes them as strings
  number: (n) => (Number.isNaN(n) ? 'NaN' : !Number.isFinite(n) ? (n > 0 ? 'Infinity' : '-Infinity') : n),
  wireNames: true,
};

/** Builds the JSON value of an output by the shape: only modeled members, AWS's scalar formats. */
export function writeJson(model: ServiceModel, ref: Shape, value: unknown): unknown {
  return writeShaped(model, ref, value, JSON_SCALARS);
}
