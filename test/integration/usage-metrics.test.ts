// AWS/Usage: the vCPUs running instances hold against their quota bucket, in CloudWatch every minute.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance, b64, until, waitState } from '../ec2/instances-helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';

let c: Cumulus;
before(async () => {
  c = await startTestCumulus();
});
after(() => c.stop());

test('two t3.micro instances hold 4 Standard/OnDemand vCPUs in AWS/Usage ResourceCount', async () => {
  const ec2 = new EC2Client(clientConfig(c));
  const cw = new CloudWatchClient(clientConfig(c));
  const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }))).Images![0]!.ImageId!;
  const run = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 2, MaxCount: 2, UserData: b64('#!/bin/sh\nexec sleep 3600\n') }));
  for (const i of run.Instances!) await waitState(ec2, i.InstanceId!, 'running');
  const start = c.runtime.clock.date();
  const stats = await until('a usage datapoint', async () => {
    await advance(c, 60);
    const s = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Usage',
        MetricName: 'ResourceCount',
        Dimensions: [
          { Name: 'Service', Value: 'EC2' },
          { Name: 'Type', Value: 'Resource' },
          { Name: 'Resource', Value: 'vCPU' },
          { Name: 'Class', Value: 'Standard/OnDemand' },
        ],
        StartTime: new Date(start.getTime() - 60_000),
        EndTime: c.runtime.clock.date(),
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    return s.Datapoints?.length ? s.Datapoints : undefined;
  });
  assert.equal(Math.max(...stats.map((d) => d.Maximum!)), 4);
});
