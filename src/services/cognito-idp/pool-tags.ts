// Tags of user pools (the only Cognito resource that takes them), by the pool's ARN. They live in the pool's
// config.UserPoolTags, so CreateUserPool's UserPoolTags and DescribeUserPool's agree with these operations.
import type { CognitoIdpOperations } from '../../generated/cognito-idp.js';
import { parseArn } from '../../protocol/ids.js';
import { mergeTags, removeTags, type TagMap } from '../../protocol/tags.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { notFound, pools, type PoolRecord } from './store.js';

/** AWS's limit: a user pool can have as many as 50 tags; broken tags answer InvalidParameterException. */
export const checkTags = (existing: TagMap, added: TagMap) => mergeTags(existing, added, { max: 50, code: 'InvalidParameterException' });

/** The pool an ARN names, in the caller's account and region. */
function poolOfArn(ctx: RequestContext, resourceArn: string): PoolRecord {
  const a = parseArn(resourceArn);
  const id = a?.service === 'cognito-idp' && /^userpool\/([\w-]+_[0-9a-zA-Z]+)$/.exec(a.resource)?.[1];
  const p = id && a.account === ctx.account && a.region === ctx.region ? pools(ctx.store).get(regional(ctx), id) : undefined;
  if (!p) throw notFound(id ? `User pool ${id} does not exist.` : `Resource ${resourceArn} does not exist.`);
  return p;
}

function saveTags(ctx: RequestContext, p: PoolRecord, tags: TagMap): void {
  pools(ctx.store).put(regional(ctx), p.Id, { ...p, config: { ...p.config, UserPoolTags: tags } });
}

export const poolTagHandlers: Handlers<CognitoIdpOperations> = {
  TagResource(ctx, { ResourceArn, Tags }) {
    const p = poolOfArn(ctx, ResourceArn);
    saveTags(ctx, p, checkTags(p.config.UserPoolTags ?? {}, Tags));
    return {};
  },

  UntagResource(ctx, { ResourceArn, TagKeys }) {
    const p = poolOfArn(ctx, ResourceArn);
    saveTags(ctx, p, removeTags(p.config.UserPoolTags ?? {}, TagKeys));
    return {};
  },

  ListTagsForResource(ctx, { ResourceArn }) {
    return { Tags: { ...poolOfArn(ctx, ResourceArn).config.UserPoolTags } };
  },
};
