// Application Auto Scaling: scalable targets (a custom resource called over HTTP as AWS does, Lambda and
// other namespaces kept as records), step policies run by alarm actions, scheduled actions on the clock.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import {
  ApplicationAutoScalingClient,
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  ListTagsForResourceCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { advance } from '../ec2/instances-helpers.js';

let c: Cumulus;
let aas: ApplicationAutoScalingClient;
let server: http.Server;
let url: string;
const resource = { capacity: 2, patches: [] as number[] };

before(async () => {
  c = await startTestCumulus();
  aas = new ApplicationAutoScalingClient(clientConfig(c));
  // the custom resource: AWS's documented shape (GET the dimension, PATCH desiredCapacity)
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method === 'PATCH') {
        resource.capacity = JSON.parse(body).desiredCapacity;
        resource.patches.push(resource.capacity);
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ actualCapacity: resource.capacity, desiredCapacity: resource.capacity, dimensionName: 'workers', resourceName: 'pool', scalableTargetDimensionId: '1', scalingStatus: 'Successful', version: 'v1' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/prod/scalableTargetDimensions/1`;
});
after(async () => {
  await c.stop();
  server.close();
});

const DIM = 'custom-resource:ResourceType:Property' as const;

test('register, describe, tag and refuse bad targets', async () => {
  const reg = await aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: 'custom-resource', ResourceId: url, ScalableDimension: DIM, MinCapacity: 1, MaxCapacity: 10, Tags: { team: 'blue' } }));
  assert.match(reg.ScalableTargetARN!, /^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target\/[0-9a-f]+$/);
  const d = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'custom-resource' }));
  assert.equal(d.ScalableTargets!.length, 1);
  assert.equal(d.ScalableTargets![0]!.MaxCapacity, 10);
  assert.equal((await aas.send(new ListTagsForResourceCommand({ ResourceARN: reg.ScalableTargetARN! }))).Tags!.team, 'blue');
  const cli = await awsCli(c, ['application-autoscaling', 'register-scalable-target', '--service-namespace', 'lambda', '--resource-id', 'function:my-fn:live', '--scalable-dimension', 'lambda:function:ProvisionedConcurrency', '--min-capacity', '1', '--max-capacity', '50']);
  assert.equal(cli.code, 0, cli.stderr);
  const bad = (input: object, name: string, re: RegExp) =>
    assert.rejects(aas.send(new RegisterScalableTargetCommand({ ServiceNamespace: 'lambda', ResourceId: 'function:f:live', ScalableDimension: 'lambda:function:ProvisionedConcurrency', ...input })), (e: Error) => e.name === name && re.test(e.message));
  await bad({ MinCapacity: 5, MaxCapacity: 1 }, 'ValidationException', /Minimum capacity cannot be greater than maximum capacity/);
  await bad({ MinCapacity: 1 }, 'ValidationException', /MinCapacity and MaxCapacity are required/);
  await bad({ ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: 1, MaxCapacity: 2 }, 'ValidationException', /Unsupported scalable dimension/);
  await bad({ ResourceId: 'my-fn', MinCapacity: 1, MaxCapacity: 2 }, 'ValidationException', /Unsupported resource ID/);
  await assert.rejects(
    aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'lambda', ResourceId: 'function:none:live', ScalableDimension: 'lambda:function:ProvisionedConcurrency' })),
    (e: Error) => e.name === 'ObjectNotFoundException' && /No scalable target registered/.test(e.message),
  );
});

// PolicyName's model pattern is Java's \p{Print}+ (printable ASCII): a name with a space passes it
const POLICY = 'scale out';

test('a step policy run by an alarm action PATCHes the custom resource; activities say why', async () => {
  const p = await aas.send(
    new PutScalingPolicyCommand({
      PolicyName: POLICY,
      ServiceNamespace: 'custom-resource',
      ResourceId: url,
      ScalableDimension: DIM,
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 }], Cooldown: 60 },
    }),
  );
  assert.ok(p.PolicyARN!.endsWith(`:policyName/${POLICY}`), p.PolicyARN);
  assert.match(p.PolicyARN!, /:scalingPolicy:[0-9a-f-]+:resource\/custom-resource\//);
  const listed = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'custom-resource' }));
  assert.equal(listed.ScalingPolicies![0]!.StepScalingPolicyConfiguration!.MetricAggregationType, 'Average');
  const r = await c.runtime.targets.invoke({
    arn: p.PolicyARN!,
    payload: JSON.stringify({ AlarmName: 'queue-high', NewStateValue: 'ALARM', Trigger: { Threshold: 100 } }),
    source: { principal: 'cloudwatch.amazonaws.com', account: '000000000000', region: 'us-east-1' },
    context: { alarmName: 'queue-high', metricValue: 130 },
  });
  assert.deepEqual(r, { ok: true, message: 'changed the capacity from 2 to 5' });
  assert.deepEqual(resource.patches, [5]);
  const again = await c.runtime.targets.invoke({ arn: p.PolicyARN!, payload: '{}', source: { principal: 'cloudwatch.amazonaws.com', account: '000000000000', region: 'us-east-1' }, context: {} });
  assert.equal(again.message, 'the target is in its cooldown period');
  const acts = await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'custom-resource', ResourceId: url }));
  assert.equal(acts.ScalingActivities![0]!.Description, 'Setting desired capacity to 5.');
  assert.equal(acts.ScalingActivities![0]!.Cause, `monitor alarm queue-high in state ALARM triggered policy ${POLICY}`);
  assert.equal(acts.ScalingActivities![0]!.StatusCode, 'Successful');
});

test('scheduled actions (cron with a time zone, at, rate) move the capacity into their range on the clock', async () => {
  await aas.send(
    new PutScheduledActionCommand({ ServiceNamespace: 'custom-resource', ResourceId: url, ScalableDimension: DIM, ScheduledActionName: 'floor', Schedule: 'cron(*/2 * * * ? *)', Timezone: 'Europe/Paris', ScalableTargetAction: { MinCapacity: 7, MaxCapacity: 10 } }),
  );
  const listed = await aas.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'custom-resource' }));
  assert.equal(listed.ScheduledActions![0]!.Schedule, 'cron(*/2 * * * ? *)');
  for (let k = 0; k < 20 && resource.capacity !== 7; k++) {
    await advance(c, 10);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(resource.capacity, 7);
  const t = (await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'custom-resource' }))).ScalableTargets![0]!;
  assert.equal(t.MinCapacity, 7);
  const acts = await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'custom-resource' }));
  assert.equal(acts.ScalingActivities![0]!.Cause, 'scheduled action name floor was triggered');
  await aas.send(new DeleteScheduledActionCommand({ ServiceNamespace: 'custom-resource', ResourceId: url, ScalableDimension: DIM, ScheduledActionName: 'floor' }));

  // Lambda provisioned concurrency, kept as a record: an at() action raises it to its new minimum
  const at = new Date(c.runtime.clock.now() + 5 * 60_000).toISOString().slice(0, 19);
  await aas.send(new PutScheduledActionCommand({ ServiceNamespace: 'lambda', ResourceId: 'function:my-fn:live', ScalableDimension: 'lambda:function:ProvisionedConcurrency', ScheduledActionName: 'morning', Schedule: `at(${at})`, ScalableTargetAction: { MinCapacity: 20 } }));
  await advance(c, 6 * 60);
  await advance(c, 10);
  const lacts = await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: 'lambda' }));
  assert.equal(lacts.ScalingActivities![0]!.Description, 'Setting provisioned concurrency to 20.');
  await assert.rejects(
    aas.send(new PutScheduledActionCommand({ ServiceNamespace: 'lambda', ResourceId: 'function:my-fn:live', ScalableDimension: 'lambda:function:ProvisionedConcurrency', ScheduledActionName: 'bad', Schedule: 'every day' })),
    (e: Error) => e.name === 'ValidationException',
  );
  await aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'custom-resource', ResourceId: url, ScalableDimension: DIM }));
  assert.equal((await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'custom-resource' }))).ScalingPolicies!.length, 0);
});
