// Scaling plans over a tagged Auto Scaling group, through the AWS CLI: the plan goes CreationInProgress →
// Active, its target tracking policy and TargetTracking alarms appear on the group (and an external policy
// goes with ReplaceExternalPolicies), an update changes the policy in place, deleting the plan deletes the
// policy and its alarms; resources Cumulus cannot configure make the plan ActiveWithProblems or CreationFailed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  DescribePoliciesCommand,
  PutScalingPolicyCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { describePlan, plansCli, plansPy, settled } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;
let cw: CloudWatchClient;

const instruction = (group: string, target: number, extra: Record<string, unknown> = {}) => ({
  ServiceNamespace: 'autoscaling',
  ResourceId: `autoScalingGroup/${group}`,
  ScalableDimension: 'autoscaling:autoScalingGroup:DesiredCapacity',
  MinCapacity: 0,
  MaxCapacity: 3,
  TargetTrackingConfigurations: [{ PredefinedScalingMetricSpecification: { PredefinedScalingMetricType: 'ASGAverageCPUUtilization' }, TargetValue: target, EstimatedInstanceWarmup: 120 }],
  ...extra,
});

const create = (name: string, body: Record<string, unknown>) => plansCli(c, ['create-scaling-plan', '--scaling-plan-name', name, '--cli-input-json', JSON.stringify(body)]);
const policiesOf = async (group: string) => (await asg.send(new DescribePoliciesCommand({ AutoScalingGroupName: group }))).ScalingPolicies ?? [];
const alarmsOf = async (group: string) => (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `TargetTracking-${group}-` }))).MetricAlarms ?? [];

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c));
  cw = new CloudWatchClient(clientConfig(c));
  const images = await new EC2Client(clientConfig(c)).send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: images.Images![0]!.ImageId!, InstanceType: 't2.micro' }));
  for (const name of ['web', 'other']) {
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchConfigurationName: 'lc',
        MinSize: 0,
        MaxSize: 1,
        AvailabilityZones: ['us-east-1a'],
        Tags: [{ Key: 'purpose', Value: `app-${name}`, PropagateAtLaunch: true }],
      }),
    );
  }
});
after(() => c.stop());

test('a plan over a tagged group creates its target tracking policy and alarms, replacing external policies', async () => {
  await asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'web', PolicyName: 'external', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 1 }));
  const r = await create('web-plan', {
    ApplicationSource: { TagFilters: [{ Key: 'purpose', Values: ['app-web'] }] },
    ScalingInstructions: [instruction('web', 50, { ScalingPolicyUpdateBehavior: 'ReplaceExternalPolicies' })],
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json, { ScalingPlanVersion: 1 });
  const creating = await describePlan(c, 'web-plan');
  assert.equal(creating?.StatusCode, 'CreationInProgress');

  const plan = await settled(c, 'web-plan');
  assert.equal(plan?.StatusCode, 'Active');
  assert.equal(plan?.StatusMessage, 'Scaling plan has been created and applied to all resources.');
  const i = plan!.ScalingInstructions[0]!;
  assert.equal(i.ScalingPolicyUpdateBehavior, 'ReplaceExternalPolicies');
  assert.equal(i.DisableDynamicScaling, false);

  const res = await plansCli<{ ScalingPlanResources: Record<string, any>[] }>(c, ['describe-scaling-plan-resources', '--scaling-plan-name', 'web-plan', '--scaling-plan-version', '1']);
  assert.equal(res.code, 0, res.stderr);
  const [resource] = res.json.ScalingPlanResources;
  assert.equal(resource!.ScalingStatusCode, 'Active');
  assert.equal(resource!.ScalingStatusMessage, 'Target tracking scaling policies have been applied to the resource.');
  const policyName = resource!.ScalingPolicies[0].PolicyName as string;
  assert.match(policyName, /^AutoScaling-web-[0-9a-f-]{36}$/);

  const policies = await policiesOf('web');
  assert.deepEqual(policies.map((p) => p.PolicyName), [policyName], 'the external policy is replaced');
  const p = policies[0]!;
  assert.equal(p.PolicyType, 'TargetTrackingScaling');
  assert.equal(p.TargetTrackingConfiguration?.TargetValue, 50);
  assert.equal(p.TargetTrackingConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType, 'ASGAverageCPUUtilization');
  assert.equal(p.EstimatedInstanceWarmup, 120);
  const alarms = await alarmsOf('web');
  assert.deepEqual(alarms.map((a) => a.AlarmName).sort(), p.Alarms!.map((a) => a.AlarmName).sort());
  assert.equal(alarms.length, 2);
  for (const a of alarms) assert.deepEqual(a.AlarmActions, [p.PolicyARN]);
  const g = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }))).AutoScalingGroups![0]!;
  assert.deepEqual([g.MinSize, g.MaxSize], [0, 3], 'the group takes the instruction capacities');
});

