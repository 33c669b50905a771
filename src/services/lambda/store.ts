// Lambda's records: functions ($LATEST), published versions, aliases, layers, resource policies,
// concurrency, event invoke configs and function URL configs, per account and region.
import type { Scope, Store } from '../../state/db.js';
import type { TagMap } from '../../protocol/tags.js';

export type { Store } from '../../state/db.js';

export interface LayerRef {
  Arn: string;
  CodeSize: number;
  /** hex sha256 of the layer's zip: where its unpacked content lives */
  codeHex: string;
  UnzippedSize: number;
}

/** The configuration of one version of a function ($LATEST or a published number). */
export interface VersionConfig {
  FunctionName: string;
  Version: string;
  Runtime?: string;
  Role: string;
  Handler?: string;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSize: number;
  CodeSha256: string;
  /** hex sha256 of the zip: the code package's directory and zip file */
  codeHex: string;
  UnzippedSize: number;
  Environment?: Record<string, string>;
  TracingMode: 'Active' | 'PassThrough';
  RevisionId: string;
  Layers: LayerRef[];
  State: 'Pending' | 'Active' | 'Inactive' | 'Failed';
  StateReason?: string;
  StateReasonCode?: string;
  LastUpdateStatus?: 'Successful' | 'Failed' | 'InProgress';
  LastUpdateStatusReason?: string;
  LastUpdateStatusReasonCode?: string;
  PackageType: 'Zip' | 'Image';
  Architectures: string[];
  EphemeralStorage: number;
  DeadLetterTargetArn?: string;
  KMSKeyArn?: string;
  LoggingConfig: { LogFormat: 'Text' | 'JSON'; ApplicationLogLevel?: string; SystemLogLevel?: string; LogGroup: string };
  VpcConfig?: { SubnetIds: string[]; SecurityGroupIds: string[]; Ipv6AllowedForDualStack?: boolean };
  /** the clock time (ms) at which a pending create or an in-progress update completes */
  settlesAt?: number;
}

export interface FunctionRecord {
  FunctionName: string;
  FunctionArn: string;
  latest: VersionConfig;
  Tags: TagMap;
  /** the number the next published version gets (numbers are never reused) */
  nextVersion: number;
  /** what $LATEST looked like when it was last published, to return that version when nothing changed */
  lastPublished?: { Version: string; fingerprint: string };
  ReservedConcurrentExecutions?: number;
  /** PutFunctionRecursionConfig; AWS's default is Terminate */
  RecursiveLoop?: 'Allow' | 'Terminate';
  /** PutRuntimeManagementConfig per qualifier ('$LATEST' or a version) */
  RuntimeManagement?: Record<string, { UpdateRuntimeOn: 'Auto' | 'Manual' | 'FunctionUpdate'; RuntimeVersionArn?: string }>;
}

export interface AliasRecord {
  FunctionName: string;
  Name: string;
  FunctionVersion: string;
  Description: string;
  AdditionalVersionWeights?: Record<string, number>;
  RevisionId: string;
}

export interface LayerVersionRecord {
  LayerName: string;
  Version: number;
  Description: string;
  CreatedDate: string;
  CompatibleRuntimes?: string[];
  CompatibleArchitectures?: string[];
  LicenseInfo?: string;
  CodeSha256: string;
  CodeSize: number;
  codeHex: string;
  UnzippedSize: number;
  /** layer version permissions (AddLayerVersionPermission) */
  Statements: Record<string, unknown>[];
  PolicyRevisionId?: string;
}

export interface LayerRecord {
  LayerName: string;
  nextVersion: number;
}

export interface PolicyRecord {
  Statements: Record<string, unknown>[];
  RevisionId: string;
}

export interface ProvisionedRecord {
  FunctionName: string;
  Qualifier: string;
  Requested: number;
  Allocated: number;
  Status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  StatusReason?: string;
  LastModified: string;
  readyAt?: number;
}

export interface EventInvokeConfigRecord {
  FunctionName: string;
  Qualifier: string;
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  OnSuccess?: string;
  OnFailure?: string;
  LastModified: number;
}

export interface UrlConfigRecord {
  FunctionName: string;
  Qualifier?: string;
  UrlId: string;
  AuthType: 'NONE' | 'AWS_IAM';
  Cors?: Record<string, unknown>;
  InvokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  CreationTime: string;
  LastModifiedTime: string;
}

/** Where a function URL's id leads: kept in one table across accounts, since the URL names no account. */
export interface UrlIdRecord {
  account: string;
  region: string;
  FunctionName: string;
  Qualifier?: string;
}

export const URL_ID_SCOPE: Scope = { account: '*', region: '*' };

export function tables(store: Store) {
  return {
    functions: store.table<FunctionRecord>('lambda', 'function'),
    /** id `${name}:${version}` */
    versions: store.table<VersionConfig>('lambda', 'version'),
    /** id `${name}:${alias}` */
    aliases: store.table<AliasRecord>('lambda', 'alias'),
    layers: store.table<LayerRecord>('lambda', 'layer'),
    /** id `${layer}:${version}` */
    layerVersions: store.table<LayerVersionRecord>('lambda', 'layer-version'),
    /** id `${name}:${qualifier or ''}` */
    policies: store.table<PolicyRecord>('lambda', 'policy'),
    provisioned: store.table<ProvisionedRecord>('lambda', 'provisioned'),
    eventConfigs: store.table<EventInvokeConfigRecord>('lambda', 'event-invoke-config'),
    urls: store.table<UrlConfigRecord>('lambda', 'url-config'),
    urlIds: store.table<UrlIdRecord>('lambda', 'url-id'),
  };
}

export interface LambdaCtx {
  store: Store;
  account: string;
  region: string;
}

export function scopeOf(ctx: { account: string; region: string }): Scope {
  return { account: ctx.account, region: ctx.region };
}

/** Records of one function in a table keyed `${name}:…`. */
export function ofFunction<T>(list: T[], name: string, nameOf: (r: T) => string): T[] {
  return list.filter((r) => nameOf(r) === name);
}
