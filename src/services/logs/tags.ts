// Tags on log groups: the ARN-based TagResource family and the older name-based TagLogGroup family.
import { AwsError } from '../../protocol/errors.js';
import { parseArn } from '../../protocol/ids.js';
import { mergeTags, removeTags, type TagMap } from '../../protocol/tags.js';
import { type RequestContext, regional } from '../../server/context.js';
import { TAG_RULES } from './log-groups.js';
import { groupNotFound, groupsTable, requireGroup } from './store.js';

/** The log group an ARN names in the caller's account and region (arn:…:log-group:NAME, with or without ':*'). */
function groupOfArn(ctx: RequestContext, resourceArn: string): string {
  const parsed = parseArn(resourceArn);
  const m = parsed && parsed.service === 'logs' ? /^log-group:([^:]+)(?::\*)?$/.exec(parsed.resource) : null;
  if (!parsed || !m) throw new AwsError('InvalidParameterException', `Invalid resource ARN: ${resourceArn}`);
  if (parsed.account !== ctx.account || parsed.region !== ctx.region) throw groupNotFound();
  return m[1]!;
}

function setTags(ctx: RequestContext, name: string, update: (tags: TagMap) => TagMap): void {
  const scope = regional(ctx);
  const group = requireGroup(ctx.store, scope, name);
  groupsTable(ctx.store).put(scope, name, { ...group, tags: update(group.tags) });
}

export function tagResource(ctx: RequestContext, resourceArn: string, tags: TagMap): void {
  setTags(ctx, groupOfArn(ctx, resourceArn), (t) => mergeTags(t, tags, { ...TAG_RULES, limitCode: 'TooManyTagsException' }));
}

export function untagResource(ctx: RequestContext, resourceArn: string, keys: string[]): void {
  setTags(ctx, groupOfArn(ctx, resourceArn), (t) => removeTags(t, keys));
}

export function listTagsForResource(ctx: RequestContext, resourceArn: string): { tags: TagMap } {
  return { tags: requireGroup(ctx.store, regional(ctx), groupOfArn(ctx, resourceArn)).tags };
}

export function tagLogGroup(ctx: RequestContext, name: string, tags: TagMap): void {
  setTags(ctx, name, (t) => mergeTags(t, tags, TAG_RULES));
}

export function untagLogGroup(ctx: RequestContext, name: string, keys: string[]): void {
  setTags(ctx, name, (t) => removeTags(t, keys));
}

export function listTagsLogGroup(ctx: RequestContext, name: string): { tags: TagMap } {
  return { tags: requireGroup(ctx.store, regional(ctx), name).tags };
}