test('an update changes the policy in place; deleting the plan deletes the policy and its alarms', async () => {
  const before = (await policiesOf('web'))[0]!;
  const u = await plansCli(c, [
    'update-scaling-plan',
    '--scaling-plan-name',
    'web-plan',
    '--scaling-plan-version',
    '1',
    '--scaling-instructions',
    JSON.stringify([instruction('web', 70, { TargetTrackingConfigurations: [{ PredefinedScalingMetricSpecification: { PredefinedScalingMetricType: 'ASGAverageCPUUtilization' }, TargetValue: 70, DisableScaleIn: true }] })]),
  ]);
  assert.equal(u.code, 0, u.stderr);
  assert.equal((await describePlan(c, 'web-plan'))?.StatusCode, 'UpdateInProgress');
  // a second change while the first is in progress is refused
  const again = await plansCli(c, ['update-scaling-plan', '--scaling-plan-name', 'web-plan', '--scaling-plan-version', '1', '--application-source', '{"TagFilters":[{"Key":"purpose","Values":["x"]}]}']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /ConcurrentUpdateException/);
  const plan = await settled(c, 'web-plan');
  assert.equal(plan?.StatusCode, 'Active');
  assert.equal(plan?.StatusMessage, 'Scaling plan has been updated and applied to all resources.');
  const after = await policiesOf('web');
  assert.equal(after.length, 1);
  assert.equal(after[0]!.PolicyName, before.PolicyName);
  assert.equal(after[0]!.PolicyARN, before.PolicyARN);
  assert.equal(after[0]!.TargetTrackingConfiguration?.TargetValue, 70);
  assert.equal(after[0]!.TargetTrackingConfiguration?.DisableScaleIn, true);
  const alarms = await alarmsOf('web');
  assert.equal(alarms.length, 1, 'scale-in disabled: only the high alarm');
  assert.match(alarms[0]!.AlarmName!, /AlarmHigh/);
  assert.equal(alarms[0]!.Threshold, 70);

  const d = await plansCli(c, ['delete-scaling-plan', '--scaling-plan-name', 'web-plan', '--scaling-plan-version', '1']);
  assert.equal(d.code, 0, d.stderr);
  assert.equal((await describePlan(c, 'web-plan'))?.StatusCode, 'DeletionInProgress');
  assert.equal(await settled(c, 'web-plan'), undefined);
  assert.deepEqual(await policiesOf('web'), []);
  assert.deepEqual(await alarmsOf('web'), []);
});

test("the plan's policy scales the group: a customized metric three times the target triples the capacity", async () => {
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'grow', LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: 1, AvailabilityZones: ['us-east-1a'] }));
  const metric = { Namespace: 'App', MetricName: 'Load', Dimensions: [{ Name: 'Service', Value: 'grow' }], Statistic: 'Average' };
  const r = await create('grow-plan', {
    ApplicationSource: { TagFilters: [{ Key: 'purpose', Values: ['app-grow'] }] },
    ScalingInstructions: [instruction('grow', 50, { MinCapacity: 1, MaxCapacity: 4, TargetTrackingConfigurations: [{ CustomizedScalingMetricSpecification: metric, TargetValue: 50 }] })],
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await settled(c, 'grow-plan'))?.StatusCode, 'Active');
  const desired = async () => (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['grow'] }))).AutoScalingGroups![0]!.DesiredCapacity;
  assert.equal(await desired(), 1, 'MinCapacity 1 raises the group');
  for (let m = 0; m < 8 && (await desired()) !== 3; m++) {
    await cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Load', Dimensions: metric.Dimensions, Value: 150, Timestamp: c.runtime.clock.date() }] }));
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 60 }), headers: { 'content-type': 'application/json' } });
  }
  assert.equal(await desired(), 3);
  const del = await plansCli(c, ['delete-scaling-plan', '--scaling-plan-name', 'grow-plan', '--scaling-plan-version', '1']);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(await settled(c, 'grow-plan'), undefined);
  assert.deepEqual(await policiesOf('grow'), []);
});

