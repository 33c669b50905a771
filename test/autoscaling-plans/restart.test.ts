// A plan still CreationInProgress when Cumulus is killed (with --data-dir) is applied after the restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnCumulus, tempDir } from '../helpers/cumulus.js';
import { plansPy, settled } from './helpers.js';

test('a plan caught in progress by a SIGKILL carries on after the restart', async () => {
  const dir = tempDir('cumulus-plans-');
  const first = await spawnCumulus(['--data-dir', dir]);
  try {
    const created = await plansPy<{ status: string }>(
      first,
      `ec2 = boto3.client('ec2', endpoint_url=endpoint)
asg = boto3.client('autoscaling', endpoint_url=endpoint)
ami = ec2.describe_images(Owners=['amazon'], Filters=[{'Name': 'name', 'Values': ['al2023-ami-*-x86_64']}])['Images'][0]['ImageId']
asg.create_launch_configuration(LaunchConfigurationName='lc', ImageId=ami, InstanceType='t2.micro')
asg.create_auto_scaling_group(AutoScalingGroupName='svc', LaunchConfigurationName='lc', MinSize=0, MaxSize=1, AvailabilityZones=['us-east-1a'])
plans.create_scaling_plan(ScalingPlanName='survivor', ApplicationSource={'TagFilters': [{'Key': 'app', 'Values': ['svc']}]}, ScalingInstructions=[{
    'ServiceNamespace': 'autoscaling', 'ResourceId': 'autoScalingGroup/svc', 'ScalableDimension': 'autoscaling:autoScalingGroup:DesiredCapacity',
    'MinCapacity': 0, 'MaxCapacity': 2,
    'TargetTrackingConfigurations': [{'PredefinedScalingMetricSpecification': {'PredefinedScalingMetricType': 'ASGAverageNetworkIn'}, 'TargetValue': 1000000}]}])
print(json.dumps({'status': plans.describe_scaling_plans(ScalingPlanNames=['survivor'])['ScalingPlans'][0]['StatusCode']}))`,
    );
    assert.equal(created.status, 'CreationInProgress');
  } finally {
    await first.kill('SIGKILL');
  }
  const second = await spawnCumulus(['--data-dir', dir]);
  try {
    const plan = await settled(second, 'survivor');
    assert.equal(plan?.StatusCode, 'Active', plan?.StatusMessage);
    const policies = await plansPy<{ names: string[]; metric: string }>(
      second,
      `asg = boto3.client('autoscaling', endpoint_url=endpoint)
p = asg.describe_policies(AutoScalingGroupName='svc')['ScalingPolicies']
print(json.dumps({'names': [x['PolicyName'] for x in p], 'metric': p[0]['TargetTrackingConfiguration']['PredefinedMetricSpecification']['PredefinedMetricType']}))`,
    );
    assert.equal(policies.names.length, 1);
    assert.match(policies.names[0]!, /^AutoScaling-svc-/);
    assert.equal(policies.metric, 'ASGAverageNetworkIn');
  } finally {
    await second.kill();
  }
});
