// Scheduled actions: one-shot and cron recurrences (with a time zone) change a group's capacity on the
// clock, with AWS's cause wording; suspension skips them; bad input is refused as AWS does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AutoScalingClient,
  BatchDeleteScheduledActionCommand,
  BatchPutScheduledUpdateGroupActionCommand,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DeleteScheduledActionCommand,
  DescribeScalingActivitiesCommand,
  DescribeScheduledActionsCommand,
  PutScheduledUpdateGroupActionCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance } from '../ec2/instances-helpers.js';
import { amazonLinux, group, inService, settle, SLEEPER } from './helpers.js';

process.env.CUMULUS_EC2_BOOT_SECONDS = '1';
process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';

let c: Cumulus;
let asg: AutoScalingClient;

before(async () => {
  c = await startTestCumulus();
  asg = new AutoScalingClient(clientConfig(c));
  const ami = await amazonLinux(new EC2Client(clientConfig(c)));
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc', ImageId: ami, InstanceType: 't3.micro', UserData: SLEEPER }));
  await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'sched', LaunchConfigurationName: 'lc', MinSize: 0, MaxSize: 4, DesiredCapacity: 0, AvailabilityZones: ['us-east-1a', 'us-east-1b'] }));
});
after(() => c.stop());

const now = () => c.runtime.clock.now();

test('a one-shot action runs at its time, with AWS cause wording, and is gone afterwards', async () => {
  const at = new Date(Math.ceil((now() + 120_000) / 60_000) * 60_000);
  await asg.send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched', ScheduledActionName: 'morning', StartTime: at, MinSize: 1, DesiredCapacity: 2 }));
  const listed = await asg.send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'sched' }));
  assert.equal(listed.ScheduledUpdateGroupActions!.length, 1);
  const a = listed.ScheduledUpdateGroupActions![0]!;
  assert.equal(a.StartTime!.toISOString(), at.toISOString());
  assert.equal(a.DesiredCapacity, 2);
  assert.match(a.ScheduledActionARN!, /:scheduledUpdateGroupAction:[0-9a-f-]+:autoScalingGroupName\/sched:scheduledActionName\/morning$/);
  await advance(c, 60);
  assert.equal((await group(asg, 'sched'))!.DesiredCapacity, 0, 'not yet');
  const g = await settle(c, asg, 'sched', inService(2), 'two in service after the action');
  assert.equal(g!.MinSize, 1);
  assert.equal(g!.MaxSize, 4);
  const acts = await asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'sched' }));
  const stamp = at.toISOString().replace('.000Z', 'Z');
  assert.ok(
    acts.Activities!.every((x) => x.Cause!.startsWith(`At ${stamp} a scheduled action update of AutoScalingGroup constraints to min: 1, max: 4, desired: 2 changing the desired capacity from 0 to 2.  At `)),
    JSON.stringify(acts.Activities!.map((x) => x.Cause)),
  );
  assert.equal((await asg.send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'sched' }))).ScheduledUpdateGroupActions!.length, 0);
});

test('a cron recurrence in a time zone: next run converted to UTC, runs every time, skipped while suspended', async () => {
  await asg.send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched', ScheduledActionName: 'nine-ny', Recurrence: '0 9 * * 1-5', TimeZone: 'America/New_York', MinSize: 1 }));
  const ny = (await asg.send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'sched', ScheduledActionNames: ['nine-ny'] }))).ScheduledUpdateGroupActions![0]!;
  assert.equal(ny.TimeZone, 'America/New_York');
  assert.equal(ny.Recurrence, '0 9 * * 1-5');
  // 09:00 in New York, on a weekday, in winter: 14:00 UTC (summer: 13:00)
  const start = ny.StartTime!;
  assert.ok(start.getUTCHours() === 14 || start.getUTCHours() === 13, start.toISOString());
  assert.equal(start.getUTCMinutes(), 0);
  assert.ok(start.getUTCDay() >= 1 && start.getUTCDay() <= 5);
  assert.ok(start.getTime() > now() && start.getTime() - now() <= 4 * 86_400_000);
  await asg.send(new DeleteScheduledActionCommand({ AutoScalingGroupName: 'sched', ScheduledActionName: 'nine-ny' }));

  // every 2 minutes: alternate capacity by two actions
  const cli = await awsCli(c, ['autoscaling', 'put-scheduled-update-group-action', '--auto-scaling-group-name', 'sched', '--scheduled-action-name', 'up', '--recurrence', '*/2 * * * *', '--desired-capacity', '3']);
  assert.equal(cli.code, 0, cli.stderr);
  const next = (await asg.send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'sched' }))).ScheduledUpdateGroupActions![0]!.StartTime!;
  assert.equal(next.getUTCMinutes() % 2, 0);
  await settle(c, asg, 'sched', inService(3), 'three in service after the recurrence');
  const after1 = (await asg.send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'sched' }))).ScheduledUpdateGroupActions![0]!.StartTime!;
  assert.ok(after1 > next, 'the next run moved on');

  await asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'sched', ScalingProcesses: ['ScheduledActions'] }));
  await asg.send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched', ScheduledActionName: 'up', Recurrence: '*/2 * * * *', DesiredCapacity: 1 }));
  await advance(c, 150);
  await advance(c, 10);
  assert.equal((await group(asg, 'sched'))!.DesiredCapacity, 3, 'suspended: skipped');
  await asg.send(new ResumeProcessesCommand({ AutoScalingGroupName: 'sched', ScalingProcesses: ['ScheduledActions'] }));
  await settle(c, asg, 'sched', inService(1), 'back to one after resuming');
});

