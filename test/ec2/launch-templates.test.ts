import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  GetLaunchTemplateDataCommand,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import { describeInstancesInternal, launchTemplateData, runInstancesInternal, terminateInstancesInternal } from '../../src/services/ec2/index.js';
import { b64, waitState } from './instances-helpers.js';

const scope = { account: '000000000000', region: 'us-east-1' };

describe('ec2 launch templates', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let ami: string;
  let sg: string;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images!;
    ami = images.find((i) => i.Name!.includes('al2023') && i.Architecture === 'x86_64')!.ImageId!;
    sg = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }))).SecurityGroups![0]!.GroupId!;
  });
  after(() => c.stop());

  test('versions: create, derive from a source version, default, describe ranges and filters, delete', async () => {
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'web',
        VersionDescription: 'first',
        LaunchTemplateData: {
          ImageId: ami,
          InstanceType: 't3.micro',
          SecurityGroupIds: [sg],
          UserData: b64('#!/bin/sh\necho hi\n'),
          MetadataOptions: { HttpTokens: 'required' },
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'role', Value: 'web' }, { Key: 'tier', Value: 'front' }] }],
        },
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'team', Value: 'a' }] }],
      }),
    );
    const lt = created.LaunchTemplate!;
    assert.match(lt.LaunchTemplateId!, /^lt-[0-9a-f]{17}$/);
    assert.equal(lt.DefaultVersionNumber, 1);
    assert.equal(lt.LatestVersionNumber, 1);
    assert.deepEqual(lt.Tags, [{ Key: 'team', Value: 'a' }]);
    assert.match(lt.CreatedBy!, /^arn:aws:iam::000000000000:root$/);
    await awsError(ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { InstanceType: 't3.micro' } })), 'InvalidLaunchTemplateName.AlreadyExistsException', 400);

    const v2 = await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: lt.LaunchTemplateId, SourceVersion: '1', VersionDescription: 'bigger', LaunchTemplateData: { InstanceType: 't3.small' } }));
    assert.equal(v2.LaunchTemplateVersion!.VersionNumber, 2);
    assert.equal(v2.LaunchTemplateVersion!.DefaultVersion, false);
    assert.equal(v2.LaunchTemplateVersion!.LaunchTemplateData!.ImageId, ami);
    assert.equal(v2.LaunchTemplateVersion!.LaunchTemplateData!.InstanceType, 't3.small');
    const v3 = await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { InstanceType: 'm5.large' } }));
    assert.equal(v3.LaunchTemplateVersion!.LaunchTemplateData!.ImageId, undefined, 'without SourceVersion nothing is inherited');

    const aliases = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web', Versions: ['$Latest', '$Default'] }));
    assert.deepEqual(aliases.LaunchTemplateVersions!.map((v) => v.VersionNumber), [1, 3]);
    const range = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId, MinVersion: '2', MaxVersion: '3' }));
    assert.deepEqual(range.LaunchTemplateVersions!.map((v) => v.VersionNumber), [2, 3]);
    const small = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId, Filters: [{ Name: 'instance-type', Values: ['t3.small'] }] }));
    assert.deepEqual(small.LaunchTemplateVersions!.map((v) => v.VersionDescription), ['bigger']);

    const modified = await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId, DefaultVersion: '2' }));
    assert.equal(modified.LaunchTemplate!.DefaultVersionNumber, 2);
    await awsError(
      ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId, DefaultVersion: '9' })),
      'InvalidLaunchTemplateId.VersionNotFound',
      400,
      `Could not find the specified version 9 for the launch template with ID ${lt.LaunchTemplateId}.`,
    );
    const del = await ec2.send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web', Versions: ['2', '3', '7'] }));
    assert.deepEqual(del.SuccessfullyDeletedLaunchTemplateVersions!.map((v) => v.VersionNumber), [3]);
    assert.deepEqual(del.UnsuccessfullyDeletedLaunchTemplateVersions!.map((v) => [v.VersionNumber, v.ResponseError!.Code]), [
      [2, 'unexpectedError'],
      [7, 'launchTemplateVersionDoesNotExist'],
    ]);
    const listed = await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'tag:team', Values: ['a'] }] }));
    assert.deepEqual(listed.LaunchTemplates!.map((t) => t.LaunchTemplateName), ['web']);

    await awsError(ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-0123456789abcdef0'] })), 'InvalidLaunchTemplateId.NotFound', 400, 'The specified launch template, with template ID lt-0123456789abcdef0, does not exist.');
    await awsError(ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'nope' })), 'InvalidLaunchTemplateName.NotFoundException', 400, 'The specified launch template, with template name nope, does not exist.');
    await awsError(ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-zz'] })), 'InvalidLaunchTemplateId.Malformed', 400);
  });

  test('RunInstances from a template: the call wins, tags merge, the template is recorded; GetLaunchTemplateData', async () => {
    const lt = (await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'app',
        LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro', TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'role', Value: 'app' }, { Key: 'env', Value: 'dev' }] }] },
      }),
    )).LaunchTemplate!;
    const run = await ec2.send(
      new RunInstancesCommand({
        MinCount: 1,
        MaxCount: 1,
        LaunchTemplate: { LaunchTemplateName: 'app', Version: '$Latest' },
        InstanceType: 't3.small',
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'env', Value: 'prod' }] }],
      }),
    );
    const i = run.Instances![0]!;
    assert.equal(i.ImageId, ami);
    assert.equal(i.InstanceType, 't3.small');
    const tags = Object.fromEntries(i.Tags!.map((t) => [t.Key, t.Value]));
    assert.deepEqual(tags, { role: 'app', env: 'prod', 'aws:ec2launchtemplate:id': lt.LaunchTemplateId, 'aws:ec2launchtemplate:version': '1' });
    await waitState(ec2, i.InstanceId!, 'running');
    const data = (await ec2.send(new GetLaunchTemplateDataCommand({ InstanceId: i.InstanceId! }))).LaunchTemplateData!;
    assert.equal(data.ImageId, ami);
    assert.equal(data.InstanceType, 't3.small');
    assert.deepEqual(data.TagSpecifications![0]!.Tags!.map((t) => t.Key).sort(), ['env', 'role']);
    assert.equal(data.NetworkInterfaces![0]!.DeviceIndex, 0);

    await awsError(ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0' } })), 'InvalidLaunchTemplateId.NotFound', 400);
    await awsError(ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: 'nope' } })), 'InvalidLaunchTemplateName.NotFoundException', 400);
    await awsError(ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: 'app', Version: '4' } })), 'InvalidLaunchTemplateId.VersionNotFound', 400);
    // a template can carry the purchasing option: spot
    const spot = await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: lt.LaunchTemplateId, SourceVersion: '$Latest', LaunchTemplateData: { InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time' } } } }));
    const spotRun = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateId: lt.LaunchTemplateId, Version: String(spot.LaunchTemplateVersion!.VersionNumber) } }));
    assert.equal(spotRun.Instances![0]!.InstanceLifecycle, 'spot');
    assert.equal(spotRun.Instances![0]!.InstanceType, 't3.micro');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!, spotRun.Instances![0]!.InstanceId!] }));
    await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId }));
    await awsError(ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId })), 'InvalidLaunchTemplateId.NotFound', 400);
  });

  test('the public API for Auto Scaling: resolve a template, launch, describe, terminate; idempotent by client token', async () => {
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'asg', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.nano' } }));
    const resolved = launchTemplateData(c.runtime, scope, { LaunchTemplateName: 'asg' });
    assert.equal(resolved.VersionNumber, 1);
    assert.equal(resolved.LaunchTemplateData.InstanceType, 't3.nano');
    assert.throws(() => launchTemplateData(c.runtime, scope, { LaunchTemplateName: 'asg', Version: '5' }), (e: Error & { code?: string }) => e.code === 'InvalidLaunchTemplateId.VersionNotFound');

    const launched = runInstancesInternal(c.runtime, scope, { MinCount: 2, MaxCount: 2, LaunchTemplate: { LaunchTemplateId: resolved.LaunchTemplateId, Version: '$Default' } }, { clientToken: 'tok-1' });
    assert.equal(launched.length, 2);
    assert.equal(launched[0]!.InstanceType, 't3.nano');
    const again = runInstancesInternal(c.runtime, scope, { MinCount: 2, MaxCount: 2, LaunchTemplate: { LaunchTemplateId: resolved.LaunchTemplateId } }, { clientToken: 'tok-1' });
    assert.deepEqual(again.map((i) => i.InstanceId), launched.map((i) => i.InstanceId));
    const ids = launched.map((i) => i.InstanceId!);
    await waitState(ec2, ids[0]!, 'running');
    const seen = describeInstancesInternal(c.runtime, scope, [...ids, 'i-0123456789abcdef0']);
    assert.deepEqual(seen.map((i) => i.InstanceId), ids);
    const changes = terminateInstancesInternal(c.runtime, scope, [...ids, 'i-0123456789abcdef0']);
    assert.deepEqual(changes.map((x) => x.CurrentState!.Name), ['shutting-down', 'shutting-down']);
    await waitState(ec2, ids[1]!, 'terminated');
  });

  test('AWS CLI: create-launch-template, describe-launch-template-versions, delete-launch-template', async () => {
    const data = JSON.stringify({ ImageId: ami, InstanceType: 't3.micro', Monitoring: { Enabled: true } });
    const made = await awsCli(c, ['ec2', 'create-launch-template', '--launch-template-name', 'cli', '--launch-template-data', data]);
    assert.equal(made.code, 0, made.stderr);
    const id = JSON.parse(made.stdout).LaunchTemplate.LaunchTemplateId;
    const versions = await awsCli(c, ['ec2', 'describe-launch-template-versions', '--launch-template-id', id, '--versions', '$Latest']);
    assert.equal(versions.code, 0, versions.stderr);
    const v = JSON.parse(versions.stdout).LaunchTemplateVersions[0];
    assert.equal(v.LaunchTemplateData.Monitoring.Enabled, true);
    assert.equal(v.DefaultVersion, true);
    const gone = await awsCli(c, ['ec2', 'delete-launch-template', '--launch-template-name', 'cli']);
    assert.equal(gone.code, 0, gone.stderr);
    const missing = await awsCli(c, ['ec2', 'delete-launch-template', '--launch-template-name', 'cli']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /InvalidLaunchTemplateName\.NotFoundException/);
  });
});
