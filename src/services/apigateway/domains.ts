// Custom domain names and their base path mappings. A request whose Host is a custom domain (with any port)
// is served by the API and stage of the mapping whose path is the longest prefix of the request's path
// ("(none)" maps the rest). REST APIs (this service) and HTTP APIs (apigatewayv2) share one namespace of
// domain names: both APIs read and write these records, and a v2 API mapping is a base path mapping here.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { ApigatewayOperations, BasePathMapping, DomainName } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import { certificateMaterial } from '../acm/index.js';
import type { Handlers } from '../define.js';
import { badRequest, conflict, notFound } from './errors.js';
import { checkLimit, LIMITS } from './limits.js';
import { newId } from './ids.js';
import { apiOf, page } from './lookup.js';
import { applyPatches, scalars, type PatchRule } from './patch.js';
import { GLOBAL, SERVICE, tables, type ApiLocation } from './store.js';
import type { Store } from '../../state/db.js';
import { RecordCache } from '../../state/record-cache.js';

/** A base path mapping, which apigatewayv2 calls an API mapping: the id is what v2 addresses it by. */
export interface MappingRecord extends BasePathMapping {
  basePath: string;
  apiMappingId?: string;
  /** the API is an HTTP API (apigatewayv2), served by that service's data plane */
  httpApi?: boolean;
}

export interface DomainRecord extends DomainName {
  domainName: string;
  mappings: MappingRecord[];
  tags: Record<string, string>;
}

export const domainTables = (store: Store) => ({
  domains: store.table<DomainRecord>(SERVICE, 'domainnames'),
  /** custom domain → where its record lives, for the data plane */
  hosts: store.table<ApiLocation>(SERVICE, 'domain-index'),
});

function view(d: DomainRecord): DomainName {
  const { mappings: _m, tags, ...rest } = d;
  return { ...rest, tags: Object.keys(tags).length ? tags : undefined };
}

const mappingView = (m: MappingRecord): BasePathMapping => ({ basePath: m.basePath, restApiId: m.restApiId, stage: m.stage });

/** The domain by name in the caller's region (names are case-insensitive), for both APIs. */
export function findDomain(ctx: RequestContext, name: string): DomainRecord | undefined {
  const d = domainTables(ctx.store).domains.get(regional(ctx), name.toLowerCase());
  // mappings made before API mappings had ids get theirs on first read
  if (d?.mappings.some((m) => !m.apiMappingId)) {
    for (const m of d.mappings) m.apiMappingId ??= newId(6);
    saveDomain(ctx, d);
  }
  return d;
}

export function listDomains(ctx: RequestContext): DomainRecord[] {
  return domainTables(ctx.store).domains.list(regional(ctx));
}

export function saveDomain(ctx: RequestContext, d: DomainRecord): void {
  domainTables(ctx.store).domains.put(regional(ctx), d.domainName, d);
}

export function removeDomain(ctx: RequestContext, d: DomainRecord): void {
  domainTables(ctx.store).domains.delete(regional(ctx), d.domainName);
  domainTables(ctx.store).hosts.delete(GLOBAL, d.domainName);
}

/** For apigatewayv2's API mappings, which may point to REST APIs. */
export function restApiExists(ctx: RequestContext, restApiId: string): boolean {
  return tables(ctx.store).apis.has(regional(ctx), restApiId);
}
export function restStageExists(ctx: RequestContext, restApiId: string, stage: string): boolean {
  return tables(ctx.store).stages.has(regional(ctx), `${restApiId}/${stage}`);
}

/** Multi-level paths (orders/v1) are allowed only on Regional domain names with the TLS 1.2 policy. */
export function checkBasePath(d: DomainRecord, basePath: string): void {
  if (basePath === '(none)') return;
  if (basePath.length > 300 || !/^[a-zA-Z0-9$_.+!*'()-]+(\/[a-zA-Z0-9$_.+!*'()-]+)*$/.test(basePath)) throw badRequest(`Invalid base path: ${basePath}`);
  if (basePath.includes('/')) {
    if (d.endpointConfiguration?.types?.[0] !== 'REGIONAL') throw badRequest('Multi-level base path mappings are only supported for Regional custom domain names.');
    if (d.securityPolicy !== 'TLS_1_2') throw badRequest('Multi-level base path mappings are only supported for custom domain names with the TLS_1_2 security policy.');
  }
}

function domainOf(ctx: RequestContext, name: string): DomainRecord {
  const d = findDomain(ctx, name);
  if (!d) throw notFound('Invalid domain name identifier specified');
  return d;
}

export function checkCertificate(ctx: RequestContext, arn: string, edge: boolean): void {
  const m = /^arn:[^:]+:acm:([^:]+):(\d{12}):certificate\/.+$/.exec(arn);
  if (!m) throw badRequest(`Invalid certificate ARN specified: ${arn}`);
  if (edge && m[1] !== 'us-east-1') throw badRequest(`Invalid certificate ARN: ${arn}. Certificate must be in 'us-east-1'.`);
  if (!certificateMaterial(ctx, { account: m[2]!, region: m[1]! }, arn)) throw badRequest(`Certificate ${arn} not found or not issued`);
}

