// Predictive scaling: three days of hourly load with a daily peak, put into CloudWatch with past timestamps,
// give a 48-hour forecast that shows the peak (load and capacity); ForecastAndScale raises the group's
// capacity ahead of the peak (SchedulingBufferTime), capped by MaxSize or raising it by MaxCapacityBuffer,
// and dynamic scaling does not scale in below the hour's forecast;
// too little history gives no forecast yet; bad input is refused.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, test } from 'node:test';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DeletePolicyCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  ExecutePolicyCommand,
  GetPredictiveScalingForecastCommand,
  PutScalingPolicyCommand,
  type PredictiveScalingConfiguration,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance } from '../ec2/instances-helpers.js';
import { amazonLinux, group, SLEEPER } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

// one connection per call: an hours-long clock advance keeps the server busy while a kept-alive socket idles
const fresh = { requestHandler: { httpAgent: new Agent({ keepAlive: false }) } };

const HOUR = 3_600_000;
let c: Cumulus;
let asg: AutoScalingClient;
let cw: CloudWatchClient;
/** start of the current hour (virtual) when the history was written */
let hour0: number;
/** the daily peak: two hours starting 3 hours after hour0 (every day) */
let peak: number;
const LOW = 1000;
const HIGH = 4000;

const query = (name: string, stat: string) => ({
  MetricDataQueries: [{ Id: stat.toLowerCase(), MetricStat: { Metric: { Namespace: 'App', MetricName: name, Dimensions: [{ Name: 'Service', Value: 'web' }] }, Stat: stat }, ReturnData: true }],
});

const customSpec = (target: number, metric = 'Requests') => ({
  TargetValue: target,
  CustomizedLoadMetricSpecification: query(metric, 'Sum'),
  CustomizedScalingMetricSpecification: query(metric, 'Average'),
});

async function putHistory(metric: string, hours: number, value: (hourStart: number) => number): Promise<void> {
  const data = [];
  for (let k = hours; k >= 1; k--) {
    const t = hour0 - k * HOUR;
    data.push({ MetricName: metric, Dimensions: [{ Name: 'Service', Value: 'web' }], Timestamp: new Date(t), Value: value(t), Unit: 'Count' as const });
  }
  for (let i = 0; i < data.length; i += 500) await cw.send(new PutMetricDataCommand({ Namespace: 'App', MetricData: data.slice(i, i + 500) }));
}

const isPeak = (t: number) => {
  const h = new Date(t).getUTCHours();
  const p = new Date(peak).getUTCHours();
  return h === p || h === (p + 1) % 24;
};

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c, fresh));
  cw = new CloudWatchClient(clientConfig(c, fresh));
  const ami = await amazonLinux(new EC2Client(clientConfig(c)));
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: ami, InstanceType: 't3.micro', UserData: SLEEPER }));
  hour0 = Math.floor(c.runtime.clock.now() / HOUR) * HOUR;
  peak = hour0 + 3 * HOUR;
  // three days of hourly requests: low all day, four times higher for two hours a day
  await putHistory('Requests', 72, (t) => (isPeak(t) ? HIGH : LOW));
  // only ten hours of another metric: not enough to forecast
  await putHistory('Young', 10, () => LOW);
  for (const name of ['fo', 'honor', 'grow', 'young']) {
    await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: name === 'grow' ? 1 : 3, DesiredCapacity: 0, AvailabilityZones: ['us-east-1a'] }));
  }
});
after(() => c.stop());

