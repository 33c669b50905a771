// API documentation: documentation parts (a JSON map of properties for one location of the API — the API, a
// resource, a method, a parameter, a response, a model …), imported in bulk from an OpenAPI document's
// x-amazon-apigateway-documentation, and documentation versions (a snapshot of the parts, which a stage names
// and GetExport with extensions=documentation publishes).
import type { ApigatewayOperations, DocumentationPart, DocumentationPartLocation, DocumentationVersion } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Store } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { badRequest, conflict, notFound } from './errors.js';
import { newId } from './ids.js';
import { apiOf, page } from './lookup.js';
import { applyPatches, scalars } from './patch.js';
import { stageOf } from './stages.js';
import { SERVICE, tables, type ApiRecord } from './store.js';
import { parseYaml } from './yaml.js';

type LocationType = DocumentationPartLocation['type'];

interface PartRecord {
  apiId: string;
  id: string;
  location: DocumentationPartLocation;
  /** a JSON object, as given */
  properties: string;
}

interface VersionRecord {
  apiId: string;
  version: string;
  description?: string;
  createdDate: number;
  parts: DocumentationPart[];
}

const parts = (store: Store) => store.table<PartRecord>(SERVICE, 'documentationparts');
const versions = (store: Store) => store.table<VersionRecord>(SERVICE, 'documentationversions');

// which location fields each type takes (the rest must be absent); path, method and statusCode default
const FIELDS: Record<LocationType, { path?: true; method?: true; statusCode?: true; name?: 'required' }> = {
  API: {},
  AUTHORIZER: { name: 'required' },
  MODEL: { name: 'required' },
  RESOURCE: { path: true },
  METHOD: { path: true, method: true },
  PATH_PARAMETER: { path: true, method: true, name: 'required' },
  QUERY_PARAMETER: { path: true, method: true, name: 'required' },
  REQUEST_HEADER: { path: true, method: true, name: 'required' },
  REQUEST_BODY: { path: true, method: true },
  RESPONSE: { path: true, method: true, statusCode: true },
  RESPONSE_HEADER: { path: true, method: true, statusCode: true, name: 'required' },
  RESPONSE_BODY: { path: true, method: true, statusCode: true },
};

/** The location with AWS's defaults filled in; BadRequest for fields its type does not take. */
function normalize(loc: DocumentationPartLocation): DocumentationPartLocation {
  const f = FIELDS[loc.type];
  if (!f) throw badRequest(`Invalid documentation part location type: ${loc.type}`);
  const out: DocumentationPartLocation = { type: loc.type };
  for (const key of ['path', 'method', 'statusCode', 'name'] as const) {
    if (loc[key] !== undefined && !f[key]) throw badRequest(`Invalid location: '${key}' is not applicable to location type ${loc.type}`);
  }
  if (f.path) out.path = loc.path ?? '/';
  if (f.method) out.method = (loc.method ?? '*').toUpperCase();
  if (f.statusCode) out.statusCode = loc.statusCode ?? '*';
  if (f.name) {
    if (!loc.name) throw badRequest(`Invalid location: 'name' is required for location type ${loc.type}`);
    out.name = loc.name;
  }
  if (out.path !== undefined && !out.path.startsWith('/')) throw badRequest(`Invalid location path: ${out.path}`);
  if (out.statusCode !== undefined && !/^(\*|[1-5]\d\d)$/.test(out.statusCode)) throw badRequest(`Invalid location statusCode: ${out.statusCode}`);
  return out;
}

const locationKey = (l: DocumentationPartLocation) => JSON.stringify([l.type, l.path ?? null, l.method ?? null, l.statusCode ?? null, l.name ?? null]);

