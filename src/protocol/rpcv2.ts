// smithy-rpc-v2-cbor: POST /service/{Service}/operation/{Operation} with a CBOR body. Input and output are
// the operation's shapes as CBOR maps; timestamps are tag 1 epoch seconds, blobs byte strings.
import { CborError, decodeCbor, encodeCbor } from './cbor.js';
import { AwsError } from './errors.js';
import { MAX_INPUT_DEPTH } from './json.js';
import { type Operation, type ServiceModel, type Shape, shapeType, target } from './model.js';
import { type ScalarWriters, writeShaped } from './shape-writer.js';
import { isNumberType, toBuffer, toDate } from './values.js';

const serialization = (message: string) => new AwsError('SerializationException', message);

export const CBOR_HEADERS = { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' } as const;

/** Decodes the request body and converts it to the input shape (an empty body is an empty input). */
export function readCborInput(model: ServiceModel, op: Operation, body: Buffer): Record<string, unknown> {
  if (!op.input) return {};
  if (!body.length) return {};
  let raw: unknown;
  try {
    raw = decodeCbor(body);
  } catch (err) {
    if (err instanceof CborError) throw serialization(`The request body is not valid CBOR: ${err.message}`);
    throw err;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Uint8Array || raw instanceof Date) {
    throw serialization('The request body must be a CBOR map.');
  }
  return (readCbor(model, op.input, raw, '') as Record<string, unknown>) ?? {};
}

function readCbor(model: ServiceModel, ref: Shape, value: unknown, where: string, depth = 0): unknown {
  if (value === null || value === undefined) return undefined;
  if (depth > MAX_INPUT_DEPTH) throw serialization(`The input is nested more than ${MAX_INPUT_DEPTH} levels deep at '${where}'`);
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  if (shape.document || ref.document) return value;
  switch (type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || value instanceof Date) {
        throw serialization(`Expected a map at '${where || 'input'}'`);
      }
      const out: Record<string, unknown> = {};
      const src = value as Record<string, unknown>;
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        if (!(name in src)) continue;
        const v = readCbor(model, member, src[name], where ? `${where}.${name}` : name, depth + 1);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) throw serialization(`Expected a list at '${where}'`);
      return value.map((item, i) => readCbor(model, shape.member ?? {}, item, `${where}.${i + 1}.member`, depth + 1) ?? null);
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || value instanceof Date) {
        throw serialization(`Expected a map at '${where}'`);
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = readCbor(model, shape.value ?? {}, v, `${where}.${k}`, depth + 1);
      return out;
    }
    case 'timestamp':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw serialization(`Value at '${where}' is not a valid timestamp`);
        return value;
      }
      if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
      throw serialization(`Expected a timestamp at '${where}'`);
    case 'blob':
      if (value instanceof Uint8Array) return Buffer.from(value);
      throw serialization(`Expected a byte string at '${where}'`);
    case 'boolean':
      if (typeof value !== 'boolean') throw serialization(`Expected a boolean at '${where}'`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw serialization(`Expected a string at '${where}'`);
      return value;
    default:
      if (isNumberType(type)) {
        if (typeof value === 'number') return value;
        throw serialization(`Expected a number at '${where}'`);
      }
      return value;
  }
}

const CBOR_SCALARS: ScalarWriters = {
  // CBOR tag 1 (epoch seconds) and byte strings: the codec writes Dates and Buffers as such
  timestamp: (value) => toDate(value),
  blob: (value) => toBuffer(value),
  number: (n) => n,
  wireNames: false,
};

/** Builds the CBOR value of an output by the shape: only modeled members. */
function writeCbor(model: ServiceModel, ref: Shape, value: unknown): unknown {
  return writeShaped(model, ref, value, CBOR_SCALARS);
}

/** The response body: an operation without output answers an empty body, as the protocol says. */
export function cborResponseBody(model: ServiceModel, op: Operation, output: Record<string, unknown>): Buffer {
  if (!op.output) return Buffer.alloc(0);
  return encodeCbor(writeCbor(model, op.output, output) ?? {});
}

export function cborErrorBody(code: string, message: string, fields?: Record<string, unknown>): Buffer {
  return encodeCbor({ __type: code, message, ...(fields ?? {}) });
}
