// Tags on REST APIs, stages, API keys, usage plans, client certificates and VPC links, addressed by ARN (arn:aws:apigateway:REGION::/restapis/ID …).
import type { ApigatewayOperations } from '../../generated/apigateway.js';
import { parseArn } from '../../protocol/ids.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { clientCertificates } from './client-certs.js';
import { badRequest, notFound } from './errors.js';
import { vpcLinks } from './vpc-links.js';
import { tables } from './store.js';

interface Tagged {
  get(): Record<string, string>;
  set(tags: Record<string, string>): void;
}

function taggedOf(ctx: RequestContext, resourceArn: string): Tagged {
  const arn = parseArn(resourceArn);
  if (!arn || arn.service !== 'apigateway') throw badRequest(`Invalid ARN specified in the request: ${resourceArn}`);
  if (arn.region && arn.region !== ctx.region) throw notFound('Invalid resource identifier specified');
  const t = tables(ctx.store);
  const scope = regional(ctx);
  const parts = arn.resource.split('/').filter(Boolean);
  const missing = () => notFound(`Invalid resource identifier specified ${resourceArn}`);
  const tableFor = <T extends { tags: Record<string, string> }>(table: { get(s: typeof scope, id: string): T | undefined; put(s: typeof scope, id: string, r: T): T }, id: string): Tagged => {
    const rec = table.get(scope, id);
    if (!rec) throw missing();
    return { get: () => rec.tags, set: (tags) => void table.put(scope, id, { ...rec, tags }) };
  };
  if (parts[0] === 'restapis' && parts.length === 2) return tableFor(t.apis, parts[1]!);
  if (parts[0] === 'restapis' && parts[2] === 'stages' && parts.length === 4) return tableFor(t.stages, `${parts[1]}/${parts[3]}`);
  if (parts[0] === 'apikeys' && parts.length === 2) return tableFor(t.keys, parts[1]!);
  if (parts[0] === 'usageplans' && parts.length === 2) return tableFor(t.plans, parts[1]!);
  if (parts[0] === 'clientcertificates' && parts.length === 2) return tableFor(clientCertificates(ctx.store), parts[1]!);
  if (parts[0] === 'vpclinks' && parts.length === 2) return tableFor(vpcLinks(ctx.store), parts[1]!);
  throw missing();
}

export const tagHandlers: Handlers<ApigatewayOperations> = {
  TagResource(ctx, { resourceArn, tags }) {
    const r = taggedOf(ctx, resourceArn);
    const merged = { ...r.get(), ...tags };
    if (Object.keys(merged).length > 50) throw badRequest('Too many tags: a resource can have at most 50 tags');
    r.set(merged);
  },
  UntagResource(ctx, { resourceArn, tagKeys }) {
    const r = taggedOf(ctx, resourceArn);
    const tags = { ...r.get() };
    for (const k of tagKeys) delete tags[k];
    r.set(tags);
  },
  GetTags(ctx, { resourceArn }) {
    return { tags: taggedOf(ctx, resourceArn).get() };
  },
};
