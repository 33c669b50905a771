// Tags on APIs and stages, addressed by ARN: arn:aws:apigateway:REGION::/apis/ID[/stages/NAME].
import type { Apigatewayv2Operations } from '../../generated/apigatewayv2.js';
import { parseArn } from '../../protocol/ids.js';
import { mergeTags, removeTags } from '../../protocol/tags.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { badRequest, notFound } from './errors.js';
import { tables } from './store.js';
import { taggedVpcLink } from './vpc-links.js';
import { findDomain, saveDomain } from '../apigateway/index.js';

interface Tagged {
  tags: Record<string, string>;
  save(tags: Record<string, string>): void;
}

function taggedOf(ctx: RequestContext, resourceArn: string): Tagged {
  const arn = parseArn(resourceArn);
  if (!arn || arn.service !== 'apigateway') throw badRequest(`Invalid ARN specified in the request: ${resourceArn}`);
  const parts = arn.resource.split('/').filter(Boolean);
  const t = tables(ctx.store);
  const scope = regional(ctx);
  const missing = () => notFound(`Unable to find resource with ARN ${resourceArn}`);
  if (arn.region && arn.region !== ctx.region) throw missing();
  if (parts[0] === 'apis' && parts.length === 2) {
    const api = t.apis.get(scope, parts[1]!);
    if (!api) throw missing();
    return { tags: api.Tags, save: (tags) => void t.apis.put(scope, api.ApiId, { ...api, Tags: tags }) };
  }
  if (parts[0] === 'apis' && parts[2] === 'stages' && parts.length === 4) {
    const id = `${parts[1]}/${parts[3]}`;
    const s = t.stages.get(scope, id);
    if (!s) throw missing();
    return { tags: s.Tags, save: (tags) => void t.stages.put(scope, id, { ...s, Tags: tags }) };
  }
  if (parts[0] === 'domainnames' && parts.length === 2) {
    // shared with REST APIs: the records are API Gateway's
    const d = findDomain(ctx, parts[1]!);
    if (!d) throw missing();
    return { tags: d.tags, save: (tags) => saveDomain(ctx, { ...d, tags }) };
  }
  if (parts[0] === 'vpclinks' && parts.length === 2) {
    const l = taggedVpcLink(ctx, parts[1]!);
    if (!l) throw missing();
    return l;
  }
  throw missing();
}

export const tagHandlers: Handlers<Apigatewayv2Operations> = {
  TagResource(ctx, { ResourceArn, Tags }) {
    const r = taggedOf(ctx, ResourceArn);
    r.save(mergeTags(r.tags, Tags ?? {}, { code: 'BadRequestException' }));
    return {};
  },
  UntagResource(ctx, { ResourceArn, TagKeys }) {
    const r = taggedOf(ctx, ResourceArn);
    r.save(removeTags(r.tags, TagKeys));
  },
  GetTags(ctx, { ResourceArn }) {
    return { Tags: taggedOf(ctx, ResourceArn).tags };
  },
};
