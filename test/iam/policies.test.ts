import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  PutRolePermissionsBoundaryCommand,
  SetDefaultPolicyVersionCommand,
  TagPolicyCommand,
  ListPolicyTagsCommand,
} from '@aws-sdk/client-iam';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { allowPolicy, awsError, trustPolicy } from './errors.js';

describe('iam managed policies', () => {
  let c: Cumulus;
  let iam: IAMClient;
  const arn = 'arn:aws:iam::000000000000:policy/team/ReadLogs';
  before(async () => {
    c = await startTestCumulus();
    iam = new IAMClient(clientConfig(c));
  });
  after(() => c.stop());

  test('CreatePolicy, GetPolicy, duplicate names, malformed documents', async () => {
    const res = await iam.send(new CreatePolicyCommand({ PolicyName: 'ReadLogs', Path: '/team/', PolicyDocument: allowPolicy('logs:Get*'), Description: 'read' }));
    assert.equal(res.Policy!.Arn, arn);
    assert.match(res.Policy!.PolicyId!, /^ANPA/);
    assert.equal(res.Policy!.DefaultVersionId, 'v1');
    assert.equal(res.Policy!.AttachmentCount, 0);
    const got = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    assert.equal(got.Policy!.Description, 'read');
    await awsError(
      iam.send(new CreatePolicyCommand({ PolicyName: 'ReadLogs', PolicyDocument: allowPolicy('logs:Get*') })),
      'EntityAlreadyExists',
      409,
      'A policy called ReadLogs already exists. Duplicate names are not allowed.',
    );
    await awsError(iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: '{"Version":"2012-10-17"' })), 'MalformedPolicyDocument', 400);
    await awsError(
      iam.send(new CreatePolicyCommand({ PolicyName: 'Old', PolicyDocument: JSON.stringify({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) })),
      'MalformedPolicyDocument',
    );
    await awsError(iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::000000000000:policy/Nope' })), 'NoSuchEntity', 404, 'Policy arn:aws:iam::000000000000:policy/Nope was not found.');
  });

  test('versions: at most five, default cannot be deleted, documents come back URL-encoded', async () => {
    for (let i = 2; i <= 5; i++) {
      const v = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy(`logs:Get${i}`), SetAsDefault: i === 3 }));
      assert.equal(v.PolicyVersion!.VersionId, `v${i}`);
      assert.equal(v.PolicyVersion!.IsDefaultVersion, i === 3);
    }
    await awsError(
      iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('logs:Get6') })),
      'LimitExceeded',
      409,
      'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
    );
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    assert.deepEqual(versions.Versions!.map((v) => v.VersionId), ['v5', 'v4', 'v3', 'v2', 'v1']);
    await awsError(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' })), 'DeleteConflict', 409, 'Cannot delete the default version of a policy.');
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('logs:Get6') }));
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v6' }));
    const v = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v6' }));
    assert.equal(v.PolicyVersion!.Document, encodeURIComponent(allowPolicy('logs:Get6')));
    assert.equal(v.PolicyVersion!.IsDefaultVersion, true);
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId, 'v6');
    await awsError(iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })), 'NoSuchEntity', 404);
  });

  test('AWS managed policies exist in every account, with their documents', async () => {
    const basic = await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }));
    assert.equal(basic.Policy!.PolicyName, 'AWSLambdaBasicExecutionRole');
    const doc = await iam.send(new GetPolicyVersionCommand({ PolicyArn: basic.Policy!.Arn, VersionId: basic.Policy!.DefaultVersionId }));
    const parsed = JSON.parse(decodeURIComponent(doc.PolicyVersion!.Document!));
    assert.deepEqual(parsed.Statement[0].Action, ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    for (const name of ['service-role/AmazonEC2ContainerServiceforEC2Role', 'service-role/AmazonECSTaskExecutionRolePolicy', 'service-role/AWSBatchServiceRole', 'AdministratorAccess', 'AmazonSSMManagedInstanceCore']) {
      await iam.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::aws:policy/${name}` }));
    }
    const aws = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 1000 }));
    assert.ok(aws.Policies!.length >= 24);
    assert.ok(aws.Policies!.every((p) => p.Arn!.startsWith('arn:aws:iam::aws:policy/')));
    await awsError(iam.send(new DeletePolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })), 'InvalidInput', 400);
  });

  test('attachments: AttachmentCount, OnlyAttached, ListEntitiesForPolicy, DeletePolicy conflicts', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: trustPolicy({ Service: 'ec2.amazonaws.com' }) }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: arn }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'devs', PolicyArn: arn }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'r', PermissionsBoundary: arn }));
    const p = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    assert.equal(p.Policy!.AttachmentCount, 2);
    assert.equal(p.Policy!.PermissionsBoundaryUsageCount, 1);

    const local = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
    assert.deepEqual(local.Policies!.map((x) => x.PolicyName), ['ReadLogs']);
    const attached = await iam.send(new ListPoliciesCommand({ OnlyAttached: true }));
    assert.deepEqual(attached.Policies!.map((x) => x.PolicyName).sort(), ['ReadLogs', 'ReadOnlyAccess']);
    const prefixed = await iam.send(new ListPoliciesCommand({ PathPrefix: '/team/' }));
    assert.deepEqual(prefixed.Policies!.map((x) => x.PolicyName), ['ReadLogs']);

    const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    assert.deepEqual(entities.PolicyUsers!.map((u) => u.UserName), ['alice']);
    assert.deepEqual(entities.PolicyGroups!.map((g) => g.GroupName), ['devs']);
    assert.deepEqual(entities.PolicyRoles!.map((r) => r.RoleName), ['r']);

    await awsError(iam.send(new DeletePolicyCommand({ PolicyArn: arn })), 'DeleteConflict', 409, 'Cannot delete a policy attached to entities.');
    await awsError(iam.send(new DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })), 'NoSuchEntity', 404);
  });

  test('policy tags, account summary and authorization details', async () => {
    await iam.send(new TagPolicyCommand({ PolicyArn: arn, Tags: [{ Key: 'a', Value: '1' }] }));
    assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).Tags, [{ Key: 'a', Value: '1' }]);
    const summary = await iam.send(new GetAccountSummaryCommand({}));
    assert.equal(summary.SummaryMap!.Users, 1);
    assert.equal(summary.SummaryMap!.Policies, 1);
    assert.equal(summary.SummaryMap!.AccessKeysPerUserQuota, 2);
    const details = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    assert.deepEqual(details.UserDetailList!.map((u) => u.UserName), ['alice']);
    assert.equal(details.RoleDetailList![0]!.RoleName, 'r');
    assert.ok(details.Policies!.some((x) => x.PolicyName === 'ReadOnlyAccess'));
    const onlyRoles = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
    assert.equal(onlyRoles.UserDetailList!.length, 0);
  });
});