function checkProperties(properties: string): void {
  let v: unknown;
  try {
    v = JSON.parse(properties);
  } catch {
    throw badRequest('Invalid properties: the documentation part properties must be a valid JSON object');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest('Invalid properties: the documentation part properties must be a valid JSON object');
  if (Buffer.byteLength(properties) > 32 * 1024) throw badRequest('Documentation part properties must be at most 32 KB');
}

const view = (p: PartRecord): DocumentationPart => ({ id: p.id, location: p.location, properties: p.properties });

/** What a name-taking location's name is, from a request/response parameter key such as `method.request.querystring.q`. */
const paramNames = (params: Record<string, unknown> | undefined, prefix: string): string[] =>
  Object.keys(params ?? {})
    .filter((k) => k.startsWith(prefix) && k.length > prefix.length)
    .map((k) => k.slice(prefix.length));

/**
 * Every entity of the API that documentation can target, each at its exact location (the form normalize() gives
 * a part aimed at it): what GetDocumentationParts with locationStatus=UNDOCUMENTED picks from.
 */
function entityLocations(api: ApiRecord): DocumentationPartLocation[] {
  const out: DocumentationPartLocation[] = [{ type: 'API' }];
  for (const r of Object.values(api.resources)) {
    const path = r.path;
    out.push({ type: 'RESOURCE', path });
    // {name} and greedy {name+} segments of the path, named without braces or plus
    const pathParams = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]!);
    for (const m of Object.values(r.methods)) {
      const method = m.httpMethod.toUpperCase();
      out.push({ type: 'METHOD', path, method });
      for (const name of pathParams) out.push({ type: 'PATH_PARAMETER', path, method, name });
      for (const name of paramNames(m.requestParameters, 'method.request.querystring.')) out.push({ type: 'QUERY_PARAMETER', path, method, name });
      for (const name of paramNames(m.requestParameters, 'method.request.header.')) out.push({ type: 'REQUEST_HEADER', path, method, name });
      if (m.requestModels && Object.keys(m.requestModels).length) out.push({ type: 'REQUEST_BODY', path, method });
      for (const [statusCode, resp] of Object.entries(m.methodResponses ?? {})) {
        out.push({ type: 'RESPONSE', path, method, statusCode });
        for (const name of paramNames(resp.responseParameters, 'method.response.header.')) out.push({ type: 'RESPONSE_HEADER', path, method, statusCode, name });
        if (resp.responseModels && Object.keys(resp.responseModels).length) out.push({ type: 'RESPONSE_BODY', path, method, statusCode });
      }
    }
  }
  for (const name of Object.keys(api.models)) out.push({ type: 'MODEL', name });
  for (const a of Object.values(api.authorizers)) if (a.name) out.push({ type: 'AUTHORIZER', name: a.name });
  return out;
}

function partsOf(ctx: RequestContext, apiId: string): PartRecord[] {
  return parts(ctx.store)
    .list(regional(ctx))
    .filter((p) => p.apiId === apiId)
    .sort((a, b) => locationKey(a.location).localeCompare(locationKey(b.location)) || a.id.localeCompare(b.id));
}

function partOf(ctx: RequestContext, apiId: string, id: string): PartRecord {
  const p = parts(ctx.store).get(regional(ctx), `${apiId}/${id}`);
  if (!p) throw notFound('Invalid Documentation part identifier specified');
  return p;
}

export function documentationVersionOf(ctx: RequestContext, apiId: string, version: string): VersionRecord {
  const v = versions(ctx.store).get(regional(ctx), `${apiId}/${version}`);
  if (!v) throw notFound('Invalid Documentation version identifier specified');
  return v;
}

/** The documentation GetExport publishes: the stage's documentation version, else the current parts. */
export function exportedDocumentation(ctx: RequestContext, apiId: string, version: string | undefined): { version?: string; documentationParts: { location: DocumentationPartLocation; properties: unknown }[] } | undefined {
  const v = version ? versions(ctx.store).get(regional(ctx), `${apiId}/${version}`) : undefined;
  const list = v ? v.parts : partsOf(ctx, apiId).map(view);
  if (!list.length && !v) return undefined;
  return { version: v?.version, documentationParts: list.map((p) => ({ location: p.location!, properties: JSON.parse(p.properties ?? '{}') })) };
}

/** DeleteRestApi: the API's parts and versions go with it. */
export function deleteDocumentation(ctx: RequestContext, apiId: string): void {
  for (const p of partsOf(ctx, apiId)) parts(ctx.store).delete(regional(ctx), `${apiId}/${p.id}`);
  for (const v of versions(ctx.store).list(regional(ctx))) if (v.apiId === apiId) versions(ctx.store).delete(regional(ctx), `${apiId}/${v.version}`);
}

