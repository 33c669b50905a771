// TagResource, UntagResource, ListTagsForResource for alarms and dashboards (by ARN).
import { AwsError } from '../../protocol/errors.js';
import { type TagMap, mergeTags, removeTags, tagList } from '../../protocol/tags.js';
import { type RequestContext, regional } from '../../server/context.js';
import { alarmTable, saveAlarm } from './alarm-store.js';
import { dashboardScope, dashboardTable } from './dashboards.js';

interface Tagged {
  get(): TagMap;
  set(tags: TagMap): void;
}

function resolve(ctx: RequestContext, resourceArn: string): Tagged {
  const m = /^arn:[^:]+:cloudwatch:([^:]*):(\d{12}):(alarm:(.+)|dashboard\/(.+))$/.exec(resourceArn);
  const missing = () => new AwsError('ResourceNotFoundException', `The resource ${resourceArn} does not exist.`, { status: 404, fields: { ResourceType: m?.[4] ? 'alarm' : 'dashboard', ResourceId: resourceArn } });
  if (!m || m[2] !== ctx.account) {
    if (!m) throw new AwsError('InvalidParameterValue', `The value ${resourceArn} for parameter ResourceARN is not a valid CloudWatch ARN.`, { status: 400 });
    throw missing();
  }
  if (m[4]) {
    if (m[1] !== ctx.region) throw missing();
    const table = alarmTable(ctx);
    const r = table.get(regional(ctx), m[4]);
    if (!r) throw missing();
    return { get: () => r.tags, set: (tags) => saveAlarm(ctx, regional(ctx), m[4]!, { ...r, tags }) };
  }
  const table = dashboardTable(ctx);
  const d = table.get(dashboardScope(ctx), m[5]!);
  if (!d) throw missing();
  return { get: () => d.tags, set: (tags) => table.put(dashboardScope(ctx), m[5]!, { ...d, tags }) };
}

export function tagResource(ctx: RequestContext, resourceArn: string, tags: { Key: string; Value: string }[]): Record<string, never> {
  const t = resolve(ctx, resourceArn);
  t.set(mergeTags(t.get(), tags, { code: 'InvalidParameterValue' }));
  return {};
}

export function untagResource(ctx: RequestContext, resourceArn: string, keys: string[]): Record<string, never> {
  const t = resolve(ctx, resourceArn);
  t.set(removeTags(t.get(), keys));
  return {};
}

export function listTagsForResource(ctx: RequestContext, resourceArn: string): { Tags: { Key: string; Value: string }[] } {
  return { Tags: tagList(resolve(ctx, resourceArn).get()) };
}