test('a ForecastOnly policy forecasts 48 hours of load and capacity with the daily peak; DescribePolicies shows it with the defaults', async () => {
  await asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'fo', PolicyName: 'p', PolicyType: 'PredictiveScaling', PredictiveScalingConfiguration: { MetricSpecifications: [customSpec(1000)] } }));
  const d = (await asg.send(new DescribePoliciesCommand({ AutoScalingGroupName: 'fo' }))).ScalingPolicies![0]!;
  assert.equal(d.PolicyType, 'PredictiveScaling');
  assert.match(d.PolicyARN!, /:scalingPolicy:[0-9a-f-]+:autoScalingGroupName\/fo:policyName\/p$/);
  const cfg = d.PredictiveScalingConfiguration!;
  assert.equal(cfg.Mode, 'ForecastOnly');
  assert.equal(cfg.SchedulingBufferTime, 300);
  assert.equal(cfg.MaxCapacityBreachBehavior, 'HonorMaxCapacity');
  assert.equal(cfg.MetricSpecifications![0]!.TargetValue, 1000);
  assert.equal(cfg.MetricSpecifications![0]!.CustomizedLoadMetricSpecification!.MetricDataQueries![0]!.MetricStat!.Stat, 'Sum');

  const f = await asg.send(new GetPredictiveScalingForecastCommand({ AutoScalingGroupName: 'fo', PolicyName: 'p', StartTime: new Date(hour0), EndTime: new Date(hour0 + 72 * HOUR) }));
  const load = f.LoadForecast![0]!;
  assert.equal(load.Timestamps!.length, 48, 'AWS forecasts 48 hours');
  assert.equal(load.Timestamps![0]!.getTime(), hour0);
  assert.ok(load.Timestamps!.every((t, i) => t.getTime() === hour0 + i * HOUR), 'hourly points');
  assert.equal(load.MetricSpecification!.TargetValue, 1000);
  load.Timestamps!.forEach((t, i) => {
    const want = isPeak(t.getTime()) ? HIGH : LOW;
    assert.ok(Math.abs(load.Values![i]! - want) < want * 0.05, `load at ${t.toISOString()}: ${load.Values![i]} (want ~${want})`);
  });
  // capacity = load / target, clamped to the group's max (3)
  const cap = f.CapacityForecast!;
  assert.deepEqual(cap.Timestamps!.map((t) => t.getTime()), load.Timestamps!.map((t) => t.getTime()));
  cap.Timestamps!.forEach((t, i) => assert.equal(cap.Values![i], isPeak(t.getTime()) ? 3 : 1, t.toISOString()));
  assert.ok(Math.abs(f.UpdateTime!.getTime() - c.runtime.clock.now()) < 60_000, `UpdateTime ${f.UpdateTime!.toISOString()}`);

  // a window inside the forecast: only its hours
  const part = await asg.send(new GetPredictiveScalingForecastCommand({ AutoScalingGroupName: 'fo', PolicyName: 'p', StartTime: new Date(peak), EndTime: new Date(peak + 2 * HOUR) }));
  assert.deepEqual(part.CapacityForecast!.Values, [3, 3]);
});

test('less than 24 hours of data: no forecast yet (empty), as AWS answers before its first forecast', async () => {
  await asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'young', PolicyName: 'p', PolicyType: 'PredictiveScaling', PredictiveScalingConfiguration: { MetricSpecifications: [customSpec(1000, 'Young')], Mode: 'ForecastAndScale' } }));
  const now = c.runtime.clock.now();
  const f = await asg.send(new GetPredictiveScalingForecastCommand({ AutoScalingGroupName: 'young', PolicyName: 'p', StartTime: new Date(now - HOUR), EndTime: new Date(now + 48 * HOUR) }));
  assert.deepEqual(f.LoadForecast, []);
  assert.deepEqual(f.CapacityForecast!.Values, []);
  assert.ok(f.UpdateTime instanceof Date);
  await advance(c, 120);
  assert.equal((await group(asg, 'young'))!.DesiredCapacity, 0, 'nothing to scale on');
});

test('an IncreaseMaxCapacity policy through boto3 (checked at the peak below)', async () => {
  const r = await boto3(
    c,
    `
a = boto3.client('autoscaling', endpoint_url=endpoint, region_name='us-east-1')
q = lambda stat: {'MetricDataQueries': [{'Id': 'q', 'MetricStat': {'Metric': {'Namespace': 'App', 'MetricName': 'Requests', 'Dimensions': [{'Name': 'Service', 'Value': 'web'}]}, 'Stat': stat}, 'ReturnData': True}]}
a.put_scaling_policy(AutoScalingGroupName='grow', PolicyName='ps', PolicyType='PredictiveScaling', PredictiveScalingConfiguration={
  'MetricSpecifications': [{'TargetValue': 1000.0, 'CustomizedLoadMetricSpecification': q('Sum'), 'CustomizedScalingMetricSpecification': q('Average')}],
  'Mode': 'ForecastAndScale', 'SchedulingBufferTime': 0, 'MaxCapacityBreachBehavior': 'IncreaseMaxCapacity', 'MaxCapacityBuffer': 50})
p = a.describe_policies(AutoScalingGroupName='grow')['ScalingPolicies'][0]['PredictiveScalingConfiguration']
print(json.dumps([p['MaxCapacityBreachBehavior'], p['MaxCapacityBuffer'], p['SchedulingBufferTime']]))
`,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), ['IncreaseMaxCapacity', 50, 0]);
});

