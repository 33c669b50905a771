// Predictive scaling on a predefined metric pair (ASGCPUUtilization): the load is the group's total CPU
// utilization, read from the AWS/EC2 metrics its instances publish by AutoScalingGroupName; no forecast
// before 24 hours of it, a 48-hour forecast after.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, test } from 'node:test';
import { AutoScalingClient, CreateAutoScalingGroupCommand, CreateLaunchConfigurationCommand, GetPredictiveScalingForecastCommand, PutScalingPolicyCommand } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance } from '../ec2/instances-helpers.js';
import { amazonLinux, inService, settle, SLEEPER } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

// one connection per call: an hours-long clock advance keeps the server busy while a kept-alive socket idles
const fresh = { requestHandler: { httpAgent: new Agent({ keepAlive: false }) } };

const HOUR = 3_600_000;
let c: Cumulus;
let asg: AutoScalingClient;

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c, fresh));
  const ami = await amazonLinux(new EC2Client(clientConfig(c)));
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: ami, InstanceType: 't3.micro', UserData: SLEEPER }));
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'cpu', LaunchConfigurationName: 'lc', MinSize: 1, MaxSize: 3, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a'] }));
  await settle(c, asg, 'cpu', inService(1), 'one in service');
});
after(() => c.stop());

test('ASGCPUUtilization: empty until the group has 24 hours of CPU metrics, then 48 hourly points from them', async () => {
  await asg.send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'cpu', PolicyName: 'cpu', PolicyType: 'PredictiveScaling', PredictiveScalingConfiguration: { MetricSpecifications: [{ TargetValue: 50, PredefinedMetricPairSpecification: { PredefinedMetricType: 'ASGCPUUtilization' } }] } }));
  const get = () => {
    const now = c.runtime.clock.now();
    return asg.send(new GetPredictiveScalingForecastCommand({ AutoScalingGroupName: 'cpu', PolicyName: 'cpu', StartTime: new Date(now - 2 * HOUR), EndTime: new Date(now + 48 * HOUR) }));
  };
  assert.deepEqual((await get()).LoadForecast, []);
  await advance(c, 25 * 3600);
  const f = await get();
  const load = f.LoadForecast![0]!;
  assert.ok(load.Timestamps!.length >= 46, String(load.Timestamps!.length));
  assert.deepEqual(load.MetricSpecification!.PredefinedMetricPairSpecification, { PredefinedMetricType: 'ASGCPUUtilization' });
  // an idle instance: a small total CPU, so the group's minimum is the capacity it needs
  assert.ok(load.Values!.every((v) => v >= 0 && v < 50), JSON.stringify(load.Values));
  assert.ok(f.CapacityForecast!.Values!.every((v) => v === 1));
});
