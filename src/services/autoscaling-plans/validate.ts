// What a scaling plan's request must satisfy beyond the model: an application source, scaling instructions
// whose namespace, dimension, resource id and metrics belong together, capacities in order, and predictive
// scaling (a load metric) only for Auto Scaling groups. AWS answers ValidationException for each.
import type { ApplicationSource, ScalingInstruction, TargetTrackingConfiguration } from '../../generated/autoscaling-plans.js';
import { AwsError } from '../../protocol/errors.js';
import { resourceKey } from './store.js';

export const validation = (m: string) => new AwsError('ValidationException', m);

// namespace → its dimensions, the resource id they take, and the scaling metrics that fit them
const NAMESPACES: Record<string, { dims: string[]; id: RegExp; idForm: string; metrics: (dim: string) => string[] }> = {
  autoscaling: {
    dims: ['autoscaling:autoScalingGroup:DesiredCapacity'],
    id: /^autoScalingGroup\/[^/]+$/,
    idForm: 'autoScalingGroup/<group-name>',
    metrics: () => ['ASGAverageCPUUtilization', 'ASGAverageNetworkIn', 'ASGAverageNetworkOut', 'ALBRequestCountPerTarget'],
  },
  ecs: {
    dims: ['ecs:service:DesiredCount'],
    id: /^service\/[^/]+\/[^/]+$/,
    idForm: 'service/<cluster-name>/<service-name>',
    metrics: () => ['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization', 'ALBRequestCountPerTarget'],
  },
  ec2: {
    dims: ['ec2:spot-fleet-request:TargetCapacity'],
    id: /^spot-fleet-request\/sfr-[0-9a-f-]+$/,
    idForm: 'spot-fleet-request/<spot-fleet-request-id>',
    metrics: () => ['EC2SpotFleetRequestAverageCPUUtilization', 'EC2SpotFleetRequestAverageNetworkIn', 'EC2SpotFleetRequestAverageNetworkOut', 'ALBRequestCountPerTarget'],
  },
  rds: {
    dims: ['rds:cluster:ReadReplicaCount'],
    id: /^cluster:[^/]+$/,
    idForm: 'cluster:<cluster-name>',
    metrics: () => ['RDSReaderAverageCPUUtilization', 'RDSReaderAverageDatabaseConnections'],
  },
  dynamodb: {
    dims: ['dynamodb:table:ReadCapacityUnits', 'dynamodb:table:WriteCapacityUnits', 'dynamodb:index:ReadCapacityUnits', 'dynamodb:index:WriteCapacityUnits'],
    id: /^table\/[^/]+(\/index\/[^/]+)?$/,
    idForm: 'table/<table-name> or table/<table-name>/index/<index-name>',
    metrics: (dim) => (dim.endsWith('ReadCapacityUnits') ? ['DynamoDBReadCapacityUtilization'] : ['DynamoDBWriteCapacityUtilization']),
  },
};

// app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>
export const ALB_LABEL = /^app\/[^/]+\/[^/]+\/targetgroup\/[^/]+\/[^/]+$/;

export function checkApplicationSource(s: ApplicationSource): void {
  const hasStack = s.CloudFormationStackARN !== undefined;
  const hasTags = s.TagFilters !== undefined;
  if (hasStack === hasTags) throw validation('An application source must specify either a CloudFormationStackARN or TagFilters, but not both.');
  if (hasStack && !/^arn:aws[\w-]*:cloudformation:[a-z0-9-]+:\d{12}:stack\/[^/]+\/.+$/.test(s.CloudFormationStackARN!)) {
    throw validation(`Invalid CloudFormationStackARN: ${s.CloudFormationStackARN}`);
  }
  if (hasTags) {
    if (!s.TagFilters!.length) throw validation('TagFilters must contain at least one tag filter.');
    for (const f of s.TagFilters!) if (!f.Key) throw validation('Each tag filter must specify a Key.');
  }
}

function checkTracking(i: ScalingInstruction, c: TargetTrackingConfiguration): void {
  const pre = c.PredefinedScalingMetricSpecification;
  if (!!pre === !!c.CustomizedScalingMetricSpecification) {
    throw validation('Exactly one of PredefinedScalingMetricSpecification or CustomizedScalingMetricSpecification must be specified for a target tracking configuration.');
  }
  if (!Number.isFinite(c.TargetValue)) throw validation('TargetValue must be a number.');
  if (pre) {
    const allowed = NAMESPACES[i.ServiceNamespace]!.metrics(i.ScalableDimension);
    if (!allowed.includes(pre.PredefinedScalingMetricType)) {
      throw validation(`Predefined scaling metric type ${pre.PredefinedScalingMetricType} is not supported for resource ${i.ResourceId} (scalable dimension ${i.ScalableDimension}).`);
    }
    if (pre.PredefinedScalingMetricType === 'ALBRequestCountPerTarget') {
      if (!pre.ResourceLabel) throw validation('ResourceLabel is required for predefined scaling metric type ALBRequestCountPerTarget.');
      if (!ALB_LABEL.test(pre.ResourceLabel)) throw validation(`Invalid ResourceLabel ${pre.ResourceLabel}.`);
    } else if (pre.ResourceLabel !== undefined) {
      throw validation(`ResourceLabel is only supported for predefined scaling metric type ALBRequestCountPerTarget.`);
    }
  }
  for (const k of ['ScaleOutCooldown', 'ScaleInCooldown', 'EstimatedInstanceWarmup'] as const) {
    if (c[k] !== undefined && c[k]! < 0) throw validation(`${k} must be greater than or equal to 0.`);
  }
}

