// CreateTags / DeleteTags / DescribeTags over every resource registered with tagging.ts.
import type { DescribeTagsResult, Ec2Operations } from '../../generated/ec2.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf } from './filters.js';
import { createTags, deleteTags, describeTags } from './tagging.js';

export const tagHandlers: Handlers<Ec2Operations> = {
  CreateTags(ctx, input) {
    const tags = (input.Tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
    ctx.store.transaction(() => createTags(ctx, input.Resources, tags, () => dryRun(input)));
  },

  DeleteTags(ctx, input) {
    const tags = input.Tags?.map((t) => ({ Key: t.Key ?? '', Value: t.Value }));
    ctx.store.transaction(() => deleteTags(ctx, input.Resources, tags, () => dryRun(input)));
  },

  DescribeTags(ctx, input) {
    const filtered = applyFilters(
      describeTags(ctx),
      input.Filters,
      {
        'key': (t) => t.Key,
        'value': (t) => t.Value,
        'resource-id': (t) => t.ResourceId,
        'resource-type': (t) => t.ResourceType,
      },
      { tags: (t) => ({ [t.Key]: t.Value }) },
    );
    const page = pageOf(filtered, input, (t) => `${t.ResourceId}/${t.Key}`);
    return { Tags: page.items as DescribeTagsResult['Tags'], NextToken: page.NextToken };
  },
};
