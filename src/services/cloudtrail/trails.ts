// Trails as records: create, read, update, delete, and their logging status on the virtual clock.
// Cumulus has no S3 yet: the bucket name is checked for form and stored, and no log files are written.
import type {
  CreateTrailRequest,
  CreateTrailResponse,
  GetTrailStatusResponse,
  ListTrailsResponse,
  Trail,
  UpdateTrailRequest,
} from '../../generated/cloudtrail.js';
import { AwsError } from '../../protocol/errors.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { mergeTags } from '../../protocol/tags.js';
import type { RequestContext } from '../../server/context.js';
import { eventTime } from './recorder.js';
import { type TrailRecord, trailsTable } from './store.js';
import { accountTrails, checkTrailName, findTrail, parseTrailRef, requireHomeRegion, requireTrail, trailArn } from './trail-ref.js';

const MAX_TRAILS_PER_REGION = 5;
/** CloudTrail delivers log files about every five minutes while a trail logs. */
const DELIVERY_PERIOD_MS = 5 * 60 * 1000;
export const TAG_RULES = { max: 50, code: 'InvalidTagParameterException', limitCode: 'TagsLimitExceededException' };

type Settings = Omit<UpdateTrailRequest, 'Name'>;

function checkSettings(ctx: RequestContext, s: Settings): void {
  if (s.S3BucketName !== undefined && !/^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s.S3BucketName)) {
    throw new AwsError('InvalidS3BucketNameException', `Bucket name ${s.S3BucketName} is not valid.`);
  }
  if (s.S3KeyPrefix !== undefined && s.S3KeyPrefix.length > 200) {
    throw new AwsError('InvalidS3PrefixException', 'The S3 key prefix must be at most 200 characters long.');
  }
  if (s.SnsTopicName !== undefined && s.SnsTopicName !== '' && !/^(arn:[^:]+:sns:[^:]+:\d{12}:)?[A-Za-z0-9_-]{1,256}$/.test(s.SnsTopicName)) {
    throw new AwsError('InvalidSnsTopicNameException', `SNS topic name ${s.SnsTopicName} is not valid.`);
  }
  if (s.IsOrganizationTrail) {
    throw new AwsError('OrganizationsNotInUseException', `Account ${ctx.account} is not a member of an organization.`);
  }
  if (Boolean(s.CloudWatchLogsLogGroupArn) !== Boolean(s.CloudWatchLogsRoleArn)) {
    throw new AwsError(
      s.CloudWatchLogsLogGroupArn ? 'InvalidCloudWatchLogsRoleArnException' : 'InvalidCloudWatchLogsLogGroupArnException',
      'CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn must be specified together.',
    );
  }
}

function kmsKeyArn(ctx: RequestContext, key: string): string {
  if (key.startsWith('arn:')) return key;
  return arn({ service: 'kms', region: ctx.region, account: ctx.account, resource: key.startsWith('alias/') ? key : `key/${key}` });
}

/** Applies the settings of CreateTrail/UpdateTrail to a trail; '' clears an optional member, as AWS does. */
function apply(ctx: RequestContext, trail: TrailRecord, s: Settings): void {
  if (s.S3BucketName !== undefined) trail.S3BucketName = s.S3BucketName;
  if (s.S3KeyPrefix !== undefined) trail.S3KeyPrefix = s.S3KeyPrefix || undefined;
  if (s.SnsTopicName !== undefined) {
    trail.SnsTopicName = s.SnsTopicName || undefined;
    trail.SnsTopicARN = s.SnsTopicName
      ? s.SnsTopicName.startsWith('arn:')
        ? s.SnsTopicName
        : arn({ service: 'sns', region: trail.HomeRegion, account: ctx.account, resource: s.SnsTopicName })
      : undefined;
  }
  if (s.IncludeGlobalServiceEvents !== undefined) trail.IncludeGlobalServiceEvents = s.IncludeGlobalServiceEvents;
  if (s.IsMultiRegionTrail !== undefined) trail.IsMultiRegionTrail = s.IsMultiRegionTrail;
  if (s.EnableLogFileValidation !== undefined) trail.LogFileValidationEnabled = s.EnableLogFileValidation;
  if (s.CloudWatchLogsLogGroupArn !== undefined) trail.CloudWatchLogsLogGroupArn = s.CloudWatchLogsLogGroupArn || undefined;
  if (s.CloudWatchLogsRoleArn !== undefined) trail.CloudWatchLogsRoleArn = s.CloudWatchLogsRoleArn || undefined;
  if (s.KmsKeyId !== undefined) trail.KmsKeyId = s.KmsKeyId ? kmsKeyArn(ctx, s.KmsKeyId) : undefined;
  if (trail.IsMultiRegionTrail && !trail.IncludeGlobalServiceEvents) {
    throw new AwsError('InvalidParameterCombinationException', 'Multi-Region trail must include global service events.');
  }
}