test('ForecastAndScale raises the capacity SchedulingBufferTime before the peak: capped by MaxSize (HonorMaxCapacity), or raising MaxSize by MaxCapacityBuffer (IncreaseMaxCapacity)', async () => {
  // through the CLI, as a user would
  const cfg: PredictiveScalingConfiguration = { MetricSpecifications: [customSpec(1000)], Mode: 'ForecastAndScale', SchedulingBufferTime: 600 };
  const put = await awsCli(c, ['autoscaling', 'put-scaling-policy', '--auto-scaling-group-name', 'honor', '--policy-name', 'ps', '--policy-type', 'PredictiveScaling', '--predictive-scaling-configuration', JSON.stringify(cfg)]);
  assert.equal(put.code, 0, put.stderr);
  assert.match(JSON.parse(put.stdout).PolicyARN, /policyName\/ps$/);
  const now = c.runtime.clock.now();
  const nextPeak = peak + Math.ceil((now - peak) / (24 * HOUR)) * 24 * HOUR;
  // the off-peak hour already needs one instance: raised at once
  await advance(c, 20);
  assert.equal((await group(asg, 'honor'))!.DesiredCapacity, 1);
  // just before the buffer: still one; within it: the peak's capacity (4 wanted, MaxSize 3)
  const before = nextPeak - 600_000 - 60_000 - c.runtime.clock.now();
  await advance(c, Math.floor(before / 1000));
  assert.equal((await group(asg, 'honor'))!.DesiredCapacity, 1);
  await advance(c, 90);
  assert.ok(c.runtime.clock.now() < nextPeak);
  const g = (await group(asg, 'honor'))!;
  assert.equal(g.DesiredCapacity, 3);
  assert.equal(g.MaxSize, 3, 'HonorMaxCapacity keeps the maximum');
  assert.equal(g.MinSize, 0, "the group's own minimum is left as it is");
  const acts = (await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'honor' }))).Activities!;
  assert.ok(
    acts.some((a) => /the predictive scaling policy ps forecast a capacity of 3 for .* changing the desired capacity from 1 to 3\./.test(a.Cause!)),
    JSON.stringify(acts.map((a) => a.Cause)),
  );
  // dynamic scaling cannot scale in below the forecast capacity of the hour
  await asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'honor', PolicyName: 'down', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: -2 }));
  await asg.send(new ExecutePolicyCommand({ AutoScalingGroupName: 'honor', PolicyName: 'down' }));
  assert.equal((await group(asg, 'honor'))!.DesiredCapacity, 3);
  // at the peak (buffer 0): 4 wanted, MaxSize 1 becomes ceil(4 × 1.5) = 6
  assert.equal((await group(asg, 'grow'))!.DesiredCapacity, 1);
  await advance(c, Math.ceil((nextPeak - c.runtime.clock.now()) / 1000) + 20);
  const grow = (await group(asg, 'grow'))!;
  assert.equal(grow.DesiredCapacity, 4);
  assert.equal(grow.MaxSize, 6);
  // predictive scaling never scales in: after the peak the capacity stays; ForecastOnly never scaled
  await advance(c, 2.5 * 3600);
  assert.equal((await group(asg, 'honor'))!.DesiredCapacity, 3);
  assert.equal((await group(asg, 'fo'))!.DesiredCapacity, 0);
  // off-peak the floor is the off-peak forecast (1): dynamic scaling takes the group down to it
  await asg.send(new ExecutePolicyCommand({ AutoScalingGroupName: 'honor', PolicyName: 'down' }));
  assert.equal((await group(asg, 'honor'))!.DesiredCapacity, 1);
});