test('resources Cumulus cannot configure: ActiveWithProblems with a working group, CreationFailed without one (boto3)', async () => {
  const ecs = {
    ServiceNamespace: 'ecs',
    ResourceId: 'service/default/api',
    ScalableDimension: 'ecs:service:DesiredCount',
    MinCapacity: 1,
    MaxCapacity: 4,
    TargetTrackingConfigurations: [{ PredefinedScalingMetricSpecification: { PredefinedScalingMetricType: 'ECSServiceAverageCPUUtilization' }, TargetValue: 60 }],
  };
  const stack = 'arn:aws:cloudformation:us-east-1:000000000000:stack/nothing/5b5e0e10-0000-11ee-0000-000000000000';
  await plansPy(
    c,
    `plans.create_scaling_plan(ScalingPlanName='mixed', ApplicationSource={'TagFilters': [{'Key': 'purpose', 'Values': ['app-other']}]},
    ScalingInstructions=json.loads(${JSON.stringify(JSON.stringify([instruction('other', 40), ecs]))}))
plans.create_scaling_plan(ScalingPlanName='broken', ApplicationSource={'CloudFormationStackARN': '${stack}'},
    ScalingInstructions=json.loads(${JSON.stringify(JSON.stringify([instruction('missing', 50)]))}))
print('{}')`,
  );
  const mixed = await settled(c, 'mixed');
  assert.equal(mixed?.StatusCode, 'ActiveWithProblems');
  assert.match(mixed!.StatusMessage!, /could not be applied to all resources/);
  const broken = await settled(c, 'broken');
  assert.equal(broken?.StatusCode, 'CreationFailed');
  assert.match(broken!.StatusMessage!, /Auto Scaling group missing was not found/);
  assert.equal((await policiesOf('other')).length, 1);

  const seen = await plansPy<{ resources: Record<string, any>[]; page1: string[]; page2: string[]; token: boolean; bySource: string[] }>(
    c,
    `res = plans.describe_scaling_plan_resources(ScalingPlanName='mixed', ScalingPlanVersion=1)['ScalingPlanResources']
p1 = plans.describe_scaling_plans(MaxResults=1)
p2 = plans.describe_scaling_plans(MaxResults=1, NextToken=p1['NextToken'])
src = plans.describe_scaling_plans(ApplicationSources=[{'CloudFormationStackARN': '${stack}'}])
print(json.dumps({'resources': res, 'page1': [p['ScalingPlanName'] for p in p1['ScalingPlans']], 'page2': [p['ScalingPlanName'] for p in p2['ScalingPlans']],
                  'token': 'NextToken' in p1, 'bySource': [p['ScalingPlanName'] for p in src['ScalingPlans']]}))`,
  );
  const byNs = Object.fromEntries(seen.resources.map((r) => [r.ServiceNamespace, r]));
  assert.equal(byNs.autoscaling.ScalingStatusCode, 'Active');
  assert.equal(byNs.ecs.ScalingStatusCode, 'Inactive');
  assert.match(byNs.ecs.ScalingStatusMessage, /service\/default\/api/);
  assert.ok(seen.token);
  assert.deepEqual([seen.page1, seen.page2], [['broken'], ['mixed']]);
  assert.deepEqual(seen.bySource, ['broken']);

  await plansPy(c, `for n in ['mixed', 'broken']:\n    plans.delete_scaling_plan(ScalingPlanName=n, ScalingPlanVersion=1)\nprint('{}')`);
  assert.equal(await settled(c, 'mixed'), undefined);
  assert.equal(await settled(c, 'broken'), undefined);
  assert.deepEqual(await policiesOf('other'), []);
});

