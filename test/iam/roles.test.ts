import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteServiceLinkedRoleCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { allowPolicy, awsError, trustPolicy } from './errors.js';

const lambdaTrust = trustPolicy({ Service: 'lambda.amazonaws.com' });

describe('iam roles and instance profiles', () => {
  let c: Cumulus;
  let iam: IAMClient;
  before(async () => {
    c = await startTestCumulus();
    iam = new IAMClient(clientConfig(c));
  });
  after(() => c.stop());

  test('CreateRole, GetRole (URL-encoded trust policy), duplicate and missing roles', async () => {
    const created = await iam.send(new CreateRoleCommand({ RoleName: 'app', Path: '/svc/', AssumeRolePolicyDocument: lambdaTrust, Description: 'd', Tags: [{ Key: 'team', Value: 'a' }] }));
    assert.match(created.Role!.RoleId!, /^AROA[A-Z2-7]{17}$/);
    assert.equal(created.Role!.Arn, 'arn:aws:iam::000000000000:role/svc/app');
    assert.equal(created.Role!.MaxSessionDuration, 3600);
    const got = await iam.send(new GetRoleCommand({ RoleName: 'app' }));
    assert.equal(got.Role!.AssumeRolePolicyDocument, encodeURIComponent(lambdaTrust));
    assert.deepEqual(JSON.parse(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)), JSON.parse(lambdaTrust));
    assert.deepEqual(got.Role!.Tags, [{ Key: 'team', Value: 'a' }]);
    assert.ok(got.Role!.CreateDate instanceof Date);

    await awsError(iam.send(new CreateRoleCommand({ RoleName: 'APP', AssumeRolePolicyDocument: lambdaTrust })), 'EntityAlreadyExists', 409, 'Role with name APP already exists.');
    await awsError(iam.send(new GetRoleCommand({ RoleName: 'nope' })), 'NoSuchEntity', 404, 'The role with name nope cannot be found.');
  });

  test('trust policies and MaxSessionDuration are validated', async () => {
    await awsError(iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: '{not json' })), 'MalformedPolicyDocument', 400);
    await awsError(
      iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: allowPolicy('s3:GetObject') })),
      'MalformedPolicyDocument',
      400,
    );
    await awsError(iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: lambdaTrust, MaxSessionDuration: 60 })), 'ValidationError', 400);
    await iam.send(new UpdateRoleCommand({ RoleName: 'app', MaxSessionDuration: 7200 }));
    assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'app' }))).Role!.MaxSessionDuration, 7200);
    const ec2Trust = trustPolicy({ Service: 'ec2.amazonaws.com' });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'app', PolicyDocument: ec2Trust }));
    assert.equal(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'app' }))).Role!.AssumeRolePolicyDocument!), ec2Trust);
  });

  test('ListRoles pages with Marker/MaxItems and filters by PathPrefix', async () => {
    for (let i = 0; i < 5; i++) await iam.send(new CreateRoleCommand({ RoleName: `page-${i}`, Path: '/paged/', AssumeRolePolicyDocument: lambdaTrust }));
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const res = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: marker }));
      names.push(...res.Roles!.map((r) => r.RoleName!));
      assert.equal(res.IsTruncated, res.Marker !== undefined);
      marker = res.Marker;
      pages++;
    } while (marker);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  test('inline and attached role policies; DeleteRole conflicts until they are gone', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: lambdaTrust }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'logs', PolicyDocument: allowPolicy('logs:*') }));
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'logs' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(inline.PolicyDocument!)), JSON.parse(allowPolicy('logs:*')));
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'worker' }))).PolicyNames, ['logs']);
    await awsError(iam.send(new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'x' })), 'NoSuchEntity', 404, 'The role policy with name x cannot be found.');
    await awsError(iam.send(new PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'bad', PolicyDocument: '{"Statement":[]}' })), 'MalformedPolicyDocument');

    const basic = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'worker', PolicyArn: basic }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'worker' }));
    assert.deepEqual(attached.AttachedPolicies, [{ PolicyName: 'AWSLambdaBasicExecutionRole', PolicyArn: basic }]);
    await awsError(
      iam.send(new AttachRolePolicyCommand({ RoleName: 'worker', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' })),
      'NoSuchEntity',
      404,
      'Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.',
    );

    await awsError(iam.send(new DeleteRoleCommand({ RoleName: 'worker' })), 'DeleteConflict', 409, 'Cannot delete entity, must detach all policies first.');
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'worker', PolicyArn: basic }));
    await awsError(iam.send(new DeleteRoleCommand({ RoleName: 'worker' })), 'DeleteConflict', 409, 'Cannot delete entity, must delete policies first.');
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'worker', PolicyName: 'logs' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'worker' }));
    await awsError(iam.send(new GetRoleCommand({ RoleName: 'worker' })), 'NoSuchEntity', 404);
  });

  test('instance profiles hold one role; a role in a profile cannot be deleted', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'ec2-a', AssumeRolePolicyDocument: trustPolicy({ Service: 'ec2.amazonaws.com' }) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'ec2-b', AssumeRolePolicyDocument: trustPolicy({ Service: 'ec2.amazonaws.com' }) }));
    const created = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web', Tags: [{ Key: 'k', Value: 'v' }] }));
    assert.match(created.InstanceProfile!.InstanceProfileId!, /^AIPA/);
    assert.equal(created.InstanceProfile!.Arn, 'arn:aws:iam::000000000000:instance-profile/web');
    await awsError(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web' })), 'EntityAlreadyExists', 409, 'Instance Profile web already exists.');
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'ec2-a' }));
    await awsError(
      iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'ec2-b' })),
      'LimitExceeded',
      409,
      'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
    );
    const got = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' }));
    assert.deepEqual(got.InstanceProfile!.Roles!.map((r) => r.RoleName), ['ec2-a']);
    const forRole = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'ec2-a' }));
    assert.deepEqual(forRole.InstanceProfiles!.map((p) => p.InstanceProfileName), ['web']);

    await awsError(iam.send(new DeleteRoleCommand({ RoleName: 'ec2-a' })), 'DeleteConflict', 409, 'Cannot delete entity, must remove roles from instance profile first.');
    await awsError(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web' })), 'DeleteConflict', 409, 'Cannot delete entity, must remove roles from instance profile first.');
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web', RoleName: 'ec2-a' }));
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'ec2-a' }));
    await awsError(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' })), 'NoSuchEntity', 404, 'Instance Profile web cannot be found.');
  });

  test('role tags: TagRole, UntagRole (case-insensitive keys), ListRoleTags, limits', async () => {
    await iam.send(new TagRoleCommand({ RoleName: 'app', Tags: [{ Key: 'env', Value: 'dev' }, { Key: 'owner', Value: 'me' }] }));
    await iam.send(new UntagRoleCommand({ RoleName: 'app', TagKeys: ['ENV'] }));
    const tags = await iam.send(new ListRoleTagsCommand({ RoleName: 'app' }));
    assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'a' }, { Key: 'owner', Value: 'me' }]);
    const many = Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await awsError(iam.send(new TagRoleCommand({ RoleName: 'app', Tags: many })), 'LimitExceeded', 409);
  });

  test('service-linked roles: AWS names and paths, protected, deleted through DeleteServiceLinkedRole', async () => {
    const res = await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' }));
    assert.equal(res.Role!.RoleName, 'AWSServiceRoleForAutoScaling');
    assert.equal(res.Role!.Path, '/aws-service-role/autoscaling.amazonaws.com/');
    assert.equal(res.Role!.Arn, 'arn:aws:iam::000000000000:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling');
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }));
    assert.equal(attached.AttachedPolicies![0]!.PolicyArn, 'arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy');
    await awsError(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' })), 'InvalidInput', 400, /has been taken/);
    const ecs = await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ecs.amazonaws.com' }));
    assert.equal(ecs.Role!.RoleName, 'AWSServiceRoleForECS');
    await awsError(
      iam.send(new DeleteRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' })),
      'UnmodifiableEntity',
      400,
      "Cannot perform the operation on the protected role 'AWSServiceRoleForAutoScaling' - this role is only modifiable by AWS",
    );
    const del = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }));
    assert.match(del.DeletionTaskId!, /^task\/aws-service-role\/autoscaling.amazonaws.com\/AWSServiceRoleForAutoScaling\//);
    const status = await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: del.DeletionTaskId }));
    assert.equal(status.Status, 'SUCCEEDED');
    await awsError(iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' })), 'NoSuchEntity', 404);
  });
});