test('bad input is refused as AWS does', async () => {
  const put = (cfg: Partial<PredictiveScalingConfiguration> | undefined, extra: Record<string, unknown> = {}) =>
    asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'fo', PolicyName: 'bad', PolicyType: 'PredictiveScaling', PredictiveScalingConfiguration: cfg as PredictiveScalingConfiguration, ...extra }));
  const refused = async (p: Promise<unknown>, re: RegExp) => {
    await assert.rejects(p, (e: Error & { name: string }) => {
      assert.equal(e.name, 'ValidationError');
      assert.match(e.message, re);
      return true;
    });
  };
  await refused(put(undefined), /PredictiveScalingConfiguration is required/);
  await refused(put({ MetricSpecifications: [customSpec(1000), customSpec(500)] }), /Only one metric specification/);
  await refused(put({ MetricSpecifications: [{ TargetValue: 50, PredefinedMetricPairSpecification: { PredefinedMetricType: 'ASGCPUUtilization', ResourceLabel: 'x' } }] }), /ResourceLabel is only supported/);
  await refused(put({ MetricSpecifications: [{ TargetValue: 50, PredefinedMetricPairSpecification: { PredefinedMetricType: 'ALBRequestCount' } }] }), /ResourceLabel is required/);
  await refused(put({ MetricSpecifications: [{ TargetValue: 50, PredefinedScalingMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } }] }), /exactly one scaling metric specification/);
  await refused(put({ MetricSpecifications: [{ TargetValue: 0, PredefinedMetricPairSpecification: { PredefinedMetricType: 'ASGCPUUtilization' } }] }), /TargetValue must be greater than 0/);
  await refused(put({ MetricSpecifications: [customSpec(1000)], MaxCapacityBuffer: 10 }), /MaxCapacityBuffer is only supported/);
  await refused(put({ MetricSpecifications: [customSpec(1000)], MaxCapacityBreachBehavior: 'IncreaseMaxCapacity' }), /MaxCapacityBuffer is required/);
  await refused(put({ MetricSpecifications: [customSpec(1000)], SchedulingBufferTime: 3600 }), /SchedulingBufferTime/);
  await refused(put({ MetricSpecifications: [customSpec(1000)] }, { AdjustmentType: 'ChangeInCapacity' }), /AdjustmentType is not supported for policy type PredictiveScaling/);
  const twoReturn = { MetricDataQueries: [...query('Requests', 'Sum').MetricDataQueries, { Id: 'e', Expression: 'sum * 2', ReturnData: true }] };
  await refused(put({ MetricSpecifications: [{ ...customSpec(1000), CustomizedLoadMetricSpecification: twoReturn }] }), /must return data/);
  await refused(
    asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'fo', PolicyName: 'bad', PolicyType: 'SimpleScaling', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 1, PredictiveScalingConfiguration: { MetricSpecifications: [customSpec(1) as never] } })),
    /PredictiveScalingConfiguration is not supported for policy type SimpleScaling/,
  );
  await refused(asg.send(new ExecutePolicyCommand({ AutoScalingGroupName: 'fo', PolicyName: 'p' })), /not supported for policy type PredictiveScaling/);

  const now = c.runtime.clock.now();
  const get = (name: string, start: number, end: number, g = 'fo') => asg.send(new GetPredictiveScalingForecastCommand({ AutoScalingGroupName: g, PolicyName: name, StartTime: new Date(start), EndTime: new Date(end) }));
  await refused(get('p', now, now), /StartTime must be before EndTime/);
  await refused(get('p', now, now + 31 * 24 * HOUR), /30 days/);
  await refused(get('missing', now, now + HOUR), /Policy missing does not exist/);
  await refused(get('p', now, now + HOUR, 'nope'), /AutoScalingGroup nope not found/);
  await asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'fo', PolicyName: 'simple', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 1 }));
  await refused(get('simple', now, now + HOUR), /not a predictive scaling policy/);

  // a deleted policy has no forecast any more
  await asg.send(new DeletePolicyCommand({ AutoScalingGroupName: 'fo', PolicyName: 'p' }));
  await refused(get('p', now, now + HOUR), /Policy p does not exist/);
});
