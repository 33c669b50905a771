// The resources an event names (LookupEvents' Resources, and its ResourceType/ResourceName attributes),
// derived from the request's parameters where the member names make it plain.
import type { EventResource } from './store.js';

/** Per service: request member → resource type. Lists of strings name one resource each. */
const BY_SERVICE: Record<string, Record<string, string>> = {
  iam: {
    UserName: 'AWS::IAM::User',
    RoleName: 'AWS::IAM::Role',
    GroupName: 'AWS::IAM::Group',
    PolicyArn: 'AWS::IAM::Policy',
    InstanceProfileName: 'AWS::IAM::InstanceProfile',
    AccessKeyId: 'AWS::IAM::AccessKey',
    AWSServiceName: 'AWS::IAM::Role',
    OpenIDConnectProviderArn: 'AWS::IAM::OIDCProvider',
    PolicySourceArn: 'AWS::IAM::Policy',
  },
  sts: { RoleArn: 'AWS::IAM::Role', PrincipalArn: 'AWS::IAM::SAMLProvider' },
  cloudtrail: { Name: 'AWS::CloudTrail::Trail', TrailName: 'AWS::CloudTrail::Trail', ResourceId: 'AWS::CloudTrail::Trail', trailNameList: 'AWS::CloudTrail::Trail' },
  ec2: {
    InstanceId: 'AWS::EC2::Instance',
    InstanceIds: 'AWS::EC2::Instance',
    ImageId: 'AWS::EC2::Ami',
    VpcId: 'AWS::EC2::VPC',
    SubnetId: 'AWS::EC2::Subnet',
    GroupId: 'AWS::EC2::SecurityGroup',
    VolumeId: 'AWS::EC2::Volume',
    KeyName: 'AWS::EC2::KeyPair',
    NetworkInterfaceId: 'AWS::EC2::NetworkInterface',
  },
  lambda: { FunctionName: 'AWS::Lambda::Function', LayerName: 'AWS::Lambda::LayerVersion' },
  logs: { logGroupName: 'AWS::Logs::LogGroup' },
  ecs: { cluster: 'AWS::ECS::Cluster', taskDefinition: 'AWS::ECS::TaskDefinition', service: 'AWS::ECS::Service' },
  ecr: { repositoryName: 'AWS::ECR::Repository' },
  autoscaling: { AutoScalingGroupName: 'AWS::AutoScaling::AutoScalingGroup', LaunchConfigurationName: 'AWS::AutoScaling::LaunchConfiguration' },
  elbv2: { LoadBalancerArn: 'AWS::ElasticLoadBalancingV2::LoadBalancer', TargetGroupArn: 'AWS::ElasticLoadBalancingV2::TargetGroup' },
  cloudwatch: { AlarmName: 'AWS::CloudWatch::Alarm', AlarmNames: 'AWS::CloudWatch::Alarm' },
  sqs: { QueueUrl: 'AWS::SQS::Queue', QueueName: 'AWS::SQS::Queue' },
  sns: { TopicArn: 'AWS::SNS::Topic' },
  dynamodb: { TableName: 'AWS::DynamoDB::Table' },
  kinesis: { StreamName: 'AWS::Kinesis::Stream' },
  events: { Name: 'AWS::Events::Rule', Rule: 'AWS::Events::Rule', EventBusName: 'AWS::Events::EventBus' },
  cloudformation: { StackName: 'AWS::CloudFormation::Stack' },
  batch: { jobQueue: 'AWS::Batch::JobQueue', computeEnvironment: 'AWS::Batch::ComputeEnvironment', jobDefinition: 'AWS::Batch::JobDefinition' },
  apigateway: { restApiId: 'AWS::ApiGateway::RestApi' },
};

export function resourcesOf(service: string, input: unknown, output: unknown): EventResource[] {
  const out: EventResource[] = [];
  const seen = new Set<string>();
  const add = (type: string, name: unknown) => {
    if (typeof name !== 'string' || !name) return;
    const key = `${type}\n${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ResourceType: type, ResourceName: name });
  };
  const map = BY_SERVICE[service];
  if (map && input && typeof input === 'object') {
    for (const [member, type] of Object.entries(map)) {
      const value = (input as Record<string, unknown>)[member];
      if (Array.isArray(value)) value.forEach((v) => add(type, v));
      else add(type, value);
    }
  }
  // instances a RunInstances call started are named in its response, as AWS lists them
  if (service === 'ec2' && output && typeof output === 'object') {
    const instances = (output as { Instances?: { InstanceId?: string }[] }).Instances;
    if (Array.isArray(instances)) instances.forEach((i) => add('AWS::EC2::Instance', i?.InstanceId));
  }
  return out;
}
