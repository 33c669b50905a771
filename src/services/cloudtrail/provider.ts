// CloudTrail: every control-plane call recorded as a management event (recorder.ts), LookupEvents over them
// (lookup.ts), and trails as records (trails.ts, trail-settings.ts). Lake, channels, dashboards and Insights
// answer NotImplemented.
import type { CloudtrailOperations } from '../../generated/cloudtrail.js';
import { defineService } from '../define.js';
import { lookupEvents } from './lookup.js';
import { startRecorder } from './recorder.js';
import { addTags, getEventSelectors, listTags, putEventSelectors, removeTrailTags } from './trail-settings.js';
import { createTrail, deleteTrail, describeTrails, listTrails, requireTrailOf, setLogging, trailStatus, updateTrail } from './trails.js';

export default defineService<CloudtrailOperations>(
  'cloudtrail',
  {
    LookupEvents: (ctx, input) => lookupEvents(ctx, input),
    CreateTrail: (ctx, input) => createTrail(ctx, input),
    GetTrail: (ctx, { Name }) => ({ Trail: requireTrailOf(ctx, Name) }),
    DescribeTrails: (ctx, { trailNameList, includeShadowTrails }) => ({ trailList: describeTrails(ctx, trailNameList, includeShadowTrails) }),
    ListTrails: (ctx, { NextToken }) => listTrails(ctx, NextToken),
    UpdateTrail: (ctx, input) => updateTrail(ctx, input),
    DeleteTrail: (ctx, { Name }) => deleteTrail(ctx, Name),
    StartLogging: (ctx, { Name }) => setLogging(ctx, Name, true),
    StopLogging: (ctx, { Name }) => setLogging(ctx, Name, false),
    GetTrailStatus: (ctx, { Name }) => trailStatus(ctx, Name),
    AddTags: (ctx, { ResourceId, TagsList }) => addTags(ctx, ResourceId, TagsList),
    RemoveTags: (ctx, { ResourceId, TagsList }) => removeTrailTags(ctx, ResourceId, TagsList),
    ListTags: (ctx, { ResourceIdList, NextToken }) => listTags(ctx, ResourceIdList, NextToken),
    GetEventSelectors: (ctx, { TrailName }) => getEventSelectors(ctx, TrailName),
    PutEventSelectors: (ctx, input) => putEventSelectors(ctx, input),
  },
  {
    init(runtime) {
      startRecorder(runtime);
    },
  },
);
