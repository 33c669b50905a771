// What a trail carries beside its settings: tags, and the event selectors that say which events it logs.
import type {
  AdvancedEventSelector,
  EventSelector,
  GetEventSelectorsResponse,
  ListTagsResponse,
  PutEventSelectorsRequest,
  PutEventSelectorsResponse,
  Tag,
} from '../../generated/cloudtrail.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { mergeTags, removeTags, tagList } from '../../protocol/tags.js';
import type { RequestContext } from '../../server/context.js';
import { trailsTable } from './store.js';
import { type Located, findTrail, parseTrailRef, requireHomeRegion, requireTrail } from './trail-ref.js';
import { TAG_RULES } from './trails.js';

const MAX_EVENT_SELECTORS = 5;
const MAX_ADVANCED_SELECTORS = 500;
const DATA_RESOURCE_TYPES = /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/;

/** Tag operations name trails by ARN; a trail that does not exist is ResourceNotFoundException. */
function taggedTrail(ctx: RequestContext, resourceId: string): Located {
  if (!resourceId.startsWith('arn:')) {
    throw new AwsError('CloudTrailARNInvalidException', `Invalid trail ARN: ${resourceId}. The trail ARN format is arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.`);
  }
  const located = findTrail(ctx, parseTrailRef(ctx, resourceId));
  if (!located) throw new AwsError('ResourceNotFoundException', `Resource ${resourceId} does not exist.`);
  return located;
}

export function addTags(ctx: RequestContext, resourceId: string, tags: Tag[]): Record<string, never> {
  const located = taggedTrail(ctx, resourceId);
  requireHomeRegion(ctx, located);
  located.trail.Tags = mergeTags(located.trail.Tags, tags, TAG_RULES);
  trailsTable(ctx.store).put(located.scope, located.trail.Name, located.trail);
  return {};
}

export function removeTrailTags(ctx: RequestContext, resourceId: string, tags: Tag[]): Record<string, never> {
  const located = taggedTrail(ctx, resourceId);
  requireHomeRegion(ctx, located);
  // a tag given with a value is removed only when the value matches
  const keys = tags.filter((t) => t.Value === undefined || located.trail.Tags[t.Key] === t.Value).map((t) => t.Key);
  located.trail.Tags = removeTags(located.trail.Tags, keys);
  trailsTable(ctx.store).put(located.scope, located.trail.Name, located.trail);
  return {};
}

export function listTags(ctx: RequestContext, resourceIds: string[], token: string | undefined): ListTagsResponse {
  const all = resourceIds.map((id) => ({ ResourceId: id, TagsList: tagList(taggedTrail(ctx, id).trail.Tags) }));
  const page = paginate(all, (r) => r.ResourceId, { token, defaultMax: 20, invalidTokenCode: 'InvalidTokenException' });
  return { ResourceTagList: page.items, NextToken: page.next };
}

const DEFAULT_SELECTORS: EventSelector[] = [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }];

export function getEventSelectors(ctx: RequestContext, name: string): GetEventSelectorsResponse {
  const { trail } = requireTrail(ctx, name);
  if (trail.AdvancedEventSelectors) return { TrailARN: trail.TrailARN, AdvancedEventSelectors: trail.AdvancedEventSelectors };
  return { TrailARN: trail.TrailARN, EventSelectors: trail.EventSelectors ?? DEFAULT_SELECTORS };
}

function invalidSelectors(message: string): AwsError {
  return new AwsError('InvalidEventSelectorsException', message);
}

function normalizeSelectors(selectors: EventSelector[]): EventSelector[] {
  if (selectors.length === 0 || selectors.length > MAX_EVENT_SELECTORS) {
    throw invalidSelectors(`A trail can have from 1 to ${MAX_EVENT_SELECTORS} event selectors.`);
  }
  return selectors.map((s) => {
    for (const r of s.DataResources ?? []) {
      if (!r.Type || !DATA_RESOURCE_TYPES.test(r.Type)) throw invalidSelectors(`Value ${r.Type ?? 'null'} for DataResources.Type is invalid.`);
    }
    return {
      ReadWriteType: s.ReadWriteType ?? 'All',
      IncludeManagementEvents: s.IncludeManagementEvents ?? true,
      DataResources: (s.DataResources ?? []).map((r) => ({ Type: r.Type, Values: r.Values ?? [] })),
      ExcludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
    };
  });
}

function checkAdvanced(selectors: AdvancedEventSelector[]): AdvancedEventSelector[] {
  if (selectors.length === 0 || selectors.length > MAX_ADVANCED_SELECTORS) {
    throw invalidSelectors(`A trail can have from 1 to ${MAX_ADVANCED_SELECTORS} advanced event selectors.`);
  }
  for (const s of selectors) {
    const category = s.FieldSelectors.find((f) => f.Field === 'eventCategory');
    if (!category || !category.Equals?.length) throw invalidSelectors('Each advanced event selector must have a field selector on eventCategory with Equals.');
  }
  return selectors;
}

export function putEventSelectors(ctx: RequestContext, input: PutEventSelectorsRequest): PutEventSelectorsResponse {
  const located = requireTrail(ctx, input.TrailName);
  requireHomeRegion(ctx, located);
  if ((input.EventSelectors === undefined) === (input.AdvancedEventSelectors === undefined)) {
    throw new AwsError('InvalidParameterCombinationException', 'Specify either EventSelectors or AdvancedEventSelectors, but not both.');
  }
  const t = located.trail;
  if (input.EventSelectors) {
    t.EventSelectors = normalizeSelectors(input.EventSelectors);
    t.AdvancedEventSelectors = undefined;
  } else {
    t.AdvancedEventSelectors = checkAdvanced(input.AdvancedEventSelectors!);
    t.EventSelectors = undefined;
  }
  t.HasCustomEventSelectors = true;
  trailsTable(ctx.store).put(located.scope, t.Name, t);
  return { TrailARN: t.TrailARN, EventSelectors: t.EventSelectors, AdvancedEventSelectors: t.AdvancedEventSelectors };
}
