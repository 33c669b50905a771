// Custom domain names and their base path mappings. A request whose Host is a custom domain (with any port)
// is served by the API and stage its first path segment maps to ("(none)" maps the whole domain).
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
import { GLOBAL, SERVICE, type ApiLocation } from './store.js';
import type { Store } from '../../state/db.js';

export interface DomainRecord extends DomainName {
  domainName: string;
  mappings: BasePathMapping[];
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

function domainOf(ctx: RequestContext, name: string): DomainRecord {
  const d = domainTables(ctx.store).domains.get(regional(ctx), name);
  if (!d) throw notFound('Invalid domain name identifier specified');
  return d;
}

function checkCertificate(ctx: RequestContext, arn: string, edge: boolean): void {
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

/** The base path mapping a request on a custom domain reaches, with the path left for the API. */
export function resolveCustomDomain(store: Store, host: string, path: string): { apiId: string; stage: string; path: string; basePath: string } | undefined {
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const loc = domainTables(store).hosts.get(GLOBAL, name);
  if (!loc) return undefined;
  const d = domainTables(store).domains.get(loc, name);
  if (!d) return undefined;
  const first = path.split('/')[1] ?? '';
  const decoded = (() => {
    try {
      return decodeURIComponent(first);
    } catch {
      return first;
    }
  })();
  const byPath = d.mappings.find((m) => m.basePath === decoded && decoded !== '');
  if (byPath) return { apiId: byPath.restApiId!, stage: byPath.stage!, path: '/' + path.split('/').slice(2).join('/'), basePath: decoded };
  const root = d.mappings.find((m) => m.basePath === '(none)');
  if (root) return { apiId: root.restApiId!, stage: root.stage!, path: path || '/', basePath: '' };
  return { apiId: '', stage: '', path, basePath: '' };
}

const DOMAIN_RULES: PatchRule[] = [
  ...scalars(['replace'], 'string', '/certificateName', '/certificateArn', '/regionalCertificateName', '/regionalCertificateArn', '/securityPolicy'),
];

const MAPPING_RULES: PatchRule[] = scalars(['replace'], 'string', '/basePath', '/restApiId', '/stage');

function checkMapping(ctx: RequestContext, d: DomainRecord, m: BasePathMapping, self?: string): void {
  apiOf(ctx, m.restApiId!);
  if (m.stage && !ctx.store.table(SERVICE, 'stages').has(regional(ctx), `${m.restApiId}/${m.stage}`)) throw badRequest('Invalid stage identifier specified');
  if (m.basePath !== '(none)' && !/^[a-zA-Z0-9$_.+!*'()-]+(\/[a-zA-Z0-9$_.+!*'()-]+)*$/.test(m.basePath ?? '')) throw badRequest(`Invalid base path: ${m.basePath}`);
  if (d.mappings.some((x) => x.basePath === m.basePath && x.basePath !== self)) throw conflict('Base path already exists for this domain name');
}

export const domainHandlers: Handlers<ApigatewayOperations> = {
  CreateDomainName(ctx, input) {
    const t = domainTables(ctx.store);
    const name = input.domainName.toLowerCase();
    if (!/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(name)) throw badRequest(`Invalid domain name: ${input.domainName}`);
    if (t.hosts.has(GLOBAL, name)) throw conflict('The domain name you provided already exists.');
    checkLimit(t.domains.count(regional(ctx)), LIMITS.customDomains, 'custom domain names per region');
    const types = input.endpointConfiguration?.types ?? ['EDGE'];
    const edge = types[0] === 'EDGE';
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
      securityPolicy: input.securityPolicy ?? 'TLS_1_2',
      mappings: [],
      tags: input.tags ?? {},
    };
    t.domains.put(regional(ctx), name, d);
    t.hosts.put(GLOBAL, name, { account: ctx.account, region: ctx.region });
    return view(d);
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
    const d = domainOf(ctx, domainName.toLowerCase());
    domainTables(ctx.store).domains.delete(regional(ctx), d.domainName);
    domainTables(ctx.store).hosts.delete(GLOBAL, d.domainName);
  },

  CreateBasePathMapping(ctx, { domainName, basePath, restApiId, stage }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const m: BasePathMapping = { basePath: basePath || '(none)', restApiId, stage };
    checkMapping(ctx, d, m);
    d.mappings.push(m);
    domainTables(ctx.store).domains.put(regional(ctx), d.domainName, d);
    return m;
  },
  GetBasePathMapping(ctx, { domainName, basePath }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const m = d.mappings.find((x) => x.basePath === (basePath || '(none)'));
    if (!m) throw notFound('Invalid base path mapping identifier specified');
    return m;
  },
  GetBasePathMappings(ctx, { domainName, position, limit }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const p = page(d.mappings, (m) => m.basePath!, position, limit);
    return { items: p.items, position: p.position };
  },
  UpdateBasePathMapping(ctx, { domainName, basePath, patchOperations }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const m = d.mappings.find((x) => x.basePath === (basePath || '(none)'));
    if (!m) throw notFound('Invalid base path mapping identifier specified');
    const draft = { ...m };
    applyPatches(draft, patchOperations, MAPPING_RULES);
    if (draft.basePath === '') draft.basePath = '(none)';
    checkMapping(ctx, d, draft, m.basePath);
    Object.assign(m, draft);
    domainTables(ctx.store).domains.put(regional(ctx), d.domainName, d);
    return m;
  },
  DeleteBasePathMapping(ctx, { domainName, basePath }) {
    const d = domainOf(ctx, domainName.toLowerCase());
    const i = d.mappings.findIndex((x) => x.basePath === (basePath || '(none)'));
    if (i < 0) throw notFound('Invalid base path mapping identifier specified');
    d.mappings.splice(i, 1);
    domainTables(ctx.store).domains.put(regional(ctx), d.domainName, d);
  },
};
