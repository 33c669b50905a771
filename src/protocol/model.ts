// AWS service models: the index of every service (from aws-sdk v2) and the full models, loaded on first use.
// Vendored models (models/*.json.gz, botocore's full models) carry the constraints validation needs;
// other services fall back to aws-sdk v2's min models, enough to name their operations.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type Protocol = 'query' | 'ec2' | 'json' | 'rest-json' | 'rest-xml' | 'smithy-rpc-v2-cbor';

export interface ServiceIndexEntry {
  id: string;
  file?: string;
  vendored?: boolean;
  protocol: Protocol;
  protocols?: Protocol[];
  apiVersion: string;
  endpointPrefix: string;
  signingName: string;
  targetPrefix?: string;
  jsonVersion?: string;
  serviceId: string;
  globalEndpoint?: boolean;
  awsQueryCompatible?: boolean;
}

/** A shape, or a member reference (a member carries its own traits and points at a shape). */
export interface Shape {
  type?: string;
  shape?: string;
  members?: Record<string, Shape>;
  required?: string[];
  member?: Shape;
  key?: Shape;
  value?: Shape;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  flattened?: boolean;
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  locationName?: string;
  queryName?: string;
  xmlAttribute?: boolean;
  xmlNamespace?: { uri: string; prefix?: string };
  timestampFormat?: 'iso8601' | 'rfc822' | 'unixTimestamp';
  payload?: string;
  streaming?: boolean;
  jsonvalue?: boolean;
  idempotencyToken?: boolean;
  hostLabel?: boolean;
  exception?: boolean;
  fault?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  resultWrapper?: string;
  box?: boolean;
  sensitive?: boolean;
  deprecated?: boolean;
  eventstream?: boolean;
  event?: boolean;
  document?: boolean;
  union?: boolean;
}

export interface Operation {
  name: string;
  http?: { method?: string; requestUri?: string; responseCode?: number };
  input?: Shape;
  output?: Shape & { resultWrapper?: string };
  errors?: Shape[];
  deprecated?: boolean;
  /** 'none' for operations clients call unsigned (Cognito's SignUp, InitiateAuth; STS's AssumeRoleWithWebIdentity) */
  authtype?: string;
  auth?: string[];
}

/** Whether clients call the operation without signing it. */
export function unsigned(op: Operation | undefined): boolean {
  return op?.authtype === 'none' || (op?.auth?.includes('smithy.api#noAuth') ?? false);
}

export interface ServiceModel {
  index: ServiceIndexEntry;
  metadata: Record<string, any>;
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
  paginators?: Record<string, { input_token?: string | string[]; output_token?: string | string[]; limit_key?: string; result_key?: string | string[] }>;
  /** error code → error shape (by shape name and by `error.code`). */
  errorsByCode: Map<string, { name: string; shape: Shape }>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/src/protocol → repo root, or src/protocol → repo root
const root = [path.resolve(here, '../../..'), path.resolve(here, '../..')].find((p) => fs.existsSync(path.join(p, 'models')))!;
const require = createRequire(import.meta.url);

let indexCache: ServiceIndexEntry[] | undefined;
export function serviceIndex(): ServiceIndexEntry[] {
  if (!indexCache) {
    indexCache = JSON.parse(fs.readFileSync(path.join(root, 'src', 'generated', 'service-index.json'), 'utf8')) as ServiceIndexEntry[];
  }
  return indexCache;
}

export function indexEntry(id: string): ServiceIndexEntry | undefined {
  return serviceIndex().find((e) => e.id === id);
}

const models = new Map<string, ServiceModel>();

export function loadModel(id: string): ServiceModel {
  let model = models.get(id);
  if (model) return model;
  const entry = indexEntry(id);
  if (!entry) throw new Error(`no model for service ${id}`);
  let raw: any;
  if (entry.vendored) {
    raw = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(root, 'models', `${id}.json.gz`))).toString('utf8'));
  } else {
    const apis = path.join(path.dirname(require.resolve('aws-sdk/package.json')), 'apis');
    raw = JSON.parse(fs.readFileSync(path.join(apis, entry.file!), 'utf8'));
  }
  const operations: Record<string, Operation> = {};
  for (const [name, op] of Object.entries<any>(raw.operations)) operations[name] = { ...op, name };
  const errorsByCode = new Map<string, { name: string; shape: Shape }>();
  for (const [name, shape] of Object.entries<Shape>(raw.shapes)) {
    if (shape.exception || shape.error) {
      errorsByCode.set(name, { name, shape });
      if (shape.error?.code) errorsByCode.set(shape.error.code, { name, shape });
    }
  }
  model = { index: entry, metadata: raw.metadata, operations, shapes: raw.shapes, paginators: raw.paginators, errorsByCode };
  models.set(id, model);
  return model;
}

/** The shape a member or reference points at (inline shapes are their own target). */
export function target(model: ServiceModel, ref: Shape): Shape {
  if (ref.shape) {
    const s = model.shapes[ref.shape];
    if (!s) throw new Error(`unknown shape ${ref.shape} in ${model.index.id}`);
    return s;
  }
  return ref;
}

export function shapeType(model: ServiceModel, ref: Shape): string {
  return target(model, ref).type ?? (target(model, ref).members ? 'structure' : 'string');
}
