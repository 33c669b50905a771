// XML for the query, ec2 and rest-xml protocols: a shape-driven writer and a shape-driven reader.
import { XMLParser } from 'fast-xml-parser';
import { AwsError } from './errors.js';
import { type ServiceModel, type Shape, target, shapeType } from './model.js';
import { formatTimestamp, parseBase64, parseBooleanText, parseNumberText, parseTimestamp, toBuffer, type TimestampFormat } from './values.js';

// Characters XML 1.0 cannot carry even escaped are dropped; the rest are escaped.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function escapeXml(value: string): string {
  // most values need nothing: one test instead of seven replaces (DescribeInstances writes thousands)
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#xD;');
}

export type XmlFlavor = 'query' | 'ec2' | 'rest-xml';

export class XmlWriter {
  // one growing string: V8's ropes make += cheaper than collecting parts and joining (4 MB DescribeInstances)
  private s = '';

  open(name: string, attrs?: string): this {
    this.s += attrs ? `<${name} ${attrs}>` : `<${name}>`;
    return this;
  }
  close(name: string): this {
    this.s += `</${name}>`;
    return this;
  }
  leaf(name: string, text: string): this {
    this.s += `<${name}>${escapeXml(text)}</${name}>`;
    return this;
  }
  raw(s: string): this {
    this.s += s;
    return this;
  }
  toString(): string {
    return this.s;
  }
}

function scalarText(model: ServiceModel, ref: Shape, value: unknown, flavor: XmlFlavor): string | undefined {
  const t = target(model, ref);
  const type = shapeType(model, ref);
  switch (type) {
    case 'timestamp': {
      const fmt = (ref.timestampFormat ?? t.timestampFormat ?? 'iso8601') as TimestampFormat;
      const v = formatTimestamp(value, fmt);
      return v === undefined ? undefined : String(v);
    }
    case 'blob':
      return toBuffer(value).toString('base64');
    case 'boolean':
      return value ? 'true' : 'false';
    case 'float':
    case 'double':
      return typeof value === 'number' && !Number.isFinite(value) ? (Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity') : String(value);
    default:
      void flavor;
      return typeof value === 'string' ? value : String(value);
  }
}

// Writers are compiled once per (shape reference, flavor) and cached on the reference: the model is walked
// once, not once per value (a 1,000-instance DescribeInstances writes ~100,000 elements).
type ValueWriter = (w: XmlWriter, name: string, value: unknown) => void;
type MembersWriter = (w: XmlWriter, value: Record<string, unknown>) => void;
const valueWriters: Record<XmlFlavor, WeakMap<Shape, ValueWriter>> = { query: new WeakMap(), ec2: new WeakMap(), 'rest-xml': new WeakMap() };
const membersWriters: Record<XmlFlavor, WeakMap<Shape, MembersWriter>> = { query: new WeakMap(), ec2: new WeakMap(), 'rest-xml': new WeakMap() };

function valueWriter(model: ServiceModel, ref: Shape, flavor: XmlFlavor): ValueWriter {
  let fn = valueWriters[flavor].get(ref);
  if (!fn) {
    // compiling does not recurse (nested writers are made on first use), so recursive shapes are fine
    fn = compileValue(model, ref, flavor);
    valueWriters[flavor].set(ref, fn);
  }
  return fn;
}

function membersWriter(model: ServiceModel, ref: Shape, flavor: XmlFlavor): MembersWriter {
  let fn = membersWriters[flavor].get(ref);
  if (!fn) {
    const shape = target(model, ref);
    const members = Object.entries(shape.members ?? {})
      // headers, status codes, uri labels and attributes are not element content
      .filter(([, m]) => !m.location && !m.xmlAttribute)
      .map(([name, m]) => ({ name, element: m.locationName ?? name, ref: m, write: undefined as ValueWriter | undefined }));
    fn = (w, value) => {
      for (const m of members) {
        const v = value[m.name];
        if (v === undefined || v === null) continue;
        (m.write ??= valueWriter(model, m.ref, flavor))(w, m.element, v);
      }
    };
    membersWriters[flavor].set(ref, fn);
  }
  return fn;
}

function compileValue(model: ServiceModel, ref: Shape, flavor: XmlFlavor): ValueWriter {
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  if (type === 'structure') {
    let members: MembersWriter | undefined;
    return (w, name, value) => {
      if (typeof value !== 'object' || value === null) return;
      w.open(name);
      (members ??= membersWriter(model, ref, flavor))(w, value as Record<string, unknown>);
      w.close(name);
    };
  }
  if (type === 'list') {
    const member = shape.member ?? {};
    const flattened = ref.flattened ?? shape.flattened;
    let item: ValueWriter | undefined;
    if (flattened) {
      return (w, name, value) => {
        if (!Array.isArray(value)) return;
        item ??= valueWriter(model, member, flavor);
        const itemName = member.locationName ?? name;
        for (const v of value) if (v !== undefined && v !== null) item(w, itemName, v);
      };
    }
    const itemName = member.locationName ?? (flavor === 'ec2' ? 'item' : 'member');
    return (w, name, value) => {
      if (!Array.isArray(value)) return;
      item ??= valueWriter(model, member, flavor);
      w.open(name);
      for (const v of value) if (v !== undefined && v !== null) item(w, itemName, v);
      w.close(name);
    };
  }
  if (type === 'map') {
    const flattened = ref.flattened ?? shape.flattened;
    const keyName = shape.key?.locationName ?? 'key';
    const valueName = shape.value?.locationName ?? 'value';
    let entry: ValueWriter | undefined;
    return (w, name, value) => {
      if (typeof value !== 'object' || value === null) return;
      entry ??= valueWriter(model, shape.value ?? {}, flavor);
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      if (!flattened) w.open(name);
      for (const [k, v] of entries) {
        if (v === undefined || v === null) continue;
        w.open(flattened ? name : 'entry');
        w.leaf(keyName, String(k));
        entry(w, valueName, v);
        w.close(flattened ? name : 'entry');
      }
      if (!flattened) w.close(name);
    };
  }
  if (type === 'string') {
    return (w, name, value) => {
      w.leaf(name, typeof value === 'string' ? value : String(value));
    };
  }
  return (w, name, value) => {
    const text = scalarText(model, ref, value, flavor);
    if (text !== undefined) w.leaf(name, text);
  };
}

/** Writes the members of a structure value (not the structure's own element). */
export function writeMembers(w: XmlWriter, model: ServiceModel, ref: Shape, value: Record<string, unknown>, flavor: XmlFlavor): void {
  membersWriter(model, ref, flavor)(w, value);
}

export function writeValue(w: XmlWriter, model: ServiceModel, ref: Shape, name: string, value: unknown, flavor: XmlFlavor): void {
  valueWriter(model, ref, flavor)(w, name, value);
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  removeNSPrefix: true,
  isArray: () => true,
  processEntities: true,
  htmlEntities: false,
});