function addPart(ctx: RequestContext, apiId: string, location: DocumentationPartLocation, properties: string): PartRecord {
  const rec: PartRecord = { apiId, id: newId(6), location, properties };
  parts(ctx.store).put(regional(ctx), `${apiId}/${rec.id}`, rec);
  return rec;
}

type Incoming = { location: DocumentationPartLocation; properties: string };

/** The documentation parts of an OpenAPI document's x-amazon-apigateway-documentation (undefined without one). */
function partsOfDocument(doc: any): Incoming[] | undefined {
  const list = doc?.['x-amazon-apigateway-documentation']?.documentationParts;
  if (!Array.isArray(list)) return undefined;
  const out = list.map((p: any, i: number) => {
    if (!p || typeof p !== 'object' || !p.location || typeof p.location !== 'object') throw badRequest(`Errors found during import:\n\tdocumentationParts[${i}] has no location`);
    const properties = typeof p.properties === 'string' ? p.properties : JSON.stringify(p.properties ?? {});
    checkProperties(properties);
    return { location: normalize(p.location as DocumentationPartLocation), properties };
  });
  const seen = new Set<string>();
  for (const p of out) {
    const k = locationKey(p.location);
    if (seen.has(k)) throw badRequest(`Errors found during import:\n\tDuplicate documentation part location: ${k}`);
    seen.add(k);
  }
  return out;
}

/** Overwrite: the parts become exactly these; merge: a part at the same location takes the new properties. */
function importParts(ctx: RequestContext, apiId: string, incoming: Incoming[], mode: 'merge' | 'overwrite'): string[] {
  const existing = partsOf(ctx, apiId);
  if (mode === 'overwrite') for (const p of existing) parts(ctx.store).delete(regional(ctx), `${apiId}/${p.id}`);
  const byLocation = new Map(mode === 'overwrite' ? [] : existing.map((p) => [locationKey(p.location), p]));
  const ids: string[] = [];
  for (const p of incoming) {
    const same = byLocation.get(locationKey(p.location));
    if (same) {
      parts(ctx.store).put(regional(ctx), `${apiId}/${same.id}`, { ...same, properties: p.properties });
      ids.push(same.id);
    } else ids.push(addPart(ctx, apiId, p.location, p.properties).id);
  }
  return ids;
}

/** ImportRestApi / PutRestApi: the definition's documentation parts, when it has them. */
export function importDocumentationOf(ctx: RequestContext, apiId: string, doc: unknown, mode: 'merge' | 'overwrite'): void {
  const incoming = partsOfDocument(doc);
  if (incoming) importParts(ctx, apiId, incoming, mode);
}

