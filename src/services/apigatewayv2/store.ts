// HTTP API records. An API holds its routes, integrations and authorizers (what a deployment snapshots);
// stages and deployments are records of their own; a global index maps an API id to its account and region,
// because the data plane only sees the id.
import type { Cors, JWTConfiguration, ParameterConstraints, RouteSettings } from '../../generated/apigatewayv2.js';
import type { Scope, Store } from '../../state/db.js';

export const SERVICE = 'apigatewayv2';

export interface RouteRecord {
  RouteId: string;
  RouteKey: string;
  ApiGatewayManaged?: boolean;
  ApiKeyRequired: boolean;
  AuthorizationType: 'NONE' | 'AWS_IAM' | 'CUSTOM' | 'JWT';
  AuthorizationScopes?: string[];
  AuthorizerId?: string;
  OperationName?: string;
  RequestParameters?: Record<string, ParameterConstraints>;
  Target?: string;
}

export interface IntegrationRecord {
  IntegrationId: string;
  ApiGatewayManaged?: boolean;
  ConnectionType: 'INTERNET' | 'VPC_LINK';
  ConnectionId?: string;
  CredentialsArn?: string;
  Description?: string;
  IntegrationMethod?: string;
  IntegrationSubtype?: string;
  IntegrationType: 'AWS_PROXY' | 'HTTP_PROXY';
  IntegrationUri?: string;
  PayloadFormatVersion: string;
  RequestParameters?: Record<string, string>;
  ResponseParameters?: Record<string, Record<string, string>>;
  TimeoutInMillis: number;
  TlsConfig?: { ServerNameToVerify?: string };
}

export interface AuthorizerRecord {
  AuthorizerId: string;
  Name: string;
  AuthorizerType: 'REQUEST' | 'JWT';
  AuthorizerCredentialsArn?: string;
  AuthorizerPayloadFormatVersion?: string;
  AuthorizerResultTtlInSeconds?: number;
  AuthorizerUri?: string;
  EnableSimpleResponses?: boolean;
  IdentitySource: string[];
  IdentityValidationExpression?: string;
  JwtConfiguration?: JWTConfiguration;
}

/** What a deployment freezes and a stage serves. */
export interface ApiDefinition {
  routes: Record<string, RouteRecord>;
  integrations: Record<string, IntegrationRecord>;
  authorizers: Record<string, AuthorizerRecord>;
}

export interface ApiRecord extends ApiDefinition {
  ApiId: string;
  Name: string;
  ProtocolType: 'HTTP';
  RouteSelectionExpression: string;
  ApiKeySelectionExpression: string;
  CorsConfiguration?: Cors;
  Description?: string;
  DisableExecuteApiEndpoint: boolean;
  DisableSchemaValidation?: boolean;
  IpAddressType: 'ipv4' | 'dualstack';
  Version?: string;
  CreatedDate: number;
  Tags: Record<string, string>;
}

export interface DeploymentRecord {
  DeploymentId: string;
  ApiId: string;
  AutoDeployed: boolean;
  Description?: string;
  CreatedDate: number;
  snapshot: ApiDefinition;
}

export interface StageRecord {
  ApiId: string;
  StageName: string;
  ApiGatewayManaged?: boolean;
  AutoDeploy: boolean;
  DeploymentId?: string;
  Description?: string;
  DefaultRouteSettings: RouteSettings;
  RouteSettings: Record<string, RouteSettings>;
  StageVariables: Record<string, string>;
  AccessLogSettings?: { DestinationArn?: string; Format?: string };
  ClientCertificateId?: string;
  LastDeploymentStatusMessage?: string;
  CreatedDate: number;
  LastUpdatedDate: number;
  Tags: Record<string, string>;
}

/** Where an API id lives. */
export interface ApiLocation {
  account: string;
  region: string;
}

export const GLOBAL: Scope = { account: '', region: '' };

export function tables(store: Store) {
  return {
    apis: store.table<ApiRecord>(SERVICE, 'apis'),
    deployments: store.table<DeploymentRecord>(SERVICE, 'deployments'),
    stages: store.table<StageRecord>(SERVICE, 'stages'),
    index: store.table<ApiLocation>(SERVICE, 'api-index'),
  };
}