type XmlNode = Record<string, unknown> | string;

/** Parses an XML document into fast-xml-parser's tree (every child an array). */
export function parseXmlDocument(text: string): Record<string, unknown> {
  try {
    const doc = parser.parse(text, true) as Record<string, unknown>;
    return doc;
  } catch (err) {
    throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
}

function nodeText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object' && '#text' in node) return String((node as Record<string, unknown>)['#text']);
  return '';
}

/** Reads a structure from an element by the shape (rest-xml request bodies). */
export function readXml(model: ServiceModel, ref: Shape, node: XmlNode, where: string, depth = 0): unknown {
  if (depth > 100) throw new AwsError('MalformedXML', 'The XML you provided was nested too deeply');
  const shape = target(model, ref);
  const type = shapeType(model, ref);
  if (type === 'structure') {
    if (typeof node !== 'object') return {};
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      if (member.location) continue;
      const key = member.locationName ?? name;
      if (member.xmlAttribute) {
        const a = (node as Record<string, unknown>)[`@${key.replace(/^.*:/, '')}`];
        if (a !== undefined) out[name] = readScalar(model, member, String(a), `${where}.${name}`);
        continue;
      }
      const mtype = shapeType(model, member);
      const mshape = target(model, member);
      const children = (node as Record<string, unknown[]>)[key];
      if (mtype === 'list' && (member.flattened ?? mshape.flattened)) {
        const items = (node as Record<string, unknown[]>)[mshape.member?.locationName ?? key];
        if (items) out[name] = items.map((item, i) => readXml(model, mshape.member ?? {}, item as XmlNode, `${where}.${name}.${i + 1}`, depth + 1));
        continue;
      }
      if (!children || children.length === 0) continue;
      out[name] = readXml(model, member, children[0] as XmlNode, `${where}.${name}`, depth + 1);
    }
    return out;
  }
  if (type === 'list') {
    const itemName = shape.member?.locationName ?? 'member';
    const items = typeof node === 'object' ? ((node as Record<string, unknown[]>)[itemName] ?? []) : [];
    return items.map((item, i) => readXml(model, shape.member ?? {}, item as XmlNode, `${where}.${i + 1}`, depth + 1));
  }
  if (type === 'map') {
    const out: Record<string, unknown> = {};
    const entries = typeof node === 'object' ? ((node as Record<string, unknown[]>)['entry'] ?? []) : [];
    for (const entry of entries as Record<string, unknown[]>[]) {
      const k = nodeText(entry[shape.key?.locationName ?? 'key']?.[0]);
      const v = entry[shape.value?.locationName ?? 'value']?.[0];
      out[k] = readXml(model, shape.value ?? {}, v as XmlNode, `${where}.${k}`, depth + 1);
    }
    return out;
  }
  return readScalar(model, ref, nodeText(node), where);
}

export function readScalar(model: ServiceModel, ref: Shape, text: string, where: string): unknown {
  const type = shapeType(model, ref);
  switch (type) {
    case 'boolean': {
      const b = parseBooleanText(text);
      if (b === undefined) throw new AwsError('SerializationException', `Value '${text}' at '${where}' is not a valid boolean`);
      return b;
    }
    case 'timestamp':
      return parseTimestamp(text, where);
    case 'blob':
      return parseBase64(text, where);
    default:
      if (type === 'string') return text;
      {
        const n = parseNumberText(text, type);
        if (n === undefined) throw new AwsError('SerializationException', `Value '${text}' at '${where}' is not a valid ${type}`);
        return n;
      }
  }
}
