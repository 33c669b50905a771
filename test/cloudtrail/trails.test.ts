import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddTagsCommand,
  CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  ListTrailsCommand,
  LookupEventsCommand,
  PutEventSelectorsCommand,
  RemoveTagsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';

const ACCOUNT = '222222222222';
const creds = { accessKeyId: ACCOUNT, secretAccessKey: 'x' };
const arnOf = (name: string, region = 'us-east-1') => `arn:aws:cloudtrail:${region}:${ACCOUNT}:trail/${name}`;

describe('cloudtrail trails', () => {
  let c: Cumulus;
  let ct: CloudTrailClient;
  let west: CloudTrailClient;
  const advance = (seconds: number) => fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });

  before(async () => {
    c = await startTestCumulus();
    ct = new CloudTrailClient(clientConfig(c, { credentials: creds }));
    west = new CloudTrailClient(clientConfig(c, { credentials: creds, region: 'us-west-2' }));
  });
  after(() => c.stop());

  test('create, get, describe, list, update and delete a trail', async () => {
    const created = await ct.send(new CreateTrailCommand({ Name: 'main-trail', S3BucketName: 'my-trail-bucket', TagsList: [{ Key: 'team', Value: 'core' }] }));
    assert.equal(created.Name, 'main-trail');
    assert.equal(created.TrailARN, arnOf('main-trail'));
    assert.equal(created.S3BucketName, 'my-trail-bucket');
    assert.equal(created.IncludeGlobalServiceEvents, true);
    assert.equal(created.IsMultiRegionTrail, false);
    assert.equal(created.LogFileValidationEnabled, false);

    const { Trail } = await ct.send(new GetTrailCommand({ Name: 'main-trail' }));
    assert.equal(Trail?.HomeRegion, 'us-east-1');
    assert.equal(Trail?.HasCustomEventSelectors, false);
    assert.deepEqual((await ct.send(new GetTrailCommand({ Name: arnOf('main-trail') }))).Trail, Trail);

    const updated = await ct.send(
      new UpdateTrailCommand({ Name: 'main-trail', S3KeyPrefix: 'logs', SnsTopicName: 'trail-topic', EnableLogFileValidation: true, KmsKeyId: 'alias/trail' }),
    );
    assert.equal(updated.S3KeyPrefix, 'logs');
    assert.equal(updated.SnsTopicARN, `arn:aws:sns:us-east-1:${ACCOUNT}:trail-topic`);
    assert.equal(updated.LogFileValidationEnabled, true);
    assert.equal(updated.KmsKeyId, `arn:aws:kms:us-east-1:${ACCOUNT}:alias/trail`);

    const described = await ct.send(new DescribeTrailsCommand({}));
    assert.deepEqual(described.trailList?.map((t) => t.Name), ['main-trail']);
    assert.equal(described.trailList?.[0]?.S3KeyPrefix, 'logs');
    assert.deepEqual((await ct.send(new DescribeTrailsCommand({ trailNameList: ['main-trail', 'not-there'] }))).trailList?.map((t) => t.Name), ['main-trail']);
    assert.deepEqual((await ct.send(new ListTrailsCommand({}))).Trails, [{ TrailARN: arnOf('main-trail'), Name: 'main-trail', HomeRegion: 'us-east-1' }]);

    await ct.send(new DeleteTrailCommand({ Name: 'main-trail' }));
    await assert.rejects(ct.send(new GetTrailCommand({ Name: 'main-trail' })), {
      name: 'TrailNotFoundException',
      message: `Unknown trail: ${arnOf('main-trail')} for the user: ${ACCOUNT}`,
    });
    assert.deepEqual((await ct.send(new DescribeTrailsCommand({}))).trailList, []);
  });

  test("trail names follow AWS's rules", async () => {
    const cases: [string, RegExp][] = [
      ['ab', /too short/],
      ['a'.repeat(129), /too long/],
      ['-trail', /must starts with a letter or number/],
      ['trail!', /must ends with a letter or number/],
      ['my#trail', /can only contain/],
      ['my--trail', /adjacent/],
      ['10.0.0.1', /IP address/],
    ];
    for (const [name, message] of cases) {
      await assert.rejects(ct.send(new CreateTrailCommand({ Name: name, S3BucketName: 'bucket-name' })), { name: 'InvalidTrailNameException', message }, name);
    }
    await assert.rejects(ct.send(new CreateTrailCommand({ Name: 'ok-name', S3BucketName: 'Bad_Bucket' })), { name: 'InvalidS3BucketNameException' });
    await assert.rejects(ct.send(new GetTrailCommand({ Name: 'arn:aws:s3:::bucket' })), { name: 'CloudTrailARNInvalidException' });
    await assert.rejects(ct.send(new CreateTrailCommand({ Name: 'ok-name' } as never)), { name: 'ValidationException' });
  });

  test('duplicates, limits and parameter combinations', async () => {
    await ct.send(new CreateTrailCommand({ Name: 'dup', S3BucketName: 'bucket-a' }));
    await assert.rejects(ct.send(new CreateTrailCommand({ Name: 'dup', S3BucketName: 'bucket-a' })), {
      name: 'TrailAlreadyExistsException',
      message: `Trail dup already exists for customer: ${ACCOUNT}`,
    });
    await assert.rejects(ct.send(new CreateTrailCommand({ Name: 'multi', S3BucketName: 'bucket-a', IsMultiRegionTrail: true, IncludeGlobalServiceEvents: false })), {
      name: 'InvalidParameterCombinationException',
    });
    for (const n of ['t2', 't3', 't4', 't5'].map((x) => `limit-${x}`)) await ct.send(new CreateTrailCommand({ Name: n, S3BucketName: 'bucket-a' }));
    await assert.rejects(ct.send(new CreateTrailCommand({ Name: 'one-too-many', S3BucketName: 'bucket-a' })), { name: 'MaximumNumberOfTrailsExceededException' });
    for (const n of ['dup', 'limit-t2', 'limit-t3', 'limit-t4', 'limit-t5']) await ct.send(new DeleteTrailCommand({ Name: n }));
  });

  test('a multi-region trail shows as a shadow trail in other regions, changed only from its home region', async () => {
    await ct.send(new CreateTrailCommand({ Name: 'everywhere', S3BucketName: 'bucket-a', IsMultiRegionTrail: true }));
    await ct.send(new CreateTrailCommand({ Name: 'only-here', S3BucketName: 'bucket-a' }));
    const shadows = await west.send(new DescribeTrailsCommand({}));
    assert.deepEqual(shadows.trailList?.map((t) => [t.Name, t.HomeRegion]), [['everywhere', 'us-east-1']]);
    assert.deepEqual((await west.send(new DescribeTrailsCommand({ includeShadowTrails: false }))).trailList, []);
    assert.equal((await west.send(new GetTrailCommand({ Name: 'everywhere' }))).Trail?.TrailARN, arnOf('everywhere'));
    await assert.rejects(west.send(new GetTrailCommand({ Name: 'only-here' })), { name: 'TrailNotFoundException' });
    await assert.rejects(west.send(new StartLoggingCommand({ Name: 'everywhere' })), { name: 'InvalidHomeRegionException' });
    await assert.rejects(west.send(new DeleteTrailCommand({ Name: 'everywhere' })), { name: 'InvalidHomeRegionException' });
    await assert.rejects(west.send(new CreateTrailCommand({ Name: 'everywhere', S3BucketName: 'bucket-a' })), { name: 'TrailAlreadyExistsException' });
    // ListTrails lists the account's trails of every region
    assert.deepEqual((await west.send(new ListTrailsCommand({}))).Trails?.map((t) => t.Name).sort(), ['everywhere', 'only-here']);
    await ct.send(new DeleteTrailCommand({ Name: 'everywhere' }));
    await ct.send(new DeleteTrailCommand({ Name: 'only-here' }));
  });

  test('logging status on the virtual clock', async () => {
    await ct.send(new CreateTrailCommand({ Name: 'logged', S3BucketName: 'bucket-a' }));
    const idle = await ct.send(new GetTrailStatusCommand({ Name: 'logged' }));
    assert.equal(idle.IsLogging, false);
    assert.equal(idle.StartLoggingTime, undefined);
    await ct.send(new StartLoggingCommand({ Name: 'logged' }));
    const started = await ct.send(new GetTrailStatusCommand({ Name: 'logged' }));
    assert.equal(started.IsLogging, true);
    const start = started.StartLoggingTime!.getTime();
    assert.equal(started.LatestDeliveryTime, undefined);
    await advance(12 * 60);
    const delivering = await ct.send(new GetTrailStatusCommand({ Name: arnOf('logged') }));
    assert.equal(delivering.LatestDeliveryTime?.getTime(), start + 10 * 60_000);
    await ct.send(new StopLoggingCommand({ Name: 'logged' }));
    const stopped = await ct.send(new GetTrailStatusCommand({ Name: 'logged' }));
    assert.equal(stopped.IsLogging, false);
    assert.ok(stopped.StopLoggingTime!.getTime() - start >= 12 * 60_000);
    assert.equal(stopped.TimeLoggingStopped, stopped.StopLoggingTime!.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    await assert.rejects(ct.send(new GetTrailStatusCommand({ Name: 'no-such-trail' })), { name: 'TrailNotFoundException' });
    await ct.send(new DeleteTrailCommand({ Name: 'logged' }));
  });

  test('tags and event selectors', async () => {
    await ct.send(new CreateTrailCommand({ Name: 'tagged', S3BucketName: 'bucket-a', TagsList: [{ Key: 'a', Value: '1' }] }));
    const arn = arnOf('tagged');
    await ct.send(new AddTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'b', Value: '2' }] }));
    assert.deepEqual((await ct.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList, [
      { ResourceId: arn, TagsList: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] },
    ]);
    await ct.send(new RemoveTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'a' }] }));
    assert.deepEqual((await ct.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList?.[0]?.TagsList, [{ Key: 'b', Value: '2' }]);
    await assert.rejects(ct.send(new AddTagsCommand({ ResourceId: arnOf('missing'), TagsList: [{ Key: 'k', Value: 'v' }] })), { name: 'ResourceNotFoundException' });
    await assert.rejects(ct.send(new ListTagsCommand({ ResourceIdList: ['tagged'] })), { name: 'CloudTrailARNInvalidException' });

    const defaults = await ct.send(new GetEventSelectorsCommand({ TrailName: 'tagged' }));
    assert.deepEqual(defaults.EventSelectors, [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }]);
    const put = await ct.send(
      new PutEventSelectorsCommand({
        TrailName: 'tagged',
        EventSelectors: [{ ReadWriteType: 'WriteOnly', DataResources: [{ Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] }] }],
      }),
    );
    assert.equal(put.TrailARN, arn);
    assert.equal(put.EventSelectors?.[0]?.IncludeManagementEvents, true);
    assert.deepEqual((await ct.send(new GetEventSelectorsCommand({ TrailName: arn }))).EventSelectors, put.EventSelectors);
    assert.equal((await ct.send(new GetTrailCommand({ Name: 'tagged' }))).Trail?.HasCustomEventSelectors, true);
    const advanced = [{ Name: 'mgmt', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }];
    await ct.send(new PutEventSelectorsCommand({ TrailName: 'tagged', AdvancedEventSelectors: advanced }));
    const got = await ct.send(new GetEventSelectorsCommand({ TrailName: 'tagged' }));
    assert.deepEqual(got.AdvancedEventSelectors, advanced);
    assert.equal(got.EventSelectors, undefined);
    await assert.rejects(ct.send(new PutEventSelectorsCommand({ TrailName: 'tagged' })), { name: 'InvalidParameterCombinationException' });
    await assert.rejects(ct.send(new PutEventSelectorsCommand({ TrailName: 'tagged', EventSelectors: [] })), { name: 'InvalidEventSelectorsException' });
    await ct.send(new DeleteTrailCommand({ Name: 'tagged' }));
  });

  test('trail calls are management events with their responses recorded', async () => {
    const { Events = [] } = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateTrail' }], MaxResults: 50 }));
    const ok = Events.map((e) => JSON.parse(e.CloudTrailEvent!)).find((j) => j.requestParameters?.name === 'tagged');
    assert.ok(ok);
    assert.equal(ok.readOnly, false);
    assert.equal(ok.responseElements.trailARN, arnOf('tagged'));
    assert.deepEqual(ok.requestParameters.tagsList, [{ key: 'a', value: '1' }]);
    const byResource = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'tagged' }] }));
    assert.ok(byResource.Events!.length >= 3);
  });

  test('the AWS CLI creates a trail, starts logging and reads its status', async () => {
    const env = { AWS_ACCESS_KEY_ID: ACCOUNT };
    const created = await awsCli(c, ['cloudtrail', 'create-trail', '--name', 'cli-trail', '--s3-bucket-name', 'cli-bucket', '--is-multi-region-trail'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).TrailARN, arnOf('cli-trail'));
    const started = await awsCli(c, ['cloudtrail', 'start-logging', '--name', 'cli-trail'], env);
    assert.equal(started.code, 0, started.stderr);
    const status = await awsCli(c, ['cloudtrail', 'get-trail-status', '--name', 'cli-trail'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).IsLogging, true);
    const missing = await awsCli(c, ['cloudtrail', 'get-trail', '--name', 'nope-trail'], env);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /TrailNotFoundException/);
    const events = await awsCli(c, ['cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=StartLogging'], env);
    assert.equal(events.code, 0, events.stderr);
    const cliEvents = (JSON.parse(events.stdout).Events as { CloudTrailEvent: string }[])
      .map((e) => JSON.parse(e.CloudTrailEvent))
      .filter((j) => j.requestParameters?.name === 'cli-trail');
    assert.equal(cliEvents.length, 1);
    assert.match(cliEvents[0].userAgent, /aws-cli/);
  });
});
