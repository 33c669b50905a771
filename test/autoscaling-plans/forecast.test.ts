// Predictive scaling in a plan: two days of a daily-cycling load metric in CloudWatch give a load forecast
// that follows the cycle, a capacity forecast of load / target value, scheduled-action min and max as the
// instruction's behaviour says, and — in ForecastAndScale mode — the group's scheduled actions for the next
// 48 hours, each ScheduledActionBufferTime early; ForecastOnly and deleting the plan take them away.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AutoScalingClient, CreateAutoScalingGroupCommand, CreateLaunchConfigurationCommand, DescribeScheduledActionsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { plansCli, plansPy, settled } from './helpers.js';

const HOUR = 3_600_000;
const TARGET = 400;
const load = (t: number) => 1000 + 500 * Math.sin((2 * Math.PI * new Date(t).getUTCHours()) / 24);

let c: Cumulus;
let asg: AutoScalingClient;

const instruction = (extra: Record<string, unknown> = {}) => ({
  ServiceNamespace: 'autoscaling',
  ResourceId: 'autoScalingGroup/shop',
  ScalableDimension: 'autoscaling:autoScalingGroup:DesiredCapacity',
  MinCapacity: 0,
  MaxCapacity: 3,
  TargetTrackingConfigurations: [
    { CustomizedScalingMetricSpecification: { Namespace: 'Shop', MetricName: 'RequestsPerInstance', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'shop' }], Statistic: 'Average' }, TargetValue: TARGET },
  ],
  CustomizedLoadMetricSpecification: { Namespace: 'Shop', MetricName: 'Requests', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'shop' }], Statistic: 'Sum' },
  PredictiveScalingMaxCapacityBehavior: 'SetMaxCapacityAboveForecastCapacity',
  PredictiveScalingMaxCapacityBuffer: 10,
  ScheduledActionBufferTime: 600,
  ...extra,
});

interface Point {
  t: number;
  v: number;
}

/** All four forecast types over [start, end), through boto3. */
async function forecasts(start: number, end: number, resource = 'autoScalingGroup/shop'): Promise<Record<string, Point[]>> {
  return plansPy(
    c,
    `out = {}
for kind in ['LoadForecast', 'CapacityForecast', 'ScheduledActionMinCapacity', 'ScheduledActionMaxCapacity']:
    r = plans.get_scaling_plan_resource_forecast_data(ScalingPlanName='shop-plan', ScalingPlanVersion=1, ServiceNamespace='autoscaling',
        ResourceId='${resource}', ScalableDimension='autoscaling:autoScalingGroup:DesiredCapacity', ForecastDataType=kind,
        StartTime=${start / 1000}, EndTime=${end / 1000})
    out[kind] = [{'t': int(d['Timestamp'].timestamp() * 1000), 'v': d['Value']} for d in r['Datapoints']]
print(json.dumps(out))`,
  );
}

const scheduled = async () => (await asg.send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'shop' }))).ScheduledUpdateGroupActions ?? [];

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c));
  const images = await new EC2Client(clientConfig(c)).send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: images.Images![0]!.ImageId!, InstanceType: 't2.micro' }));
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'shop', LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: 1, AvailabilityZones: ['us-east-1a'] }));
  // two days of hourly history of the group's total load, cycling once a day
  const cw = new CloudWatchClient(clientConfig(c));
  const hour = Math.floor(Date.now() / HOUR) * HOUR;
  const data = Array.from({ length: 48 }, (_, k) => hour - (k + 1) * HOUR + 60_000).map((t) => ({
    MetricName: 'Requests',
    Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'shop' }],
    Timestamp: new Date(t),
    Value: load(t),
  }));
  await cw.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: data }));
});
after(() => c.stop());

