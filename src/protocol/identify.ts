// Which service and operation a request addresses: SigV4 credential scope, X-Amz-Target, Action=, REST routes.
import zlib from 'node:zlib';
import { AwsError } from './errors.js';
import { type Operation, type Protocol, type ServiceIndexEntry, type ServiceModel, loadModel, serviceIndex } from './model.js';
import { type Params, parseForm } from './query.js';
import { matchRoute } from './rest.js';

export interface WireRequest {
  method: string;
  /** raw path, still percent-encoded, without the query string */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Credential {
  accessKeyId: string;
  date?: string;
  region?: string;
  service?: string;
}

export interface Identified {
  entry: ServiceIndexEntry;
  model: ServiceModel;
  protocol: Protocol;
  /** undefined when the service is known but the operation is not */
  op?: Operation;
  operationName: string;
  /** query/ec2 parameters */
  params?: Params;
  /** REST uri labels */
  labels?: Record<string, string>;
}

export function headerValue(headers: WireRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The access key, date, region and service of the SigV4 credential (header or presigned query). */
export function credentialOf(req: Pick<WireRequest, 'headers' | 'query'>): Credential | undefined {
  const auth = headerValue(req.headers, 'authorization');
  let scope: string | undefined;
  if (auth) {
    const m = /Credential=([^,\s]+)/.exec(auth);
    if (m) scope = m[1];
    else {
      // SigV2-style "AWS AKID:signature"
      const v2 = /^AWS ([^:\s]+):/.exec(auth);
      if (v2) return { accessKeyId: v2[1]! };
    }
  }
  scope ??= req.query.get('X-Amz-Credential') ?? undefined;
  if (!scope) {
    const akid = req.query.get('AWSAccessKeyId');
    return akid ? { accessKeyId: akid } : undefined;
  }
  const [accessKeyId, date, region, service] = scope.split('/');
  return { accessKeyId: accessKeyId ?? '', date, region: region || undefined, service: service || undefined };
}

let bySigning: Map<string, ServiceIndexEntry[]> | undefined;
let byTarget: Map<string, ServiceIndexEntry> | undefined;
let byTargetShort: Map<string, ServiceIndexEntry> | undefined;

function indexes() {
  if (!bySigning || !byTarget || !byTargetShort) {
    bySigning = new Map();
    byTarget = new Map();
    byTargetShort = new Map();
    for (const e of serviceIndex()) {
      for (const key of new Set([e.signingName, e.endpointPrefix])) {
        const list = bySigning.get(key) ?? [];
        // vendored (full) models first: they are the ones Cumulus serves
        if (e.vendored) list.unshift(e);
        else list.push(e);
        bySigning.set(key, list);
      }
      if (e.targetPrefix && (!byTarget.has(e.targetPrefix) || e.vendored)) byTarget.set(e.targetPrefix, e);
      const short = e.targetPrefix?.includes('.') ? e.targetPrefix.slice(e.targetPrefix.lastIndexOf('.') + 1) : undefined;
      if (short && (!byTargetShort.has(short) || e.vendored)) byTargetShort.set(short, e);
    }
  }
  return { bySigning, byTarget, byTargetShort };
}

function isForm(req: WireRequest): boolean {
  const ct = headerValue(req.headers, 'content-type') ?? '';
  return ct.startsWith('application/x-www-form-urlencoded');
}

function formParams(req: WireRequest): Params {
  const params: Params = new Map();
  for (const [k, v] of req.query) params.set(k, v);
  if (req.method === 'POST' && isForm(req) && req.body.length) {
    const text = req.body.toString('utf8');
    for (const [k, v] of parseForm(text)) params.set(k, v);
  }
  return params;
}

const queryish = (p: Protocol) => p === 'query' || p === 'ec2';

/** The most a compressed request body may expand to (AWS's own payload limits are far below this). */
const MAX_INFLATED_BYTES = 20 * 1024 * 1024;

/**
 * Inflates a body sent with Content-Encoding: gzip (the SDKs compress operations with the requestcompression
 * trait, such as CloudWatch's PutMetricData, past 10 KiB), so every protocol reads plain bytes.
 */
export function decodeContentEncoding(req: WireRequest): void {
  const encoding = headerValue(req.headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== 'gzip' || !req.body.length) return;
  try {
    req.body = zlib.gunzipSync(req.body, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid gzip data.', { status: 400 });
  }
  delete req.headers['content-encoding'];
}

/**
 * Identifies the service and operation. `implemented` says which services Cumulus serves, to break ties
 * (e.g. two models signed as 'elasticloadbalancing').
 */
export function identify(req: WireRequest, credential: Credential | undefined, implemented: (id: string) => boolean): Identified {
  decodeContentEncoding(req);
  const { bySigning, byTarget, byTargetShort } = indexes();
  const target = headerValue(req.headers, 'x-amz-target');
  const candidates = credential?.service ? (bySigning.get(credential.service) ?? []) : [];

  // JSON protocols: X-Amz-Target: Prefix.Operation
  if (target) {
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    const operationName = target.slice(dot + 1);
    // SDK v3 sends the short form of a namespaced prefix (CloudTrail_20131101 for com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101)
    const entry =
      candidates.find((e) => e.targetPrefix === prefix || e.targetPrefix?.endsWith(`.${prefix}`)) ?? byTarget.get(prefix) ?? byTargetShort.get(prefix);
    if (!entry) throw unknownService(credential?.service ?? prefix);
    const model = loadModel(entry.id);
    return { entry, model, protocol: 'json', op: model.operations[operationName], operationName };
  }

  // smithy RPC v2 CBOR: POST /service/{Service}/operation/{Operation}
  const cbor = /^\/service\/([^/]+)\/operation\/([^/]+)$/.exec(req.path);
  if (cbor && headerValue(req.headers, 'smithy-protocol') === 'rpc-v2-cbor') {
    const entry = candidates[0] ?? serviceIndex().find((e) => e.targetPrefix === cbor[1] || e.id === cbor[1]);
    if (!entry) throw unknownService(cbor[1]!);
    const model = loadModel(entry.id);
    return { entry, model, protocol: 'smithy-rpc-v2-cbor', op: model.operations[cbor[2]!], operationName: cbor[2]! };
  }

  // query / ec2: Action=...
  const params = formParams(req);
  const action = params.get('Action');
  if (action !== undefined) {
    // signed for a service no model knows: not one of the query services under another name
    if (credential?.service && !candidates.length) throw unknownService(credential.service);
    const version = params.get('Version');
    let pool = candidates.length ? candidates : serviceIndex().filter((e) => queryish(e.protocol) || e.awsQueryCompatible);
    if (version) {
      const byVersion = pool.filter((e) => e.apiVersion === version);
      if (byVersion.length) pool = byVersion;
    }
    pool = pool.filter((e) => queryish(e.protocol) || e.awsQueryCompatible || e.protocols?.includes('query'));
    const withOp = pool.filter((e) => implemented(e.id) && loadModel(e.id).operations[action]);
    const entry = withOp[0] ?? pool.find((e) => implemented(e.id)) ?? pool[0];
    if (!entry) throw unknownService(credential?.service ?? 'unknown');
    const model = loadModel(entry.id);
    const protocol: Protocol = entry.protocol === 'ec2' ? 'ec2' : 'query';
    return { entry, model, protocol, op: model.operations[action], operationName: action, params };
  }

  // REST: match the path against the routes of the candidate models
  const pool = candidates.length ? candidates : [];
  for (const entry of pool) {
    if (entry.protocol !== 'rest-json' && entry.protocol !== 'rest-xml') continue;
    const model = loadModel(entry.id);
    let match: ReturnType<typeof matchRoute>;
    try {
      match = matchRoute(model, req.method, req.path, req.query, req.headers);
    } catch (err) {
      // a path that is not valid percent-encoding: answer in this service's protocol
      throw Object.assign(err as Error, { identified: { entry, model, protocol: entry.protocol, operationName: '' } satisfies Identified });
    }
    if (match) return { entry, model, protocol: entry.protocol, op: match.op, operationName: match.op.name, labels: match.labels };
  }
  const rest = pool.find((e) => e.protocol === 'rest-json' || e.protocol === 'rest-xml');
  if (rest) {
    const model = loadModel(rest.id);
    return { entry: rest, model, protocol: rest.protocol, operationName: `${req.method} ${req.path}` };
  }
  if (pool.length) {
    // a query or JSON service reached without an Action or a target
    const entry = pool[0]!;
    const model = loadModel(entry.id);
    const protocol: Protocol = entry.protocol === 'ec2' ? 'ec2' : entry.protocol;
    throw Object.assign(new AwsError(protocol === 'json' ? 'UnknownOperationException' : 'MissingAction', protocol === 'json' ? 'Missing X-Amz-Target header' : 'Missing Action parameter', { status: 400 }), {
      identified: { entry, model, protocol, operationName: '' } satisfies Identified,
    });
  }
  throw unknownService(credential?.service);
}

function unknownService(name: string | undefined): AwsError {
  return new AwsError(
    'UnknownService',
    name
      ? `The service '${name}' is not known to Cumulus.`
      : 'Cumulus could not tell which AWS service this request is for: sign it with SigV4, or send X-Amz-Target or Action.',
    { status: 400 },
  );
}
