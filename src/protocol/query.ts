// The query and ec2 protocols: form-encoded input read by the shape, XML output and errors.
import { AwsError } from './errors.js';
import { type Operation, type ServiceModel, type Shape, target, shapeType } from './model.js';
import { readScalar, XmlWriter, writeMembers } from './xml.js';
import { upperFirst } from './values.js';

/** The flat key/value parameters of a query request (query string and form body together). */
export type Params = Map<string, string>;

export function parseForm(text: string): Params {
  const params: Params = new Map();
  for (const [k, v] of new URLSearchParams(text)) params.set(k, v);
  return params;
}

function memberKey(name: string, member: Shape, ec2: boolean): string {
  if (ec2) return member.queryName ?? (member.locationName ? upperFirst(member.locationName) : name);
  return member.locationName ?? name;
}

/**
 * Index of the keys of a request, so list and structure presence checks don't rescan all params.
 * Sorted keys and a binary search: O(n log n) whatever the keys look like (indexing every dotted prefix
 * costs the square of a key's length, which one long key of dots turns into a denial of service).
 */
class KeyIndex {
  private readonly sorted: string[];
  constructor(private readonly params: Params) {
    this.sorted = [...params.keys()].sort();
  }
  /** Whether `prefix` is a key, or the dotted prefix of one. */
  has(prefix: string): boolean {
    if (this.params.has(prefix)) return true;
    const dotted = `${prefix}.`;
    const keys = this.sorted;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < dotted) lo = mid + 1;
      else hi = mid;
    }
    return lo < keys.length && keys[lo]!.startsWith(dotted);
  }
}

export function readQueryInput(model: ServiceModel, op: Operation, params: Params, ec2: boolean): Record<string, unknown> {
  if (!op.input) return {};
  const keys = new KeyIndex(params);
  return (readQueryValue(model, op.input, params, keys, '', ec2) as Record<string, unknown>) ?? {};
}

function readQueryValue(model: ServiceModel, ref: Shape, params: Params, keys: KeyIndex, prefix: string, ec2: boolean): unknown {
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  const join = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (type === 'structure') {
    if (prefix && !keys.has(prefix)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      const v = readQueryValue(model, member, params, keys, join(memberKey(name, member, ec2)), ec2);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }
  if (type === 'list') {
    if (!keys.has(prefix)) return undefined;
    if (params.get(prefix) === '') return []; // an empty list is sent as "Name="
    const member = shape.member ?? {};
    const flattened = ref.flattened ?? shape.flattened;
    const base = ec2 || flattened ? prefix : `${prefix}.${member.locationName ?? 'member'}`;
    const out: unknown[] = [];
    for (let i = 1; keys.has(`${base}.${i}`); i++) {
      out.push(readQueryValue(model, member, params, keys, `${base}.${i}`, ec2));
    }
    return out;
  }
  if (type === 'map') {
    if (!keys.has(prefix)) return undefined;
    const flattened = ref.flattened ?? shape.flattened;
    const base = flattened ? prefix : `${prefix}.entry`;
    const keyName = shape.key?.locationName ?? 'key';
    const valueName = shape.value?.locationName ?? 'value';
    const out: Record<string, unknown> = {};
    for (let i = 1; keys.has(`${base}.${i}`); i++) {
      const k = params.get(`${base}.${i}.${keyName}`);
      if (k === undefined) continue;
      out[k] = readQueryValue(model, shape.value ?? {}, params, keys, `${base}.${i}.${valueName}`, ec2);
    }
    return out;
  }
  const text = params.get(prefix);
  if (text === undefined) return undefined;
  try {
    return readScalar(model, ref, text, prefix);
  } catch (err) {
    if (err instanceof AwsError) {
      throw new AwsError(ec2 ? 'InvalidParameterValue' : 'ValidationError', `Value (${text}) for parameter ${prefix} is invalid. ${err.message}`);
    }
    throw err;
  }
}

export function queryResponse(model: ServiceModel, op: Operation, output: Record<string, unknown>, requestId: string): string {
  const ns = model.metadata.xmlNamespace as string | undefined;
  const w = new XmlWriter();
  const root = `${op.name}Response`;
  w.open(root, ns ? `xmlns="${ns}"` : undefined);
  if (op.output) {
    const wrapper = op.output.resultWrapper ?? `${op.name}Result`;
    w.open(wrapper);
    writeMembers(w, model, op.output, output, 'query');
    w.close(wrapper);
  }
  w.open('ResponseMetadata').leaf('RequestId', requestId).close('ResponseMetadata');
  w.close(root);
  return w.toString();
}

export function ec2Response(model: ServiceModel, op: Operation, output: Record<string, unknown>, requestId: string): string {
  const w = new XmlWriter();
  const root = `${op.name}Response`;
  w.raw('<?xml version="1.0" encoding="UTF-8"?>');
  w.open(root, `xmlns="http://ec2.amazonaws.com/doc/${model.metadata.apiVersion}/"`);
  w.leaf('requestId', requestId);
  if (op.output) writeMembers(w, model, op.output, output, 'ec2');
  w.close(root);
  return w.toString();
}

export function queryError(ns: string | undefined, code: string, message: string, sender: boolean, requestId: string): string {
  const w = new XmlWriter();
  w.open('ErrorResponse', ns ? `xmlns="${ns}"` : undefined);
  w.open('Error').leaf('Type', sender ? 'Sender' : 'Receiver').leaf('Code', code).leaf('Message', message).close('Error');
  w.leaf('RequestId', requestId);
  w.close('ErrorResponse');
  return w.toString();
}

export function ec2Error(code: string, message: string, requestId: string): string {
  const w = new XmlWriter();
  w.raw('<?xml version="1.0" encoding="UTF-8"?>');
  w.open('Response').open('Errors').open('Error').leaf('Code', code).leaf('Message', message).close('Error').close('Errors');
  w.leaf('RequestID', requestId).close('Response');
  return w.toString();
}