test('forecasts follow the load history; ForecastAndScale puts the forecast on the group as scheduled actions', async () => {
  const created = await plansCli(c, ['create-scaling-plan', '--scaling-plan-name', 'shop-plan', '--cli-input-json', JSON.stringify({ ApplicationSource: { TagFilters: [{ Key: 'app', Values: ['shop'] }] }, ScalingInstructions: [instruction()] })]);
  assert.equal(created.code, 0, created.stderr);
  const plan = await settled(c, 'shop-plan');
  assert.equal(plan?.StatusCode, 'Active', plan?.StatusMessage);
  const i = plan!.ScalingInstructions[0]!;
  assert.equal(i.PredictiveScalingMode, 'ForecastAndScale', 'the default mode is described');

  const now = Date.now();
  const start = Math.ceil(now / HOUR) * HOUR;
  const f = await forecasts(start, start + 24 * HOUR);
  assert.equal(f.LoadForecast!.length, 24);
  f.LoadForecast!.forEach((p, k) => assert.equal(p.t, start + k * HOUR, 'hourly points from the start'));
  // the forecast follows the daily cycle: highest around 06:00 UTC, lowest around 18:00 UTC
  const peak = f.LoadForecast!.reduce((a, b) => (b.v > a.v ? b : a));
  const trough = f.LoadForecast!.reduce((a, b) => (b.v < a.v ? b : a));
  assert.ok(Math.abs(new Date(peak.t).getUTCHours() - 6) <= 1, `peak at ${new Date(peak.t).toISOString()}`);
  assert.ok(Math.abs(new Date(trough.t).getUTCHours() - 18) <= 1, `trough at ${new Date(trough.t).toISOString()}`);
  for (const p of f.LoadForecast!) assert.ok(Math.abs(p.v - load(p.t)) < 150, `load ${p.v} at ${new Date(p.t).toISOString()} vs ${load(p.t)}`);
  // capacity = load / target per instance, rounded up (not held to MaxCapacity with this behaviour)
  f.CapacityForecast!.forEach((p, k) => assert.equal(p.v, Math.max(0, Math.ceil(f.LoadForecast![k]!.v / TARGET - 1e-6))));
  assert.deepEqual(f.ScheduledActionMinCapacity, f.CapacityForecast);
  f.ScheduledActionMaxCapacity!.forEach((p, k) => assert.equal(p.v, Math.max(3, Math.ceil(f.CapacityForecast![k]!.v * 1.1 - 1e-9))));

  // the group has the next 48 hours as scheduled actions, 600 s early
  const actions = await scheduled();
  assert.equal(actions.length, 48);
  const byStart = new Map(f.CapacityForecast!.map((p) => [p.t - 600_000, p.v]));
  let matched = 0;
  for (const a of actions) {
    assert.match(a.ScheduledActionName!, /^ScalingPlanPredictiveScaling-\d{10}$/);
    const v = byStart.get(new Date(a.StartTime!).getTime());
    if (v !== undefined) {
      assert.equal(a.MinSize, v);
      matched++;
    }
  }
  assert.ok(matched >= 23, `matched ${matched} actions`);

  // the CLI reads the same forecast
  const cli = await plansCli<{ Datapoints: { Timestamp: string | number; Value: number }[] }>(c, [
    'get-scaling-plan-resource-forecast-data',
    '--scaling-plan-name',
    'shop-plan',
    '--scaling-plan-version',
    '1',
    '--service-namespace',
    'autoscaling',
    '--resource-id',
    'autoScalingGroup/shop',
    '--scalable-dimension',
    'autoscaling:autoScalingGroup:DesiredCapacity',
    '--forecast-data-type',
    'CapacityForecast',
    '--start-time',
    new Date(start).toISOString(),
    '--end-time',
    new Date(start + 6 * HOUR).toISOString(),
  ]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(
    cli.json.Datapoints.map((d) => d.Value),
    f.CapacityForecast!.slice(0, 6).map((p) => p.v),
  );
});

test('forecast errors; ForecastOnly and deleting the plan remove the scheduled actions', async () => {
  const errors = await plansPy<Record<string, [string, string]>>(
    c,
    `out = {}
base = dict(ScalingPlanName='shop-plan', ScalingPlanVersion=1, ServiceNamespace='autoscaling', ResourceId='autoScalingGroup/shop',
            ScalableDimension='autoscaling:autoScalingGroup:DesiredCapacity', ForecastDataType='LoadForecast', StartTime=1700000000, EndTime=1700003600)
for label, change in [('range', dict(EndTime=1700000000 + 8 * 86400)), ('order', dict(EndTime=1699990000)), ('resource', dict(ResourceId='autoScalingGroup/nope')),
                      ('namespace', dict(ServiceNamespace='ecs', ResourceId='service/a/b', ScalableDimension='ecs:service:DesiredCount')), ('plan', dict(ScalingPlanName='nope'))]:
    try:
        plans.get_scaling_plan_resource_forecast_data(**{**base, **change})
        out[label] = ['ok', '']
    except plans.exceptions.ClientError as e:
        out[label] = [e.response['Error']['Code'], e.response['Error']['Message']]
print(json.dumps(out))`,
  );
  for (const label of ['range', 'order', 'resource', 'namespace', 'plan']) assert.equal(errors[label]?.[0], 'ValidationException', `${label}: ${JSON.stringify(errors[label])}`);
  assert.match(errors.range![1], /7 days/);

  const u = await plansCli(c, ['update-scaling-plan', '--scaling-plan-name', 'shop-plan', '--scaling-plan-version', '1', '--scaling-instructions', JSON.stringify([instruction({ PredictiveScalingMode: 'ForecastOnly' })])]);
  assert.equal(u.code, 0, u.stderr);
  assert.equal((await settled(c, 'shop-plan'))?.StatusCode, 'Active');
  assert.deepEqual(await scheduled(), [], 'ForecastOnly schedules nothing');
  const start = Math.ceil(Date.now() / HOUR) * HOUR;
  assert.equal((await forecasts(start, start + 2 * HOUR)).LoadForecast!.length, 2, 'but still forecasts');

  assert.equal((await plansCli(c, ['update-scaling-plan', '--scaling-plan-name', 'shop-plan', '--scaling-plan-version', '1', '--scaling-instructions', JSON.stringify([instruction()])])).code, 0);
  await settled(c, 'shop-plan');
  assert.equal((await scheduled()).length, 48);
  assert.equal((await plansCli(c, ['delete-scaling-plan', '--scaling-plan-name', 'shop-plan', '--scaling-plan-version', '1'])).code, 0);
  assert.equal(await settled(c, 'shop-plan'), undefined);
  assert.deepEqual(await scheduled(), []);
});