test('batch put and delete report failures per action; bad input gets AWS wording', async () => {
  const py = await boto3(c, `
import datetime
a = boto3.client('autoscaling', endpoint_url=endpoint)
r = a.batch_put_scheduled_update_group_action(AutoScalingGroupName='sched', ScheduledUpdateGroupActions=[
  {'ScheduledActionName': 'ok', 'Recurrence': '30 0 1 1,6,12 *', 'MaxSize': 4},
  {'ScheduledActionName': 'bad-cron', 'Recurrence': '61 * * * *', 'MaxSize': 4},
  {'ScheduledActionName': 'bad-tz', 'Recurrence': '0 * * * *', 'TimeZone': 'Mars/Olympus', 'MaxSize': 4},
])
names = sorted(x['ScheduledActionName'] for x in a.describe_scheduled_actions(AutoScalingGroupName='sched')['ScheduledUpdateGroupActions'])
print(json.dumps({'failed': r['FailedScheduledUpdateGroupActions'], 'names': names}))
`);
  assert.equal(py.code, 0, py.stderr);
  const out = JSON.parse(py.stdout);
  assert.deepEqual(out.names.filter((n: string) => n !== 'up'), ['ok']);
  assert.deepEqual(out.failed.map((f: { ScheduledActionName: string }) => f.ScheduledActionName), ['bad-cron', 'bad-tz']);
  assert.equal(out.failed[0].ErrorCode, 'ValidationError');
  assert.match(out.failed[0].ErrorMessage, /recurrence/i);

  const bad = async (input: object, re: RegExp) =>
    assert.rejects(asg.send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched', ScheduledActionName: 'x', ...input })), (e: Error) => e.name === 'ValidationError' && re.test(e.message));
  await bad({ StartTime: new Date(now() - 60_000), DesiredCapacity: 1 }, /^Given start time is in the past$/);
  await bad({ Recurrence: '* * *', DesiredCapacity: 1 }, /recurrence string: \* \* \* is invalid/);
  await bad({ Recurrence: '0 9 * * *' }, /At least one of MinSize, MaxSize, or DesiredCapacity/);
  await bad({ Recurrence: '0 9 * * *', MinSize: 3, MaxSize: 2 }, /^Max bound, 2, must be greater than or equal to min bound, 3$/);
  await assert.rejects(asg.send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'nope', ScheduledActionName: 'x', Recurrence: '0 9 * * *', MinSize: 1 })), (e: Error) => e.name === 'ValidationError' && /AutoScalingGroup nope not found/.test(e.message));
  await assert.rejects(asg.send(new DeleteScheduledActionCommand({ AutoScalingGroupName: 'sched', ScheduledActionName: 'missing' })), (e: Error) => e.name === 'ValidationError');

  const del = await asg.send(new BatchDeleteScheduledActionCommand({ AutoScalingGroupName: 'sched', ScheduledActionNames: ['ok', 'missing'] }));
  assert.deepEqual(del.FailedScheduledActions!.map((f) => f.ScheduledActionName), ['missing']);
  const batch = await asg.send(new BatchPutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched', ScheduledUpdateGroupActions: [{ ScheduledActionName: 'later', StartTime: new Date(now() + 3_600_000), MinSize: 0 }] }));
  assert.deepEqual(batch.FailedScheduledUpdateGroupActions, []);
});
