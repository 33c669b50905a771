// AWS managed policies: present in every account under arn:aws:iam::aws:policy/…, read-only.
// Documents are AWS's as far as they are known here (the biggest ones, e.g. ReadOnlyAccess, abridged).
import { createHash } from 'node:crypto';
import type { ManagedPolicyRecord } from './store.js';

type Doc = { Version: '2012-10-17'; Statement: Record<string, unknown>[] };
interface Entry {
  name: string;
  path: string;
  description: string;
  statements: Record<string, unknown>[];
  version?: string;
}

const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const slrCondition = (service: string) => ({ Condition: { StringLike: { 'iam:AWSServiceName': service } } });
const LOGS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];
const ECR_PULL = ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];
const ENI = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'];

const ENTRIES: Entry[] = [
  { name: 'AdministratorAccess', path: '/', description: 'Provides full access to AWS services and resources.', statements: [allow('*')] },
  {
    name: 'PowerUserAccess',
    path: '/',
    version: 'v5',
    description: 'Provides full access to AWS services and resources, but does not allow management of Users and groups.',
    statements: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      allow(['iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization', 'account:ListRegions', 'account:GetAccountInformation']),
    ],
  },
  {
    name: 'ReadOnlyAccess',
    path: '/',
    description: 'Provides read-only access to AWS services and resources.',
    statements: [
      allow([
        'apigateway:GET', 'application-autoscaling:Describe*', 'autoscaling:Describe*', 'batch:Describe*', 'batch:List*',
        'cloudformation:Describe*', 'cloudformation:Get*', 'cloudformation:List*', 'cloudtrail:Describe*', 'cloudtrail:Get*',
        'cloudtrail:List*', 'cloudtrail:LookupEvents', 'cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*',
        'dynamodb:BatchGetItem', 'dynamodb:Describe*', 'dynamodb:List*', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan',
        'ec2:Describe*', 'ec2:Get*', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:Describe*', 'ecr:Get*', 'ecr:List*',
        'ecs:Describe*', 'ecs:List*', 'elasticloadbalancing:Describe*', 'events:Describe*', 'events:List*', 'events:Test*',
        'iam:Generate*', 'iam:Get*', 'iam:List*', 'iam:Simulate*', 'lambda:Get*', 'lambda:List*', 'logs:Describe*', 'logs:FilterLogEvents',
        'logs:Get*', 'logs:ListTagsLogGroup', 'logs:StartQuery', 'logs:StopQuery', 'logs:TestMetricFilter', 's3:Get*', 's3:List*',
        'sns:Get*', 'sns:List*', 'sqs:Get*', 'sqs:List*', 'sqs:Receive*', 'ssm:Describe*', 'ssm:Get*', 'ssm:List*', 'sts:GetCallerIdentity',
        'tag:Get*', 'xray:BatchGet*', 'xray:Get*',
      ]),
    ],
  },
  {
    name: 'IAMFullAccess',
    path: '/',
    version: 'v2',
    description: 'Provides full access to IAM via the AWS Management Console.',
    statements: [
      allow('iam:*'),
      allow([
        'organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit',
        'organizations:DescribePolicy', 'organizations:ListChildren', 'organizations:ListParents', 'organizations:ListPoliciesForTarget',
        'organizations:ListRoots', 'organizations:ListPolicies', 'organizations:ListTargetsForPolicy',
      ]),
    ],
  },
  {
    name: 'AmazonEC2FullAccess',
    path: '/',
    version: 'v5',
    description: 'Provides full access to Amazon EC2 via the AWS Management Console.',
    statements: [
      allow('ec2:*'),
      allow('elasticloadbalancing:*'),
      allow('cloudwatch:*'),
      allow('autoscaling:*'),
      allow('iam:CreateServiceLinkedRole', '*', {
        Condition: {
          StringEquals: {
            'iam:AWSServiceName': [
              'autoscaling.amazonaws.com', 'ec2scheduled.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'spot.amazonaws.com',
              'spotfleet.amazonaws.com', 'transitgateway.amazonaws.com',
            ],
          },
        },
      }),
    ],
  },
  {
    name: 'AmazonEC2ReadOnlyAccess',
    path: '/',
    version: 'v3',
    description: 'Provides read only access to Amazon EC2 via the AWS Management Console.',
    statements: [
      allow('ec2:Describe*'),
      allow('elasticloadbalancing:Describe*'),
      allow(['cloudwatch:ListMetrics', 'cloudwatch:GetMetricStatistics', 'cloudwatch:Describe*']),
      allow('autoscaling:Describe*'),
    ],
  },
  {
    name: 'AmazonS3FullAccess',
    path: '/',
    version: 'v2',
    description: 'Provides full access to all buckets via the AWS Management Console.',
    statements: [allow(['s3:*', 's3-object-lambda:*'])],
  },
  {
    name: 'AmazonS3ReadOnlyAccess',
    path: '/',
    version: 'v3',
    description: 'Provides read only access to all buckets via the AWS Management Console.',
    statements: [allow(['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'])],
  },
  {
    name: 'AmazonDynamoDBFullAccess',
    path: '/',
    description: 'Provides full access to Amazon DynamoDB via the AWS Management Console.',
    statements: [
      allow([
        'dynamodb:*', 'dax:*', 'application-autoscaling:DeleteScalingPolicy', 'application-autoscaling:DeregisterScalableTarget',
        'application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingActivities',
        'application-autoscaling:DescribeScalingPolicies', 'application-autoscaling:PutScalingPolicy', 'application-autoscaling:RegisterScalableTarget',
        'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarmHistory', 'cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmsForMetric',
        'cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics', 'cloudwatch:PutMetricAlarm', 'cloudwatch:GetMetricData',
        'kinesis:ListStreams', 'kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kms:DescribeKey', 'kms:ListAliases',
        'lambda:CreateFunction', 'lambda:ListFunctions', 'lambda:ListEventSourceMappings', 'lambda:CreateEventSourceMapping',
        'lambda:DeleteEventSourceMapping', 'lambda:GetFunctionConfiguration', 'lambda:DeleteFunction', 'sns:CreateTopic', 'sns:DeleteTopic',
        'sns:ListSubscriptions', 'sns:ListSubscriptionsByTopic', 'sns:ListTopics', 'sns:Subscribe', 'sns:Unsubscribe', 'sns:SetTopicAttributes',
        'iam:GetRole', 'iam:ListRoles', 'tag:GetResources', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups',
      ]),
      allow('iam:PassRole', '*', { Condition: { StringLike: { 'iam:PassedToService': ['application-autoscaling.amazonaws.com', 'application-autoscaling.amazonaws.com.cn', 'dax.amazonaws.com'] } } }),
      allow('iam:CreateServiceLinkedRole', '*', {
        Condition: { StringEquals: { 'iam:AWSServiceName': ['replication.dynamodb.amazonaws.com', 'dax.amazonaws.com', 'dynamodb.application-autoscaling.amazonaws.com', 'contributorinsights.dynamodb.amazonaws.com', 'kinesisreplication.dynamodb.amazonaws.com'] } },
      }),
    ],
  },
  { name: 'AmazonSQSFullAccess', path: '/', description: 'Provides full access to Amazon SQS via the AWS Management Console.', statements: [allow('sqs:*')] },
  {
    name: 'CloudWatchFullAccess',
    path: '/',
    description: 'Provides full access to CloudWatch.',
    statements: [
      allow(['autoscaling:Describe*', 'cloudwatch:*', 'logs:*', 'sns:*', 'iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:GetRole', 'oam:ListSinks']),
      allow('iam:CreateServiceLinkedRole', 'arn:aws:iam::*:role/aws-service-role/events.amazonaws.com/AWSServiceRoleForCloudWatchEvents*', slrCondition('events.amazonaws.com')),
      allow(['oam:ListAttachedLinks'], 'arn:aws:oam:*:*:sink/*'),
    ],
  },
  {
    name: 'CloudWatchLogsFullAccess',
    path: '/',
    description: 'Provides full access to CloudWatch Logs',
    statements: [allow(['logs:*', 'cloudwatch:GenerateQuery'])],
  },
  {
    name: 'AutoScalingFullAccess',
    path: '/',
    description: 'Provides full access to Auto Scaling.',
    statements: [
      allow('autoscaling:*'),
      allow('cloudwatch:PutMetricAlarm'),
      allow([
        'ec2:DescribeAccountAttributes', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeImages', 'ec2:DescribeInstanceAttribute',
        'ec2:DescribeInstances', 'ec2:DescribeKeyPairs', 'ec2:DescribeLaunchTemplateVersions', 'ec2:DescribePlacementGroups',
        'ec2:DescribeSecurityGroups', 'ec2:DescribeSpotInstanceRequests', 'ec2:DescribeSubnets', 'ec2:DescribeVpcClassicLink',
      ]),
      allow(['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeTargetGroups']),
      allow('iam:CreateServiceLinkedRole', '*', { Condition: { StringEquals: { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' } } }),
    ],
  },
  {
    name: 'ElasticLoadBalancingFullAccess',
    path: '/',
    description: 'Provides full access to Amazon ElasticLoadBalancing, and limited access to other services necessary to provide ElasticLoadBalancing features.',
    statements: [
      allow('elasticloadbalancing:*'),
      allow([
        'ec2:DescribeAccountAttributes', 'ec2:DescribeAddresses', 'ec2:DescribeInternetGateways', 'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:DescribeVpcClassicLink', 'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeClassicLinkInstances', 'ec2:DescribeRouteTables', 'ec2:DescribeCoipPools', 'ec2:GetCoipPoolUsage',
        'ec2:DescribeVpcPeeringConnections', 'cognito-idp:DescribeUserPoolClient',
      ]),
      allow('iam:CreateServiceLinkedRole', '*', { Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } } }),
    ],
  },
  {
    name: 'AmazonAPIGatewayInvokeFullAccess',
    path: '/',
    description: 'Provides full access to invoke APIs in Amazon API Gateway.',
    statements: [allow(['execute-api:Invoke', 'execute-api:ManageConnections'], 'arn:aws:execute-api:*:*:*')],
  },
  {
    name: 'AmazonAPIGatewayPushToCloudWatchLogs',
    path: '/service-role/',
    description: 'Allows API Gateway to push logs to user\'s account.',
    statements: [
      allow(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 'logs:GetLogEvents', 'logs:FilterLogEvents']),
    ],
  },
  {
    name: 'AWSXRayDaemonWriteAccess',
    path: '/',
    description: 'Allow the AWS X-Ray Daemon to relay raw trace segments data to the service\'s API and retrieve sampling data (rules, targets, etc.) to be used by the X-Ray SDK.',
    statements: [allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'])],
  },
  {
    name: 'AmazonSSMManagedInstanceCore',
    path: '/',
    description: 'The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality.',
    statements: [
      allow([
        'ssm:DescribeAssociation', 'ssm:GetDeployablePatchSnapshotForInstance', 'ssm:GetDocument', 'ssm:DescribeDocument', 'ssm:GetManifest',
        'ssm:GetParameter', 'ssm:GetParameters', 'ssm:ListAssociations', 'ssm:ListInstanceAssociations', 'ssm:PutInventory',
        'ssm:PutComplianceItems', 'ssm:PutConfigurePackageResult', 'ssm:UpdateAssociationStatus', 'ssm:UpdateInstanceAssociationStatus',
        'ssm:UpdateInstanceInformation',
      ]),
      allow(['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel']),
      allow(['ec2messages:AcknowledgeMessage', 'ec2messages:DeleteMessage', 'ec2messages:FailMessage', 'ec2messages:GetEndpoint', 'ec2messages:GetMessages', 'ec2messages:SendReply']),
    ],
  },
  { name: 'AWSLambdaBasicExecutionRole', path: '/service-role/', description: 'Provides write permissions to CloudWatch Logs.', statements: [allow(LOGS)] },
  {
    name: 'AWSLambdaVPCAccessExecutionRole',
    path: '/service-role/',
    description: 'Provides minimum permissions for a Lambda function to execute while accessing a resource within a VPC - create, describe, delete network interfaces and write permissions to CloudWatch Logs.',
    statements: [allow([...LOGS, ...ENI])],
  },
  { name: 'AWSLambdaRole', path: '/service-role/', description: 'Default policy for AWS Lambda service role.', statements: [allow('lambda:InvokeFunction')] },
  {
    name: 'AWSLambda_FullAccess',
    path: '/',
    description: 'Grants full access to AWS Lambda service, AWS Lambda console features, and other related AWS services.',
    statements: [
      allow([
        'cloudformation:DescribeStacks', 'cloudformation:ListStackResources', 'cloudwatch:ListMetrics', 'cloudwatch:GetMetricData',
        'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'kms:ListAliases', 'iam:GetPolicy', 'iam:GetPolicyVersion',
        'iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:ListRoles', 'lambda:*',
        'logs:DescribeLogGroups', 'states:DescribeStateMachine', 'states:ListStateMachines', 'tag:GetResources', 'xray:GetTraceSummaries', 'xray:BatchGetTraces',
      ]),
      allow('iam:PassRole', '*', { Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } } }),
      allow(['logs:DescribeLogStreams', 'logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:StartLiveTail', 'logs:StopLiveTail'], 'arn:aws:logs:*:*:log-group:/aws/lambda/*'),
    ],
  },
  {
    name: 'AmazonEC2ContainerServiceforEC2Role',
    path: '/service-role/',
    version: 'v7',
    description: 'Default policy for the Amazon EC2 Role for Amazon EC2 Container Service.',
    statements: [
      allow([
        'ec2:DescribeTags', 'ecs:CreateCluster', 'ecs:DeregisterContainerInstance', 'ecs:DiscoverPollEndpoint', 'ecs:Poll',
        'ecs:RegisterContainerInstance', 'ecs:StartTelemetrySession', 'ecs:UpdateContainerInstancesState', 'ecs:Submit*',
        ...ECR_PULL, 'logs:CreateLogStream', 'logs:PutLogEvents',
      ]),
      allow('ecs:TagResource', '*', { Condition: { StringEquals: { 'ecs:CreateAction': ['CreateCluster', 'RegisterContainerInstance'] } } }),
    ],
  },
  {
    name: 'AmazonECSTaskExecutionRolePolicy',
    path: '/service-role/',
    description: 'Provides access to other AWS service resources that are required to run Amazon ECS tasks',
    statements: [allow([...ECR_PULL, 'logs:CreateLogStream', 'logs:PutLogEvents'])],
  },
  {
    name: 'AmazonEC2ContainerRegistryReadOnly',
    path: '/',
    description: 'Provides read-only access to Amazon EC2 Container Registry repositories.',
    statements: [allow([...ECR_PULL, 'ecr:DescribeRepositories', 'ecr:ListImages', 'ecr:DescribeImages', 'ecr:GetRepositoryPolicy', 'ecr:ListTagsForResource', 'ecr:DescribeImageScanFindings'])],
  },
  {
    name: 'AWSBatchServiceRole',
    path: '/service-role/',
    description: 'Policy for AWS Batch service role which allows access to related services including EC2, Autoscaling, EC2 Container service, Cloudwatch Logs, ECS and IAM.',
    statements: [
      allow([
        'ec2:DescribeAccountAttributes', 'ec2:DescribeInstances', 'ec2:DescribeInstanceStatus', 'ec2:DescribeInstanceAttribute',
        'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeKeyPairs', 'ec2:DescribeImages', 'ec2:DescribeImageAttribute',
        'ec2:DescribeSpotInstanceRequests', 'ec2:DescribeSpotFleetInstances', 'ec2:DescribeSpotFleetRequests', 'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeVpcClassicLink', 'ec2:DescribeLaunchTemplateVersions', 'ec2:CreateLaunchTemplate', 'ec2:DeleteLaunchTemplate',
        'ec2:RequestSpotFleet', 'ec2:CancelSpotFleetRequests', 'ec2:ModifySpotFleetRequest', 'ec2:TerminateInstances', 'ec2:RunInstances',
        'autoscaling:DescribeAccountLimits', 'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeAutoScalingInstances', 'autoscaling:CreateLaunchConfiguration', 'autoscaling:CreateAutoScalingGroup',
        'autoscaling:UpdateAutoScalingGroup', 'autoscaling:SetDesiredCapacity', 'autoscaling:DeleteLaunchConfiguration',
        'autoscaling:DeleteAutoScalingGroup', 'autoscaling:CreateOrUpdateTags', 'autoscaling:SuspendProcesses', 'autoscaling:PutNotificationConfiguration',
        'autoscaling:TerminateInstanceInAutoScalingGroup', 'ecs:DescribeClusters', 'ecs:DescribeContainerInstances', 'ecs:DescribeTaskDefinition',
        'ecs:DescribeTasks', 'ecs:ListAccountSettings', 'ecs:ListClusters', 'ecs:ListContainerInstances', 'ecs:ListTaskDefinitionFamilies',
        'ecs:ListTaskDefinitions', 'ecs:ListTasks', 'ecs:CreateCluster', 'ecs:DeleteCluster', 'ecs:RegisterTaskDefinition',
        'ecs:DeregisterTaskDefinition', 'ecs:RunTask', 'ecs:StartTask', 'ecs:StopTask', 'ecs:UpdateContainerAgent',
        'ecs:DeregisterContainerInstance', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups',
        'iam:GetInstanceProfile', 'iam:GetRole',
      ]),
      allow('ecs:TagResource', 'arn:aws:ecs:*:*:task/*_Batch_*'),
      allow('iam:PassRole', '*', { Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn', 'ecs-tasks.amazonaws.com'] } } }),
      allow('iam:CreateServiceLinkedRole', '*', { Condition: { StringEquals: { 'iam:AWSServiceName': ['spot.amazonaws.com', 'spotfleet.amazonaws.com', 'autoscaling.amazonaws.com', 'ecs.amazonaws.com'] } } }),
      allow(['ec2:CreateTags'], '*', { Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } } }),
    ],
  },
  // Policies of service-linked roles (aws-service-role/), abridged.
  { name: 'AutoScalingServiceRolePolicy', path: '/aws-service-role/', description: 'Enables access to AWS Services and Resources used or managed by Auto Scaling', statements: [allow(['ec2:*', 'elasticloadbalancing:Describe*', 'elasticloadbalancing:Register*', 'elasticloadbalancing:Deregister*', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'sns:Publish', 'sqs:SendMessage', 'iam:PassRole'])] },
  { name: 'AmazonECSServiceRolePolicy', path: '/aws-service-role/', description: 'Policy to enable Amazon ECS to manage your cluster.', statements: [allow(['ec2:AttachNetworkInterface', 'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission', 'ec2:Describe*', 'ec2:DetachNetworkInterface', 'elasticloadbalancing:Describe*', 'elasticloadbalancing:Register*', 'elasticloadbalancing:Deregister*', 'autoscaling:Describe*', 'autoscaling:UpdateAutoScalingGroup', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams'])] },
  { name: 'AWSElasticLoadBalancingServiceRolePolicy', path: '/aws-service-role/', description: 'Service Linked Role Policy for AWS Elastic Load Balancing Control Plane', statements: [allow(['ec2:DescribeAddresses', 'ec2:DescribeInstances', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs', 'ec2:DescribeInternetGateways', 'ec2:DescribeAccountAttributes', 'ec2:DescribeClassicLinkInstances', 'ec2:DescribeVpcClassicLink', 'ec2:CreateSecurityGroup', 'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:AssociateAddress', 'ec2:DisassociateAddress', 'ec2:AttachNetworkInterface', 'ec2:DetachNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:AssignIpv6Addresses', 'ec2:UnassignIpv6Addresses', 'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries'])] },
  { name: 'BatchServiceRolePolicy', path: '/aws-service-role/', description: 'Policy to enable AWS Batch to manage resources on your behalf.', statements: [allow(['ec2:Describe*', 'ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:CreateLaunchTemplate', 'ec2:DeleteLaunchTemplate', 'ec2:CreateTags', 'autoscaling:*', 'ecs:*', 'iam:GetInstanceProfile', 'iam:GetRole', 'iam:PassRole', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogGroups'])] },
  { name: 'AWSEC2SpotServiceRolePolicy', path: '/aws-service-role/', description: 'Allows EC2 Spot to launch and manage spot instances', statements: [allow(['ec2:DescribeInstances', 'ec2:StartInstances', 'ec2:StopInstances', 'ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole'])] },
  { name: 'AWSEC2SpotFleetServiceRolePolicy', path: '/aws-service-role/', description: 'Allow EC2 Spot Fleet to request and terminate Spot Instances on your behalf.', statements: [allow(['ec2:DescribeImages', 'ec2:DescribeSubnets', 'ec2:RequestSpotInstances', 'ec2:DescribeInstanceStatus', 'ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:CreateTags', 'iam:PassRole', 'elasticloadbalancing:RegisterInstancesWithLoadBalancer', 'elasticloadbalancing:RegisterTargets'])] },
  { name: 'AWSEC2FleetServiceRolePolicy', path: '/aws-service-role/', description: 'Allows EC2 Fleet to launch and manage instances.', statements: [allow(['ec2:DescribeImages', 'ec2:DescribeSubnets', 'ec2:RequestSpotInstances', 'ec2:DescribeInstanceStatus', 'ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:CreateTags', 'iam:PassRole'])] },
  { name: 'AWSApplicationAutoscalingECSServicePolicy', path: '/aws-service-role/', description: 'Policy granting permissions to Application Auto Scaling to access ECS and CloudWatch.', statements: [allow(['ecs:DescribeServices', 'ecs:UpdateService', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData', 'cloudwatch:DeleteAlarms'])] },
  { name: 'AWSApplicationAutoscalingDynamoDBTablePolicy', path: '/aws-service-role/', description: 'Policy granting permissions to Application Auto Scaling to access DynamoDB and CloudWatch.', statements: [allow(['dynamodb:DescribeTable', 'dynamodb:UpdateTable', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricStatistics', 'cloudwatch:SetAlarmState', 'cloudwatch:DeleteAlarms'])] },
  { name: 'AWSApplicationAutoscalingLambdaConcurrencyPolicy', path: '/aws-service-role/', description: 'Policy granting permissions to Application Auto Scaling to access Lambda and CloudWatch.', statements: [allow(['lambda:PutProvisionedConcurrencyConfig', 'lambda:GetProvisionedConcurrencyConfig', 'lambda:DeleteProvisionedConcurrencyConfig', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'])] },
  { name: 'APIGatewayServiceRolePolicy', path: '/aws-service-role/', description: 'Permissions used by API Gateway to access your resources.', statements: [allow(['elasticloadbalancing:AddListenerCertificates', 'elasticloadbalancing:RemoveListenerCertificates', 'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeLoadBalancers', 'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:CreateTags'])] },
  { name: 'CloudTrailServiceRolePolicy', path: '/aws-service-role/', description: 'Enables AWS CloudTrail to access AWS resources used by CloudTrail.', statements: [allow(['cloudtrail:*', 'organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:ListAccounts', 'organizations:ListAWSServiceAccessForOrganization'])] },
  { name: 'AmazonSSMServiceRolePolicy', path: '/aws-service-role/', description: 'Provides access to AWS Resources managed or used by Amazon SSM.', statements: [allow(['ssm:CancelCommand', 'ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:ListCommands', 'ssm:SendCommand', 'ssm:GetAutomationExecution', 'ssm:GetParameters', 'ssm:StartAutomationExecution', 'ec2:DescribeInstanceAttribute', 'ec2:DescribeInstanceStatus', 'ec2:DescribeInstances', 'lambda:InvokeFunction', 'states:DescribeExecution', 'states:StartExecution'])] },
  { name: 'AmazonEKSServiceRolePolicy', path: '/aws-service-role/', description: 'Permissions required by Amazon EKS to manage resources on your behalf.', statements: [allow(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DetachNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute', 'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs', 'ec2:CreateNetworkInterfacePermission', 'iam:ListAttachedRolePolicies', 'ec2:CreateSecurityGroup'])] },
  { name: 'AmazonRDSServiceRolePolicy', path: '/aws-service-role/', description: 'Allows Amazon RDS to manage AWS resources on your behalf', statements: [allow(['ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateNetworkInterface', 'ec2:CreateSecurityGroup', 'ec2:DeleteNetworkInterface', 'ec2:DeleteSecurityGroup', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInternetGateways', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcAttribute', 'ec2:DescribeVpcs', 'ec2:ModifyNetworkInterfaceAttribute', 'ec2:RevokeSecurityGroupIngress'])] },
];

const CREATED = '2015-02-06T18:39:46Z';
const UPDATED = '2023-01-01T00:00:00Z';

function policyId(name: string): string {
  // stable across restarts and accounts, as AWS's are: ANPA + 17 characters derived from the name
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(name).digest();
  let s = 'ANPA';
  for (let i = 0; i < 17; i++) s += alphabet[digest[i]! & 31];
  return s;
}

function build(e: Entry): ManagedPolicyRecord {
  const version = e.version ?? 'v1';
  const doc: Doc = { Version: '2012-10-17', Statement: e.statements };
  return {
    PolicyName: e.name,
    PolicyId: policyId(e.name),
    Arn: `arn:aws:iam::aws:policy${e.path}${e.name}`,
    Path: e.path,
    Description: e.description,
    CreateDate: CREATED,
    UpdateDate: version === 'v1' ? CREATED : UPDATED,
    DefaultVersionId: version,
    Versions: [{ VersionId: version, Document: JSON.stringify(doc, null, 4), CreateDate: version === 'v1' ? CREATED : UPDATED }],
    NextVersion: Number(version.slice(1)) + 1,
    Tags: {},
  };
}

const byArn = new Map<string, ManagedPolicyRecord>();
for (const e of ENTRIES) {
  const p = build(e);
  byArn.set(p.Arn, p);
}

/** An AWS managed policy by ARN (a fresh copy the caller may not mutate into the catalog). */
export function awsManagedPolicy(arn: string): ManagedPolicyRecord | undefined {
  const p = byArn.get(arn);
  return p && structuredClone(p);
}

export function awsManagedPolicies(): ManagedPolicyRecord[] {
  return [...byArn.values()].map((p) => structuredClone(p));
}
