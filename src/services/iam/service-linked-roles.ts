// Service-linked roles: roles AWS services create in the account under /aws-service-role/<service>/,
// with AWS's names and policies, protected from the account's own changes.
import { randomUUID } from 'node:crypto';
import type { IamOperations } from '../../generated/iam.js';
import { AwsError } from '../../protocol/errors.js';
import type { Handlers } from '../define.js';
import { findRole, getRole, invalidInput, noSuchEntity, putRole, type IamCtx } from './lookup.js';
import { createRoleRecord, deleteRoleRecord } from './roles.js';
import { type RoleRecord, iamScope, tables } from './store.js';
import { roleView } from './views.js';

interface LinkedService {
  role: string;
  policy: string;
  description: string;
  suffix?: boolean;
}

const SERVICES: Record<string, LinkedService> = {
  'autoscaling.amazonaws.com': { role: 'AWSServiceRoleForAutoScaling', policy: 'AutoScalingServiceRolePolicy', description: 'Default Service-Linked Role enables access to AWS Services and Resources used or managed by Auto Scaling', suffix: true },
  'ecs.amazonaws.com': { role: 'AWSServiceRoleForECS', policy: 'AmazonECSServiceRolePolicy', description: 'Role to enable Amazon ECS to manage your cluster.' },
  'elasticloadbalancing.amazonaws.com': { role: 'AWSServiceRoleForElasticLoadBalancing', policy: 'AWSElasticLoadBalancingServiceRolePolicy', description: 'Allows ELB to call AWS services on your behalf.' },
  'batch.amazonaws.com': { role: 'AWSServiceRoleForBatch', policy: 'BatchServiceRolePolicy', description: 'Allows Batch to create and manage AWS resources on your behalf.' },
  'spot.amazonaws.com': { role: 'AWSServiceRoleForEC2Spot', policy: 'AWSEC2SpotServiceRolePolicy', description: 'Default EC2 Spot Service Linked Role' },
  'spotfleet.amazonaws.com': { role: 'AWSServiceRoleForEC2SpotFleet', policy: 'AWSEC2SpotFleetServiceRolePolicy', description: 'Default EC2 Spot Fleet Service Linked Role' },
  'ec2fleet.amazonaws.com': { role: 'AWSServiceRoleForEC2Fleet', policy: 'AWSEC2FleetServiceRolePolicy', description: 'Default EC2 Fleet Service Linked Role' },
  'ecs.application-autoscaling.amazonaws.com': { role: 'AWSServiceRoleForApplicationAutoScaling_ECSService', policy: 'AWSApplicationAutoscalingECSServicePolicy', description: '' },
  'dynamodb.application-autoscaling.amazonaws.com': { role: 'AWSServiceRoleForApplicationAutoScaling_DynamoDBTable', policy: 'AWSApplicationAutoscalingDynamoDBTablePolicy', description: '' },
  'lambda.application-autoscaling.amazonaws.com': { role: 'AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency', policy: 'AWSApplicationAutoscalingLambdaConcurrencyPolicy', description: '' },
  'ops.apigateway.amazonaws.com': { role: 'AWSServiceRoleForAPIGateway', policy: 'APIGatewayServiceRolePolicy', description: 'The Service Linked Role is used by Amazon API Gateway.' },
  'cloudtrail.amazonaws.com': { role: 'AWSServiceRoleForCloudTrail', policy: 'CloudTrailServiceRolePolicy', description: '' },
  'ssm.amazonaws.com': { role: 'AWSServiceRoleForAmazonSSM', policy: 'AmazonSSMServiceRolePolicy', description: 'Provides access to AWS Resources managed or used by Amazon SSM.' },
  'eks.amazonaws.com': { role: 'AWSServiceRoleForAmazonEKS', policy: 'AmazonEKSServiceRolePolicy', description: 'Allows Amazon EKS to call AWS services on your behalf.' },
  'rds.amazonaws.com': { role: 'AWSServiceRoleForRDS', policy: 'AmazonRDSServiceRolePolicy', description: 'Allows Amazon RDS to manage AWS resources on your behalf' },
};

const trust = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: [service] }, Action: ['sts:AssumeRole'] }] });

/**
 * The service-linked role of a service, created when missing (what EC2 Auto Scaling, ECS, ELB… do on
 * first use). Other services call this through the IAM index.
 */
export function ensureServiceLinkedRole(ctx: IamCtx & { clock: { date(): Date } }, service: string, suffix?: string): RoleRecord {
  const linked = SERVICES[service];
  if (!linked) throw invalidInput(`Unknown service name: ${service}`);
  const name = suffix ? `${linked.role}_${suffix}` : linked.role;
  return findRole(ctx, name) ?? createLinked(ctx, service, linked, name, linked.description);
}

function createLinked(ctx: IamCtx & { clock: { date(): Date } }, service: string, linked: LinkedService, name: string, description: string | undefined): RoleRecord {
  const role = createRoleRecord(
    ctx,
    { RoleName: name, Path: `/aws-service-role/${service}/`, AssumeRolePolicyDocument: trust(service), Description: description || undefined },
    service,
  );
  const withPolicy = { ...role, AttachedPolicies: [`arn:aws:iam::aws:policy/aws-service-role/${linked.policy}`] };
  putRole(ctx, withPolicy);
  return withPolicy;
}

const DELETION_SCOPE = (account: string) => iamScope(account);

export const serviceLinkedRoleHandlers: Handlers<IamOperations> = {
  CreateServiceLinkedRole(ctx, { AWSServiceName, Description, CustomSuffix }) {
    const linked = SERVICES[AWSServiceName];
    if (!linked) throw invalidInput(`Service ${AWSServiceName} does not support service-linked roles or is not known to Cumulus.`);
    if (CustomSuffix && !linked.suffix) throw invalidInput(`Custom suffix is not allowed for ${AWSServiceName}`);
    const name = CustomSuffix ? `${linked.role}_${CustomSuffix}` : linked.role;
    if (findRole(ctx, name)) throw invalidInput(`Service role name ${name} has been taken in this account, please try a different suffix.`);
    return { Role: roleView(createLinked(ctx, AWSServiceName, linked, name, Description ?? linked.description)) };
  },

  DeleteServiceLinkedRole(ctx, { RoleName }) {
    const role = getRole(ctx, RoleName);
    if (!role.ServiceLinked) throw new AwsError('InvalidInput', `Role ${role.RoleName} is not a service-linked role.`);
    // the service's own policy goes with the role; anything else the account added blocks the deletion
    deleteRoleRecord(ctx, { ...role, AttachedPolicies: [] });
    const DeletionTaskId = `task/aws-service-role/${role.ServiceLinked}/${role.RoleName}/${randomUUID()}`;
    tables(ctx.store).deletionTasks.put(DELETION_SCOPE(ctx.account), DeletionTaskId, { DeletionTaskId, Status: 'SUCCEEDED' });
    return { DeletionTaskId };
  },

  GetServiceLinkedRoleDeletionStatus(ctx, { DeletionTaskId }) {
    const task = tables(ctx.store).deletionTasks.get(DELETION_SCOPE(ctx.account), DeletionTaskId);
    if (!task) throw noSuchEntity(`The deletion task with id ${DeletionTaskId} cannot be found.`);
    return { Status: task.Status };
  },
};
