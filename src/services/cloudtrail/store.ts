// CloudTrail's records: recorded management events (per account and the region they were recorded in) and trails.
import type { AdvancedEventSelector, EventSelector } from '../../generated/cloudtrail.js';
import type { TagMap } from '../../protocol/tags.js';
import type { Store, Table } from '../../state/db.js';

export const SERVICE = 'cloudtrail';

export interface EventResource {
  ResourceType: string;
  ResourceName: string;
}

/** One management event: the lookup keys beside the JSON AWS writes (CloudTrailEvent). */
export interface EventRecord {
  EventId: string;
  EventName: string;
  EventSource: string;
  /** epoch ms on the virtual clock */
  EventTime: number;
  ReadOnly: 'true' | 'false';
  AccessKeyId?: string;
  Username?: string;
  Resources: EventResource[];
  CloudTrailEvent: string;
}

export interface TrailRecord {
  Name: string;
  TrailARN: string;
  HomeRegion: string;
  S3BucketName: string;
  S3KeyPrefix?: string;
  SnsTopicName?: string;
  SnsTopicARN?: string;
  IncludeGlobalServiceEvents: boolean;
  IsMultiRegionTrail: boolean;
  LogFileValidationEnabled: boolean;
  CloudWatchLogsLogGroupArn?: string;
  CloudWatchLogsRoleArn?: string;
  KmsKeyId?: string;
  IsOrganizationTrail: boolean;
  HasCustomEventSelectors: boolean;
  EventSelectors?: EventSelector[];
  AdvancedEventSelectors?: AdvancedEventSelector[];
  Tags: TagMap;
  IsLogging: boolean;
  /** epoch ms on the virtual clock */
  StartLoggingTime?: number;
  StopLoggingTime?: number;
  CreatedAt: number;
}

export const eventsTable = (store: Store): Table<EventRecord> => store.table<EventRecord>(SERVICE, 'event');
export const trailsTable = (store: Store): Table<TrailRecord> => store.table<TrailRecord>(SERVICE, 'trail');