/** An uploaded certificate (edge-optimized domains): real PEM, with its private key. */
function checkUploaded(body: string, key: string | undefined): void {
  try {
    new X509Certificate(body);
  } catch {
    throw badRequest('Unable to parse the certificate body: it must be a PEM-encoded X.509 certificate');
  }
  try {
    if (!key) throw new Error('missing');
    createPrivateKey(key);
  } catch {
    throw badRequest('Unable to parse the certificate private key: it must be a PEM-encoded private key');
  }
}

/** Custom domains by host, while no API Gateway record has changed: both data planes ask for every request
 *  whose host is not Cumulus's own (a load balancer's, a custom domain's). Shared: never changed. */
const domainsByHost = new RecordCache<DomainRecord | undefined>(SERVICE);

export interface DomainTarget {
  apiId: string;
  stage: string;
  /** the request's path with the mapping's path stripped */
  path: string;
  basePath: string;
  /** the mapping points to an HTTP API (apigatewayv2 serves it) */
  httpApi?: boolean;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The mapping a request on a custom domain reaches (the longest mapped path that prefixes the request's path,
 *  segment by segment, else "(none)"), with the path left for the API; apiId '' when nothing is mapped. */
export function resolveCustomDomain(store: Store, host: string, path: string): DomainTarget | undefined {
  // only hosts that are not Cumulus's own (an IP or localhost) can be custom domains
  if (!host.includes('.') || /^(localhost|127\.|\[|\d+\.\d+\.\d+\.\d+)/.test(host)) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const d = domainsByHost.get(store, name, () => {
    const loc = domainTables(store).hosts.get(GLOBAL, name);
    return loc && domainTables(store).domains.get(loc, name);
  });
  if (!d) return undefined;
  const raw = path.split('/').slice(1);
  const segs = raw.map(decode);
  let best: { m: MappingRecord; depth: number } | undefined;
  for (const m of d.mappings) {
    if (m.basePath === '(none)') continue;
    const key = m.basePath.split('/');
    if (key.length > segs.length || (best && best.depth >= key.length)) continue;
    if (key.every((k, i) => k === segs[i])) best = { m, depth: key.length };
  }
  if (best) {
    const { m, depth } = best;
    return { apiId: m.restApiId!, stage: m.stage!, path: '/' + raw.slice(depth).join('/'), basePath: m.basePath, httpApi: m.httpApi };
  }
  const root = d.mappings.find((m) => m.basePath === '(none)');
  if (root) return { apiId: root.restApiId!, stage: root.stage!, path: path || '/', basePath: '', httpApi: root.httpApi };
  return { apiId: '', stage: '', path, basePath: '' };
}

const DOMAIN_RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/certificateName', '/certificateArn', '/regionalCertificateName', '/regionalCertificateArn', '/securityPolicy'),
];

const MAPPING_RULES: PatchRule[] = scalars(['replace'], 'string', '/basePath', '/restApiId', '/stage');

/** Base path mappings made through this API map REST APIs; one made through apigatewayv2 to an HTTP API keeps
 *  its API unless the update names another. */
function checkMapping(ctx: RequestContext, d: DomainRecord, m: MappingRecord, self?: MappingRecord): void {
  if (self?.httpApi && m.restApiId === self.restApiId) {
    // the HTTP API's stages are apigatewayv2's to check: its UpdateApiMapping changes them
    if (m.stage !== self.stage) throw badRequest('Invalid stage identifier specified: this mapping is to an HTTP API; change its stage with apigatewayv2 UpdateApiMapping');
  } else {
    apiOf(ctx, m.restApiId!);
    m.httpApi = undefined;
    if (m.stage && !restStageExists(ctx, m.restApiId!, m.stage)) throw badRequest('Invalid stage identifier specified');
  }
  checkBasePath(d, m.basePath);
  if (d.mappings.some((x) => x.basePath === m.basePath && x !== self)) throw conflict('Base path already exists for this domain name');
}

export interface NewDomain {
  domainName: string;
  endpointConfiguration?: { types?: string[] };
  certificateName?: string;
  certificateArn?: string;
  certificateBody?: string;
  certificatePrivateKey?: string;
  regionalCertificateName?: string;
  regionalCertificateArn?: string;
  securityPolicy?: string;
  tags?: Record<string, string>;
}

/** A new domain name (through either API): certificates checked, the host claimed for the data plane. */
export function createDomain(ctx: RequestContext, input: NewDomain): DomainRecord {
  const t = domainTables(ctx.store);
  const name = input.domainName.toLowerCase();
  if (!/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(name)) throw badRequest(`Invalid domain name: ${input.domainName}`);
  if (t.hosts.has(GLOBAL, name)) throw conflict('The domain name you provided already exists.');
  checkLimit(t.domains.count(regional(ctx)), LIMITS.customDomains, 'custom domain names per region');
  const types = (input.endpointConfiguration?.types ?? ['EDGE']) as NonNullable<DomainName['endpointConfiguration']>['types'];
  const edge = types![0] === 'EDGE';
  if (edge) {
    if (input.certificateArn) checkCertificate(ctx, input.certificateArn, true);
    else if (input.certificateBody) checkUploaded(input.certificateBody, input.certificatePrivateKey);
    else throw badRequest('A certificate was not provided for the edge-optimized domain name.');
  } else if (input.regionalCertificateArn) checkCertificate(ctx, input.regionalCertificateArn, false);
  else throw badRequest('A regional certificate was not provided for the regional domain name.');
  const id = newId();
  const d: DomainRecord = {
    domainName: name,
    domainNameArn: `arn:aws:apigateway:${ctx.region}::/domainnames/${name}`,
    certificateName: input.certificateName,
    certificateArn: input.certificateArn,
    certificateUploadDate: input.certificateBody ? new Date(ctx.clock.now()) : undefined,
    regionalCertificateName: input.regionalCertificateName,
    regionalCertificateArn: input.regionalCertificateArn,
    regionalDomainName: edge ? undefined : `d-${id}.execute-api.${ctx.region}.amazonaws.com`,
    regionalHostedZoneId: edge ? undefined : 'Z1UJRXOUMOOFQ8',
    distributionDomainName: edge ? `d${id}.cloudfront.net` : undefined,
    distributionHostedZoneId: edge ? 'Z2FDTNDATAQYW2' : undefined,
    endpointConfiguration: { types },
    domainNameStatus: 'AVAILABLE',
    securityPolicy: (input.securityPolicy ?? 'TLS_1_2') as DomainName['securityPolicy'],
    mappings: [],
    tags: input.tags ?? {},
  };
  t.domains.put(regional(ctx), name, d);
  t.hosts.put(GLOBAL, name, { account: ctx.account, region: ctx.region });
  return d;
}

export const domainHandlers: Handlers<ApigatewayOperations> = {
  CreateDomainName(ctx, input) {
    return view(createDomain(ctx, input));
  },
  GetDomainName(ctx, { domainName }) {
    return view(domainOf(ctx, domainName.toLowerCase()));
  },
  GetDomainNames(ctx, { position, limit }) {
    const p = page(domainTables(ctx.store).domains.list(regional(ctx)), (d) => d.domainName, position, limit);
    return { items: p.items.map(view), position: p.position };
  },
  UpdateDomainName(ctx, { domainName, patchOperations }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    applyPatches(d, patchOperations, DOMAIN_RULES);
    const edge = d.endpointConfiguration?.types?.[0] === 'EDGE';
    if (edge && d.certificateArn) checkCertificate(ctx, d.certificateArn, true);
    if (!edge && d.regionalCertificateArn) checkCertificate(ctx, d.regionalCertificateArn, false);
    domainTables(ctx.store).domains.put(regional(ctx), d.domainName, d);
    return view(d);
  },
  DeleteDomainName(ctx, { domainName }) {
    removeDomain(ctx, domainOf(ctx, domainName));
  },

  CreateBasePathMapping(ctx, { domainName, basePath, restApiId, stage }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const m: MappingRecord = { basePath: basePath || '(none)', restApiId, stage, apiMappingId: newId(6) };
    checkMapping(ctx, d, m);
    d.mappings.push(m);
    saveDomain(ctx, d);
    return mappingView(m);
  },
  GetBasePathMapping(ctx, { domainName, basePath }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const m = d.mappings.find((x) => x.basePath === (basePath || '(none)'));
    if (!m) throw notFound('Invalid base path mapping identifier specified');
    return mappingView(m);
  },
  GetBasePathMappings(ctx, { domainName, position, limit }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const p = page(d.mappings, (m) => m.basePath!, position, limit);
    return { items: p.items.map(mappingView), position: p.position };
  },
  UpdateBasePathMapping(ctx, { domainName, basePath, patchOperations }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const m = d.mappings.find((x) => x.basePath === (basePath || '(none)'));
    if (!m) throw notFound('Invalid base path mapping identifier specified');
    const draft = { ...m };
    applyPatches(draft, patchOperations, MAPPING_RULES);
    if (draft.basePath === '') draft.basePath = '(none)';
    checkMapping(ctx, d, draft, m);
    Object.assign(m, draft);
    saveDomain(ctx, d);
    return mappingView(m);
  },
  DeleteBasePathMapping(ctx, { domainName, basePath }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const i = d.mappings.findIndex((x) => x.basePath === (basePath || '(none)'));
    if (i < 0) throw notFound('Invalid base path mapping identifier specified');
    d.mappings.splice(i, 1);
    saveDomain(ctx, d);
  },
};
