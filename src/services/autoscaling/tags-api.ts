// Group tags (CreateOrUpdateTags, DeleteTags, DescribeTags); PropagateAtLaunch tags go onto launched instances.
import type { AutoscalingOperations } from '../../generated/autoscaling.js';
import { paginate } from '../../protocol/pagination.js';
import type { Handlers } from '../define.js';
import { groupNotFound, validation } from './errors.js';
import { groups, scopeOf } from './store.js';

const MAX_TAGS = 50;

function checkTag(t: { ResourceId?: string; ResourceType?: string; Key: string }): void {
  if (!t.ResourceId) throw validation('ResourceId is required for a tag.');
  if (t.ResourceType !== undefined && t.ResourceType !== 'auto-scaling-group') throw validation(`Invalid resource type: ${t.ResourceType}`);
  if (/^aws:/i.test(t.Key)) throw validation("Tag keys starting with 'aws:' are reserved for internal use");
}

export const tagHandlers: Handlers<AutoscalingOperations> = {
  CreateOrUpdateTags(ctx, input) {
    const scope = scopeOf(ctx);
    for (const t of input.Tags) {
      checkTag(t);
      const g = groups(ctx).get(scope, t.ResourceId!);
      if (!g) throw groupNotFound(t.ResourceId!);
      const existing = g.Tags.find((x) => x.Key === t.Key);
      if (existing) {
        existing.Value = t.Value ?? '';
        existing.PropagateAtLaunch = t.PropagateAtLaunch ?? existing.PropagateAtLaunch;
      } else {
        if (g.Tags.length >= MAX_TAGS) throw validation(`The number of tags for the Auto Scaling group ${g.AutoScalingGroupName} exceeds the limit of ${MAX_TAGS}.`);
        g.Tags.push({ Key: t.Key, Value: t.Value ?? '', PropagateAtLaunch: t.PropagateAtLaunch ?? false });
      }
      groups(ctx).put(scope, g.AutoScalingGroupName, g);
    }
  },

  DeleteTags(ctx, input) {
    const scope = scopeOf(ctx);
    for (const t of input.Tags) {
      checkTag(t);
      const g = groups(ctx).get(scope, t.ResourceId!);
      if (!g) throw groupNotFound(t.ResourceId!);
      g.Tags = g.Tags.filter((x) => !(x.Key === t.Key && (t.Value === undefined || x.Value === t.Value)));
      groups(ctx).put(scope, g.AutoScalingGroupName, g);
    }
  },

  DescribeTags(ctx, input) {
    let tags = groups(ctx)
      .list(scopeOf(ctx))
      .flatMap((g) => g.Tags.map((t) => ({ ResourceId: g.AutoScalingGroupName, ResourceType: 'auto-scaling-group', ...t })));
    for (const f of input.Filters ?? []) {
      const values = f.Values ?? [];
      switch (f.Name) {
        case 'auto-scaling-group':
          tags = tags.filter((t) => values.includes(t.ResourceId));
          break;
        case 'key':
          tags = tags.filter((t) => values.includes(t.Key));
          break;
        case 'value':
          tags = tags.filter((t) => values.includes(t.Value));
          break;
        case 'propagate-at-launch':
          tags = tags.filter((t) => values.includes(String(t.PropagateAtLaunch)));
          break;
        default:
          throw validation(`Filter type ${f.Name} is not correct. Allowed Filter types are: auto-scaling-group key value propagate-at-launch`);
      }
    }
    const page = paginate(tags, (t) => `${t.ResourceId}/${t.Key}`, { token: input.NextToken, max: input.MaxRecords, defaultMax: 50, invalidTokenCode: 'InvalidNextToken' });
    return { Tags: page.items, NextToken: page.next };
  },
};