/** The members CreateTrail and UpdateTrail answer with. */
function settingsOf(t: TrailRecord): CreateTrailResponse {
  return {
    Name: t.Name,
    S3BucketName: t.S3BucketName,
    S3KeyPrefix: t.S3KeyPrefix,
    SnsTopicName: t.SnsTopicName,
    SnsTopicARN: t.SnsTopicARN,
    IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents,
    IsMultiRegionTrail: t.IsMultiRegionTrail,
    TrailARN: t.TrailARN,
    LogFileValidationEnabled: t.LogFileValidationEnabled,
    CloudWatchLogsLogGroupArn: t.CloudWatchLogsLogGroupArn,
    CloudWatchLogsRoleArn: t.CloudWatchLogsRoleArn,
    KmsKeyId: t.KmsKeyId,
    IsOrganizationTrail: t.IsOrganizationTrail,
  };
}

export function trailOf(t: TrailRecord): Trail {
  return { ...settingsOf(t), HomeRegion: t.HomeRegion, HasCustomEventSelectors: t.HasCustomEventSelectors, HasInsightSelectors: false };
}

export function createTrail(ctx: RequestContext, input: CreateTrailRequest): CreateTrailResponse {
  checkTrailName(input.Name);
  checkSettings(ctx, input);
  const table = trailsTable(ctx.store);
  const scope = { account: ctx.account, region: ctx.region };
  const others = accountTrails(ctx);
  const clash = others.find(
    (o) => o.trail.Name === input.Name && (o.scope.region === ctx.region || o.trail.IsMultiRegionTrail || input.IsMultiRegionTrail),
  );
  if (clash) throw new AwsError('TrailAlreadyExistsException', `Trail ${input.Name} already exists for customer: ${ctx.account}`);
  if (others.filter((o) => o.scope.region === ctx.region).length >= MAX_TRAILS_PER_REGION) {
    throw new AwsError('MaximumNumberOfTrailsExceededException', `User: ${ctx.account} already has ${MAX_TRAILS_PER_REGION} trails in ${ctx.region}.`);
  }
  const trail: TrailRecord = {
    Name: input.Name,
    TrailARN: trailArn(ctx, ctx.region, input.Name),
    HomeRegion: ctx.region,
    S3BucketName: input.S3BucketName,
    IncludeGlobalServiceEvents: true,
    IsMultiRegionTrail: false,
    LogFileValidationEnabled: false,
    IsOrganizationTrail: false,
    HasCustomEventSelectors: false,
    Tags: mergeTags({}, input.TagsList ?? [], TAG_RULES),
    IsLogging: false,
    CreatedAt: ctx.clock.now(),
  };
  apply(ctx, trail, input);
  table.put(scope, trail.Name, trail);
  return settingsOf(trail);
}