function checkPredictive(i: ScalingInstruction): void {
  const pre = i.PredefinedLoadMetricSpecification;
  const cu = i.CustomizedLoadMetricSpecification;
  const predictive = !!pre || !!cu;
  if (!predictive) {
    for (const k of ['PredictiveScalingMode', 'PredictiveScalingMaxCapacityBehavior', 'PredictiveScalingMaxCapacityBuffer', 'ScheduledActionBufferTime'] as const) {
      if (i[k] !== undefined) throw validation(`${k} requires a load metric (PredefinedLoadMetricSpecification or CustomizedLoadMetricSpecification).`);
    }
    return;
  }
  if (i.ServiceNamespace !== 'autoscaling') throw validation(`Predictive scaling is only supported for Auto Scaling groups, not for resource ${i.ResourceId}.`);
  if (pre && cu) throw validation('Only one of PredefinedLoadMetricSpecification or CustomizedLoadMetricSpecification can be specified.');
  if (pre?.PredefinedLoadMetricType === 'ALBTargetGroupRequestCount') {
    if (!pre.ResourceLabel) throw validation('ResourceLabel is required for predefined load metric type ALBTargetGroupRequestCount.');
    if (!ALB_LABEL.test(pre.ResourceLabel)) throw validation(`Invalid ResourceLabel ${pre.ResourceLabel}.`);
  } else if (pre?.ResourceLabel !== undefined) {
    throw validation('ResourceLabel is only supported for predefined load metric type ALBTargetGroupRequestCount.');
  }
  if (cu && cu.Statistic !== 'Sum') throw validation('The only valid statistic for a customized load metric is Sum.');
  const behavior = i.PredictiveScalingMaxCapacityBehavior ?? 'SetForecastCapacityToMaxCapacity';
  if (i.PredictiveScalingMaxCapacityBuffer !== undefined) {
    if (behavior !== 'SetMaxCapacityAboveForecastCapacity') {
      throw validation('PredictiveScalingMaxCapacityBuffer is only supported with PredictiveScalingMaxCapacityBehavior SetMaxCapacityAboveForecastCapacity.');
    }
    if (i.PredictiveScalingMaxCapacityBuffer < 1 || i.PredictiveScalingMaxCapacityBuffer > 100) throw validation('PredictiveScalingMaxCapacityBuffer must be between 1 and 100.');
  } else if (behavior === 'SetMaxCapacityAboveForecastCapacity') {
    throw validation('PredictiveScalingMaxCapacityBuffer is required with PredictiveScalingMaxCapacityBehavior SetMaxCapacityAboveForecastCapacity.');
  }
  if (i.ScheduledActionBufferTime !== undefined && i.ScheduledActionBufferTime > 3600) throw validation('ScheduledActionBufferTime must be at most 3600 seconds.');
}

export function checkInstructions(list: ScalingInstruction[]): void {
  if (!list.length) throw validation('At least one scaling instruction is required.');
  const seen = new Set<string>();
  for (const i of list) {
    const ns = NAMESPACES[i.ServiceNamespace];
    if (!ns) throw validation(`Unsupported service namespace ${i.ServiceNamespace}.`);
    if (!ns.dims.includes(i.ScalableDimension)) throw validation(`Scalable dimension ${i.ScalableDimension} is not valid for service namespace ${i.ServiceNamespace}.`);
    if (!ns.id.test(i.ResourceId)) throw validation(`Invalid ResourceId ${i.ResourceId} for service namespace ${i.ServiceNamespace}: use ${ns.idForm}.`);
    const index = /\/index\//.test(i.ResourceId);
    if (i.ServiceNamespace === 'dynamodb' && index !== i.ScalableDimension.startsWith('dynamodb:index:')) {
      throw validation(`Scalable dimension ${i.ScalableDimension} does not match resource ${i.ResourceId}.`);
    }
    const key = resourceKey(i);
    if (seen.has(key)) throw validation(`Duplicate scaling instruction for resource ${i.ResourceId} and scalable dimension ${i.ScalableDimension}.`);
    seen.add(key);
    if (i.MinCapacity < 0 || i.MaxCapacity < 0) throw validation('MinCapacity and MaxCapacity must be greater than or equal to 0.');
    if (i.MinCapacity > i.MaxCapacity) throw validation(`MinCapacity ${i.MinCapacity} must be less than or equal to MaxCapacity ${i.MaxCapacity} for resource ${i.ResourceId}.`);
    if (i.TargetTrackingConfigurations.length > 10) throw validation('A scaling instruction can have at most 10 target tracking configurations.');
    if (!i.TargetTrackingConfigurations.length && !i.DisableDynamicScaling) {
      throw validation(`At least one target tracking configuration is required for resource ${i.ResourceId} unless dynamic scaling is disabled.`);
    }
    for (const c of i.TargetTrackingConfigurations) checkTracking(i, c);
    checkPredictive(i);
  }
}

export function checkVersion(v: number | undefined): void {
  if (v !== undefined && v !== 1) throw validation(`Invalid scaling plan version ${v}: the only valid value is 1.`);
}
