// Alarms whose actions act on EC2: a host failure drives StatusCheckFailed_System and the recover action moves
// the instance to a healthy host; termination protection makes a terminate action fail, as the history records.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImagesCommand, DescribeInstanceStatusCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance, b64, until, waitState } from '../ec2/instances-helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let ec2: EC2Client;
let cw: CloudWatchClient;
let ami: string;
before(async () => {
  c = await startTestCumulus();
  ec2 = new EC2Client(clientConfig(c));
  cw = new CloudWatchClient(clientConfig(c));
  ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }))).Images![0]!.ImageId!;
});
after(() => c.stop());

async function launch(extra: Record<string, unknown> = {}): Promise<string> {
  const run = await ec2.send(
    new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, Monitoring: { Enabled: true }, UserData: b64('#!/bin/sh\nexec sleep 3600\n'), ...extra }),
  );
  const id = run.Instances![0]!.InstanceId!;
  await waitState(ec2, id, 'running');
  return id;
}

const alarmState = async (name: string) => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!.StateValue;

test('a failed host: StatusCheckFailed_System in ALARM, the recover action moves the instance; its checks pass again', async () => {
  const id = await launch();
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'recover-me',
      Namespace: 'AWS/EC2',
      MetricName: 'StatusCheckFailed_System',
      Dimensions: [{ Name: 'InstanceId', Value: id }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: ['arn:aws:automate:us-east-1:ec2:recover'],
    }),
  );
  const res = await fetch(`${c.url}/_cumulus/faults`, { method: 'POST', body: JSON.stringify({ kind: 'instance-system-check', instanceId: id }) });
  assert.equal(res.status, 201);
  await until(
    'the alarm in ALARM',
    async () => {
      await advance(c, 60);
      return (await alarmState('recover-me')) === 'ALARM' ? true : undefined;
    },
    60_000,
  );
  const history = await until('the recover action in the history', async () => {
    const items = (await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'recover-me', HistoryItemType: 'Action' }))).AlarmHistoryItems!;
    return items.length ? items : undefined;
  });
  assert.match(history[0]!.HistorySummary!, /^Successfully executed action arn:aws:automate:us-east-1:ec2:recover/);
  // recovered onto a healthy host: the same instance runs, and its system check passes at the next sweeps
  await waitState(ec2, id, 'running', 30_000);
  const status = await until(
    'system status ok',
    async () => {
      await advance(c, 60);
      const s = (await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }))).InstanceStatuses![0];
      return s?.SystemStatus?.Status === 'ok' ? s : undefined;
    },
    60_000,
  );
  assert.equal(status.InstanceId, id);
});

test("termination protection makes an alarm's terminate action fail, recorded in the history", async () => {
  const id = await launch({ DisableApiTermination: true });
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'terminate-me',
      Namespace: 'AWS/EC2',
      MetricName: 'StatusCheckFailed_Instance',
      Dimensions: [{ Name: 'InstanceId', Value: id }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: ['arn:aws:automate:us-east-1:ec2:terminate'],
    }),
  );
  const res = await fetch(`${c.url}/_cumulus/faults`, { method: 'POST', body: JSON.stringify({ kind: 'workload-kill', instanceId: id }) });
  assert.equal(res.status, 201);
  const history = await until(
    'the failed terminate action',
    async () => {
      await advance(c, 60);
      const items = (await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'terminate-me', HistoryItemType: 'Action' }))).AlarmHistoryItems!;
      return items.length ? items : undefined;
    },
    60_000,
  );
  assert.match(history[0]!.HistorySummary!, /^Failed to execute action arn:aws:automate:us-east-1:ec2:terminate\. Received error: ".*OperationNotPermitted/);
  await waitState(ec2, id, 'running');
});