export function updateTrail(ctx: RequestContext, input: UpdateTrailRequest): CreateTrailResponse {
  const located = requireTrail(ctx, input.Name);
  requireHomeRegion(ctx, located);
  checkSettings(ctx, input);
  const { Name: _name, ...settings } = input;
  apply(ctx, located.trail, settings);
  if (located.trail.IsMultiRegionTrail) {
    const clash = accountTrails(ctx).find((o) => o.trail.Name === located.trail.Name && o.scope.region !== located.scope.region);
    if (clash) throw new AwsError('TrailAlreadyExistsException', `Trail ${located.trail.Name} already exists for customer: ${ctx.account}`);
  }
  trailsTable(ctx.store).put(located.scope, located.trail.Name, located.trail);
  return settingsOf(located.trail);
}

export function deleteTrail(ctx: RequestContext, name: string): Record<string, never> {
  const located = requireTrail(ctx, name);
  requireHomeRegion(ctx, located);
  trailsTable(ctx.store).delete(located.scope, located.trail.Name);
  return {};
}

/** Trails of this region, and (includeShadowTrails, the default) multi-region trails of other regions. */
export function describeTrails(ctx: RequestContext, names: string[] | undefined, includeShadowTrails = true): Trail[] {
  if (names && names.length) {
    const found = names.map((n) => findTrail(ctx, parseTrailRef(ctx, n))).filter((l) => l !== undefined);
    // names that match no trail are left out, as AWS does
    return found.filter((l) => includeShadowTrails || l.scope.region === ctx.region).map((l) => trailOf(l.trail));
  }
  return accountTrails(ctx)
    .filter((l) => l.scope.region === ctx.region || (includeShadowTrails && l.trail.IsMultiRegionTrail))
    .map((l) => trailOf(l.trail));
}

export function listTrails(ctx: RequestContext, token: string | undefined): ListTrailsResponse {
  const all = accountTrails(ctx).map((l) => ({ TrailARN: l.trail.TrailARN, Name: l.trail.Name, HomeRegion: l.trail.HomeRegion }));
  const page = paginate(all, (t) => t.TrailARN, { token, defaultMax: 50, invalidTokenCode: 'InvalidNextTokenException' });
  return { Trails: page.items, NextToken: page.next };
}

export function setLogging(ctx: RequestContext, name: string, on: boolean): Record<string, never> {
  const located = requireTrail(ctx, name);
  requireHomeRegion(ctx, located);
  const t = located.trail;
  if (t.IsLogging !== on) {
    if (on) t.StartLoggingTime = ctx.clock.now();
    else t.StopLoggingTime = ctx.clock.now();
    t.IsLogging = on;
  }
  trailsTable(ctx.store).put(located.scope, t.Name, t);
  return {};
}

/** The last delivery: deliveries every five minutes of virtual time from StartLogging while the trail logs. */
function latestDelivery(t: TrailRecord, now: number): number | undefined {
  if (t.StartLoggingTime === undefined) return undefined;
  const until = t.IsLogging ? now : Math.max(t.StopLoggingTime ?? now, t.StartLoggingTime);
  const periods = Math.floor((until - t.StartLoggingTime) / DELIVERY_PERIOD_MS);
  return periods > 0 ? t.StartLoggingTime + periods * DELIVERY_PERIOD_MS : undefined;
}

export function trailStatus(ctx: RequestContext, name: string): GetTrailStatusResponse {
  const { trail: t } = requireTrail(ctx, name);
  const delivered = latestDelivery(t, ctx.clock.now());
  const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));
  const text = (ms: number | undefined) => (ms === undefined ? undefined : eventTime(new Date(ms)));
  return {
    IsLogging: t.IsLogging,
    LatestDeliveryTime: date(delivered),
    LatestDeliveryAttemptTime: text(delivered) ?? '',
    LatestDeliveryAttemptSucceeded: text(delivered) ?? '',
    LatestNotificationAttemptTime: '',
    LatestNotificationAttemptSucceeded: '',
    StartLoggingTime: date(t.StartLoggingTime),
    StopLoggingTime: date(t.StopLoggingTime),
    TimeLoggingStarted: text(t.StartLoggingTime),
    TimeLoggingStopped: text(t.StopLoggingTime),
  };
}

export function requireTrailOf(ctx: RequestContext, name: string): Trail {
  return trailOf(requireTrail(ctx, name).trail);
}
