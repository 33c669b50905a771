// Application Auto Scaling target tracking: the policy's own TargetTracking-…-AlarmHigh/AlarmLow alarms,
// Lambda provisioned concurrency really set through Lambda (scale out on a high metric, back in after 15 low
// minutes), predefined metrics per namespace, and the alarms deleted with the policy and the target.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateAliasCommand, CreateFunctionCommand, GetProvisionedConcurrencyConfigCommand, LambdaClient, PublishVersionCommand } from '@aws-sdk/client-lambda';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance } from '../ec2/instances-helpers.js';
import { createRole, HANDLER_ZIP } from '../lambda-control/helpers.js';

let c: Cumulus;
let aas: ApplicationAutoScalingClient;
let cw: CloudWatchClient;
let lambda: LambdaClient;
const DIM = 'lambda:function:ProvisionedConcurrency' as const;

before(async () => {
  c = await startTestCumulus();
  aas = new ApplicationAutoScalingClient(clientConfig(c));
  cw = new CloudWatchClient(clientConfig(c));
  lambda = new LambdaClient(clientConfig(c));
  const role = await createRole(c, 'r');
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'api', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role, Code: { ZipFile: HANDLER_ZIP() } }));
  await advance(c, 1);
  await lambda.send(new PublishVersionCommand({ FunctionName: 'api' }));
  await lambda.send(new CreateAliasCommand({ FunctionName: 'api', Name: 'live', FunctionVersion: '1' }));
});
after(() => c.stop());

const alarmsOf = async (prefix: string) => (await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }))).MetricAlarms ?? [];

test('a customized metric scales Lambda provisioned concurrency out and back in, through Lambda', async () => {
  await aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: 'lambda', ResourceId: 'function:api:live', ScalableDimension: DIM, MinCapacity: 1, MaxCapacity: 10 }));
  const put = await aas.send(
    new PutScalingPolicyCommand({
      ServiceNamespace: 'lambda',
      ResourceId: 'function:api:live',
      ScalableDimension: DIM,
      PolicyName: 'busy',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 0.5,
        CustomizedMetricSpecification: { Namespace: 'App', MetricName: 'Busy', Statistic: 'Average' },
        // one scale-out per test: the fake metric stays high until the test lowers it
        ScaleOutCooldown: 900,
      },
    }),
  );
  assert.equal(put.Alarms!.length, 2);
  const alarms = await alarmsOf('TargetTracking-function:api:live-');
  assert.deepEqual(alarms.map((a) => a.AlarmName!.replace(/[0-9a-f-]{36}$/, 'ID')).sort(), ['TargetTracking-function:api:live-AlarmHigh-ID', 'TargetTracking-function:api:live-AlarmLow-ID']);
  for (const a of alarms) {
    assert.equal(a.AlarmDescription, `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${put.PolicyARN}.`);
    assert.deepEqual(a.AlarmActions, [put.PolicyARN]);
  }
  const policy = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'lambda' }))).ScalingPolicies![0]!;
  assert.equal(policy.TargetTrackingScalingPolicyConfiguration?.TargetValue, 0.5);
  assert.equal(policy.Alarms!.length, 2);

  const busy = (v: number) => cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: [{ MetricName: 'Busy', Value: v, Timestamp: c.runtime.clock.date() }] }));
  const provisioned = async () => {
    try {
      return (await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'api', Qualifier: 'live' }))).RequestedProvisionedConcurrentExecutions;
    } catch {
      return undefined;
    }
  };
  const minutesUntil = async (value: number, want: number, max: number) => {
    for (let m = 0; m < max && (await provisioned()) !== want; m++) {
      await busy(value);
      await advance(c, 60);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await provisioned(), want);
  };
  // fully busy against a target of half: twice the capacity (1 → 2)
  await minutesUntil(1, 2, 8);
  // idle for 15 minutes: back to the minimum
  await minutesUntil(0.1, 1, 20);
  const acts = (await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'lambda' }))).ScalingActivities!;
  assert.deepEqual(
    acts.map((a) => [a.Description, a.StatusCode]),
    [
      ['Setting provisioned concurrency to 1.', 'Successful'],
      ['Setting provisioned concurrency to 2.', 'Successful'],
    ],
  );
  assert.match(acts[1]!.Cause!, /^monitor alarm TargetTracking-function:api:live-AlarmHigh-[0-9a-f-]{36} in state ALARM triggered policy busy$/);

  await aas.send(new DeleteScalingPolicyCommand({ ServiceNamespace: 'lambda', ResourceId: 'function:api:live', ScalableDimension: DIM, PolicyName: 'busy' }));
  assert.deepEqual(await alarmsOf('TargetTracking-'), []);
});

test('predefined metrics per namespace; DisableScaleIn; the alarms go with the target', async () => {
  await aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/prod/web', ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: 1, MaxCapacity: 4 }));
  const ecs = (name: string, config: object) =>
    aas.send(
      new PutScalingPolicyCommand({
        ServiceNamespace: 'ecs',
        ResourceId: 'service/prod/web',
        ScalableDimension: 'ecs:service:DesiredCount',
        PolicyName: name,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: config as never,
      }),
    );
  const cpu = await ecs('cpu', { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, DisableScaleIn: true });
  assert.equal(cpu.Alarms!.length, 1);
  const high = (await alarmsOf('TargetTracking-service/prod/web-AlarmHigh-'))[0]!;
  assert.deepEqual([high.Namespace, high.MetricName, high.Statistic, high.Threshold, high.EvaluationPeriods], ['AWS/ECS', 'CPUUtilization', 'Average', 60, 3]);
  assert.deepEqual(high.Dimensions, [
    { Name: 'ClusterName', Value: 'prod' },
    { Name: 'ServiceName', Value: 'web' },
  ]);
  await assert.rejects(ecs('alb', { TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' } }), /ResourceLabel is required/);
  await assert.rejects(ecs('fn', { TargetValue: 0.7, PredefinedMetricSpecification: { PredefinedMetricType: 'LambdaProvisionedConcurrencyUtilization' } }), /Unsupported metric type/);
  await assert.rejects(ecs('none', { TargetValue: 1 }), /Exactly one of PredefinedMetricSpecification or CustomizedMetricSpecification/);

  await aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'ecs', ResourceId: 'service/prod/web', ScalableDimension: 'ecs:service:DesiredCount' }));
  assert.deepEqual(await alarmsOf('TargetTracking-service/prod/web-'), []);
});