test('bad input gets AWS errors (boto3)', async () => {
  const source = { TagFilters: [{ Key: 'purpose', Values: ['app-web'] }] };
  const plan = (instr: Record<string, unknown>, src: Record<string, unknown> = source) => ({ ScalingPlanName: 'bad', ApplicationSource: src, ScalingInstructions: [instr] });
  const calls: [string, string, Record<string, unknown>][] = [
    ['unknown plan', 'delete_scaling_plan', { ScalingPlanName: 'nope', ScalingPlanVersion: 1 }],
    ['update unknown', 'update_scaling_plan', { ScalingPlanName: 'nope', ScalingPlanVersion: 1 }],
    ['resources unknown', 'describe_scaling_plan_resources', { ScalingPlanName: 'nope', ScalingPlanVersion: 1 }],
    ['version alone', 'describe_scaling_plans', { ScalingPlanVersion: 1 }],
    ['min > max', 'create_scaling_plan', plan(instruction('web', 50, { MinCapacity: 5, MaxCapacity: 2 }))],
    ['dimension', 'create_scaling_plan', plan(instruction('web', 50, { ScalableDimension: 'ecs:service:DesiredCount' }))],
    ['resource id', 'create_scaling_plan', plan(instruction('web', 50, { ResourceId: 'web' }))],
    [
      'metric',
      'create_scaling_plan',
      plan(instruction('web', 50, { TargetTrackingConfigurations: [{ PredefinedScalingMetricSpecification: { PredefinedScalingMetricType: 'DynamoDBReadCapacityUtilization' }, TargetValue: 50 }] })),
    ],
    ['no load metric', 'create_scaling_plan', plan(instruction('web', 50, { PredictiveScalingMode: 'ForecastOnly' }))],
    ['two sources', 'create_scaling_plan', plan(instruction('web', 50), { CloudFormationStackARN: 'arn:aws:cloudformation:us-east-1:000000000000:stack/a/b', ...source })],
    ['bad name', 'create_scaling_plan', { ...plan(instruction('web', 50)), ScalingPlanName: 'a/b' }],
    ['good', 'create_scaling_plan', { ...plan(instruction('web', 50)), ScalingPlanName: 'dup' }],
    ['same name', 'create_scaling_plan', { ...plan(instruction('web', 50), { TagFilters: [{ Key: 'k', Values: ['v'] }] }), ScalingPlanName: 'dup' }],
    ['same source', 'create_scaling_plan', { ...plan(instruction('web', 50)), ScalingPlanName: 'dup2' }],
    ['version 2', 'delete_scaling_plan', { ScalingPlanName: 'dup', ScalingPlanVersion: 2 }],
    ['in progress', 'delete_scaling_plan', { ScalingPlanName: 'dup', ScalingPlanVersion: 1 }],
  ];
  const out = await plansPy<Record<string, [string, string]>>(
    c,
    `out = {}
for label, op, args in json.loads(${JSON.stringify(JSON.stringify(calls))}):
    try:
        getattr(plans, op)(**args)
        out[label] = ['ok', '']
    except plans.exceptions.ClientError as e:
        out[label] = [e.response['Error']['Code'], e.response['Error']['Message']]
print(json.dumps(out))`,
  );
  const expect: Record<string, [string, RegExp]> = {
    'unknown plan': ['ObjectNotFoundException', /Scaling plan with name nope and version 1 does not exist/],
    'update unknown': ['ObjectNotFoundException', /nope/],
    'resources unknown': ['ValidationException', /nope/],
    'version alone': ['ValidationException', /ScalingPlanNames/],
    'min > max': ['ValidationException', /MinCapacity 5 must be less than or equal to MaxCapacity 2/],
    dimension: ['ValidationException', /not valid for service namespace autoscaling/],
    'resource id': ['ValidationException', /Invalid ResourceId web/],
    metric: ['ValidationException', /DynamoDBReadCapacityUtilization is not supported/],
    'no load metric': ['ValidationException', /requires a load metric/],
    'two sources': ['ValidationException', /either a CloudFormationStackARN or TagFilters/],
    'bad name': ['ValidationException', /scalingPlanName/],
    good: ['ok', /^$/],
    'same name': ['ValidationException', /already exists/],
    'same source': ['ValidationException', /one scaling plan per application source/],
    'version 2': ['ValidationException', /the only valid value is 1/],
    'in progress': ['ConcurrentUpdateException', /CreationInProgress/],
  };
  for (const [label, [code, message]] of Object.entries(expect)) {
    assert.equal(out[label]?.[0], code, `${label}: ${JSON.stringify(out[label])}`);
    assert.match(out[label]![1], message, label);
  }
  assert.equal((await settled(c, 'dup'))?.StatusCode, 'Active');
});