export const documentationHandlers: Handlers<ApigatewayOperations> = {
  CreateDocumentationPart(ctx, { restApiId, location, properties }) {
    apiOf(ctx, restApiId);
    const loc = normalize(location);
    checkProperties(properties);
    if (partsOf(ctx, restApiId).some((p) => locationKey(p.location) === locationKey(loc))) {
      throw conflict('Documentation part already exists for the specified location');
    }
    return view(addPart(ctx, restApiId, loc, properties));
  },
  GetDocumentationPart(ctx, { restApiId, documentationPartId }) {
    apiOf(ctx, restApiId);
    return view(partOf(ctx, restApiId, documentationPartId));
  },
  GetDocumentationParts(ctx, { restApiId, type, nameQuery, path, locationStatus, position, limit }) {
    const api = apiOf(ctx, restApiId);
    const wanted = (l: DocumentationPartLocation) =>
      (!type || l.type === type) && (!path || l.path === path) && (!nameQuery || (l.name ?? '').toLowerCase().includes(nameQuery.toLowerCase()));
    const documented = partsOf(ctx, restApiId);
    if (locationStatus === 'UNDOCUMENTED') {
      // the entities with no part at exactly their location (a wildcard part such as method '*' documents none of them)
      const taken = new Set(documented.map((p) => locationKey(p.location)));
      const entities = new Map(entityLocations(api).map((l) => [locationKey(l), l]));
      const open = [...entities]
        .filter(([k, l]) => wanted(l) && !taken.has(k))
        .sort(([a], [b]) => a.localeCompare(b));
      const pg = page(open, ([k]) => k, position, limit);
      return { items: pg.items.map(([, location]) => ({ location })), position: pg.position };
    }
    // DOCUMENTED (the default): the parts themselves
    const pg = page(documented.filter((p) => wanted(p.location)), (p) => p.id, position, limit);
    return { items: pg.items.map(view), position: pg.position };
  },
  UpdateDocumentationPart(ctx, { restApiId, documentationPartId, patchOperations }) {
    apiOf(ctx, restApiId);
    const p = partOf(ctx, restApiId, documentationPartId);
    applyPatches(p, patchOperations, scalars(['replace'], 'string', '/properties'));
    checkProperties(p.properties);
    parts(ctx.store).put(regional(ctx), `${restApiId}/${p.id}`, p);
    return view(p);
  },
  DeleteDocumentationPart(ctx, { restApiId, documentationPartId }) {
    apiOf(ctx, restApiId);
    partOf(ctx, restApiId, documentationPartId);
    parts(ctx.store).delete(regional(ctx), `${restApiId}/${documentationPartId}`);
  },
  ImportDocumentationParts(ctx, { restApiId, mode, body }) {
    apiOf(ctx, restApiId);
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    let doc: unknown;
    try {
      doc = /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text);
    } catch (e) {
      throw badRequest(`Errors found during import:\n\tUnable to parse the documentation: ${(e as Error).message}`);
    }
    const incoming = partsOfDocument(doc);
    if (!incoming) throw badRequest('Errors found during import:\n\tNo documentation parts found: x-amazon-apigateway-documentation.documentationParts is missing');
    return { ids: importParts(ctx, restApiId, incoming, mode === 'overwrite' ? 'overwrite' : 'merge'), warnings: [] };
  },
  CreateDocumentationVersion(ctx, { restApiId, documentationVersion, stageName, description }) {
    apiOf(ctx, restApiId);
    if (versions(ctx.store).has(regional(ctx), `${restApiId}/${documentationVersion}`)) throw conflict(`Documentation version ${documentationVersion} already exists`);
    const stage = stageName ? stageOf(ctx, restApiId, stageName) : undefined;
    const rec: VersionRecord = { apiId: restApiId, version: documentationVersion, description, createdDate: ctx.clock.now(), parts: partsOf(ctx, restApiId).map(view) };
    versions(ctx.store).put(regional(ctx), `${restApiId}/${documentationVersion}`, rec);
    if (stage) {
      stage.documentationVersion = documentationVersion;
      stage.lastUpdatedDate = ctx.clock.now();
      tables(ctx.store).stages.put(regional(ctx), `${restApiId}/${stage.stageName}`, stage);
    }
    return versionView(rec);
  },
  GetDocumentationVersion(ctx, { restApiId, documentationVersion }) {
    apiOf(ctx, restApiId);
    return versionView(documentationVersionOf(ctx, restApiId, documentationVersion));
  },
  GetDocumentationVersions(ctx, { restApiId, position, limit }) {
    apiOf(ctx, restApiId);
    const all = versions(ctx.store)
      .list(regional(ctx))
      .filter((v) => v.apiId === restApiId)
      .sort((a, b) => a.createdDate - b.createdDate || a.version.localeCompare(b.version));
    const pg = page(all, (v) => v.version, position, limit);
    return { items: pg.items.map(versionView), position: pg.position };
  },
  UpdateDocumentationVersion(ctx, { restApiId, documentationVersion, patchOperations }) {
    apiOf(ctx, restApiId);
    const v = documentationVersionOf(ctx, restApiId, documentationVersion);
    applyPatches(v, patchOperations, scalars(['replace'], 'string', '/description'));
    versions(ctx.store).put(regional(ctx), `${restApiId}/${documentationVersion}`, v);
    return versionView(v);
  },
  DeleteDocumentationVersion(ctx, { restApiId, documentationVersion }) {
    apiOf(ctx, restApiId);
    documentationVersionOf(ctx, restApiId, documentationVersion);
    versions(ctx.store).delete(regional(ctx), `${restApiId}/${documentationVersion}`);
  },
};

function versionView(v: VersionRecord): DocumentationVersion {
  return { version: v.version, description: v.description, createdDate: new Date(v.createdDate) };
}
