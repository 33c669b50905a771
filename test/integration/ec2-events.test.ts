// EC2 → EventBridge → CloudWatch Logs: a rule matching instance state changes delivers them to a log group.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { b64, until, waitState } from '../ec2/instances-helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
before(async () => {
  c = await startTestCumulus();
});
after(() => c.stop());

test('a pattern on EC2 state-change notifications routes running and stopped (not pending) to a log group', async () => {
  const events = new EventBridgeClient(clientConfig(c));
  const logs = new CloudWatchLogsClient(clientConfig(c));
  const ec2 = new EC2Client(clientConfig(c));
  await logs.send(new CreateLogGroupCommand({ logGroupName: '/events/ec2' }));
  await events.send(
    new PutRuleCommand({
      Name: 'ec2-states',
      EventPattern: JSON.stringify({ source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['running', 'stopped'] } }),
    }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'ec2-states', Targets: [{ Id: 'logs', Arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/events/ec2' }] }));

  const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }))).Images![0]!.ImageId!;
  const id = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, UserData: b64('#!/bin/sh\nexec sleep 3600\n') }))).Instances![0]!
    .InstanceId!;
  await waitState(ec2, id, 'running');
  await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
  await waitState(ec2, id, 'stopped');

  const delivered = await until('both events in the log group', async () => {
    const found = (await logs.send(new FilterLogEventsCommand({ logGroupName: '/events/ec2' }))).events ?? [];
    return found.length >= 2 ? found : undefined;
  });
  const bodies = delivered.map((e) => JSON.parse(e.message!) as { source: string; 'detail-type': string; detail: { 'instance-id': string; state: string }; resources: string[] });
  assert.deepEqual(bodies.map((b) => b.detail.state), ['running', 'stopped']);
  for (const b of bodies) {
    assert.equal(b.source, 'aws.ec2');
    assert.equal(b['detail-type'], 'EC2 Instance State-change Notification');
    assert.equal(b.detail['instance-id'], id);
    assert.deepEqual(b.resources, [`arn:aws:ec2:us-east-1:000000000000:instance/${id}`]);
  }
});
