// Tags on event buses and rules, addressed by ARN.
import type { ListTagsForResourceResponse, Tag } from '../../generated/events.js';
import { AwsError } from '../../protocol/errors.js';
import { parseArn } from '../../protocol/ids.js';
import { mergeTags, removeTags, tagList, type TagMap } from '../../protocol/tags.js';
import { regional, type RequestContext } from '../../server/context.js';
import { TAG_RULES } from './buses.js';
import { busesTable, DEFAULT_BUS, defaultBus, findBus, ruleKey, rulesTable } from './store.js';

interface Tagged {
  tags: TagMap;
  save(tags: TagMap): void;
}

function resourceOf(ctx: RequestContext, arn: string): Tagged {
  const parsed = parseArn(arn);
  const scope = regional(ctx);
  const notFound = () => new AwsError('ResourceNotFoundException', `Resource ${arn} does not exist.`);
  if (!parsed || parsed.service !== 'events') throw notFound();
  if (parsed.account !== ctx.account || parsed.region !== ctx.region) throw notFound();
  const [kind, ...rest] = parsed.resource.split('/');
  if (kind === 'event-bus' && rest.length) {
    const name = rest.join('/');
    const bus = findBus(ctx.store, scope, name);
    if (!bus) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return {
      tags: bus.Tags,
      save: (tags) => busesTable(ctx.store).put(scope, name, { ...(name === DEFAULT_BUS ? defaultBus(scope) : {}), ...bus, Tags: tags }),
    };
  }
  if (kind === 'rule' && (rest.length === 1 || rest.length === 2)) {
    const [bus, name] = rest.length === 1 ? [DEFAULT_BUS, rest[0]!] : [rest[0]!, rest[1]!];
    const rule = rulesTable(ctx.store).get(scope, ruleKey(bus, name));
    if (!rule) throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);
    return { tags: rule.Tags, save: (tags) => rulesTable(ctx.store).put(scope, ruleKey(bus, name), { ...rule, Tags: tags }) };
  }
  throw notFound();
}

export function tagResource(ctx: RequestContext, arn: string, tags: Tag[]): Record<string, never> {
  const r = resourceOf(ctx, arn);
  r.save(mergeTags(r.tags, tags, TAG_RULES));
  return {};
}

export function untagResource(ctx: RequestContext, arn: string, keys: string[]): Record<string, never> {
  const r = resourceOf(ctx, arn);
  r.save(removeTags(r.tags, keys));
  return {};
}

export function listTagsForResource(ctx: RequestContext, arn: string): ListTagsForResourceResponse {
  return { Tags: tagList(resourceOf(ctx, arn).tags) };
}
