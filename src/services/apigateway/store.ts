// API Gateway's records. A REST API is one record holding its resources (with methods, integrations and
// responses), models, validators, authorizers and gateway responses: a deployment snapshots exactly that,
// and cloneFrom copies it. Deployments, stages, API keys, usage plans and usage counts are records of their own.
import type {
  ApiStage,
  Authorizer,
  EndpointConfiguration,
  GatewayResponse,
  Integration,
  Method,
  MethodSetting,
  Model,
  QuotaSettings,
  RequestValidator,
  ThrottleSettings,
} from '../../generated/apigateway.js';
import type { Scope, Store } from '../../state/db.js';

export const SERVICE = 'apigateway';

export interface MethodRecord extends Omit<Method, 'methodIntegration'> {
  httpMethod: string;
  methodIntegration?: Integration;
}

export interface ResourceRecord {
  id: string;
  parentId?: string;
  pathPart?: string;
  path: string;
  methods: Record<string, MethodRecord>;
}

/** What a deployment freezes and a stage serves. */
export interface ApiDefinition {
  name: string;
  binaryMediaTypes: string[];
  apiKeySource: 'HEADER' | 'AUTHORIZER';
  minimumCompressionSize?: number;
  policy?: string;
  rootResourceId: string;
  resources: Record<string, ResourceRecord>;
  models: Record<string, Model>;
  validators: Record<string, RequestValidator>;
  authorizers: Record<string, Authorizer>;
  gatewayResponses: Record<string, GatewayResponse>;
}

export interface ApiRecord extends ApiDefinition {
  id: string;
  description?: string;
  version?: string;
  createdDate: number;
  endpointConfiguration: EndpointConfiguration;
  disableExecuteApiEndpoint: boolean;
  tags: Record<string, string>;
}

export interface DeploymentRecord {
  id: string;
  apiId: string;
  description?: string;
  createdDate: number;
  snapshot: ApiDefinition;
}

export interface StageRecord {
  apiId: string;
  stageName: string;
  deploymentId: string;
  description?: string;
  cacheClusterEnabled: boolean;
  cacheClusterSize?: string;
  variables: Record<string, string>;
  methodSettings: Record<string, MethodSetting>;
  tracingEnabled: boolean;
  accessLogSettings?: { format?: string; destinationArn?: string };
  /** a canary: this share of requests (percent) served by another deployment with overridden variables */
  canarySettings?: { percentTraffic?: number; deploymentId?: string; stageVariableOverrides?: Record<string, string>; useStageCache?: boolean };
  documentationVersion?: string;
  /** the client certificate presented to HTTP backends */
  clientCertificateId?: string;
  tags: Record<string, string>;
  createdDate: number;
  lastUpdatedDate: number;
}

export interface ApiKeyRecord {
  id: string;
  value: string;
  name?: string;
  customerId?: string;
  description?: string;
  enabled: boolean;
  createdDate: number;
  lastUpdatedDate: number;
  stageKeys: string[];
  tags: Record<string, string>;
}

export interface UsagePlanRecord {
  id: string;
  name: string;
  description?: string;
  apiStages: ApiStage[];
  throttle?: ThrottleSettings;
  quota?: QuotaSettings;
  productCode?: string;
  tags: Record<string, string>;
  /** ids of API keys in this plan */
  keys: string[];
}

/** Requests counted for one key in one plan on one UTC day. */
export interface UsageRecord {
  planId: string;
  keyId: string;
  /** YYYY-MM-DD */
  day: string;
  used: number;
}

export interface AccountRecord {
  cloudwatchRoleArn?: string;
}

/** Where an API id lives (the data plane only knows the id). */
export interface ApiLocation {
  account: string;
  region: string;
  /** disableExecuteApiEndpoint: the default endpoint answers 403 */
  disabled?: boolean;
}

export const GLOBAL: Scope = { account: '', region: '' };

export function tables(store: Store) {
  return {
    apis: store.table<ApiRecord>(SERVICE, 'restapis'),
    deployments: store.table<DeploymentRecord>(SERVICE, 'deployments'),
    stages: store.table<StageRecord>(SERVICE, 'stages'),
    keys: store.table<ApiKeyRecord>(SERVICE, 'apikeys'),
    plans: store.table<UsagePlanRecord>(SERVICE, 'usageplans'),
    usage: store.table<UsageRecord>(SERVICE, 'usage'),
    account: store.table<AccountRecord>(SERVICE, 'account'),
    index: store.table<ApiLocation>(SERVICE, 'api-index'),
  };
}
