import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteGroupCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetGroupCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  UpdateAccessKeyCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { allowPolicy, awsError } from './errors.js';

describe('iam users, groups, access keys, simulation', () => {
  let c: Cumulus;
  let iam: IAMClient;
  before(async () => {
    c = await startTestCumulus();
    iam = new IAMClient(clientConfig(c));
  });
  after(() => c.stop());

  test('users: create, get, list with pagination, rename, errors', async () => {
    const res = await iam.send(new CreateUserCommand({ UserName: 'bob', Path: '/eng/', Tags: [{ Key: 't', Value: 'v' }] }));
    assert.match(res.User!.UserId!, /^AIDA[A-Z2-7]{17}$/);
    assert.equal(res.User!.Arn, 'arn:aws:iam::000000000000:user/eng/bob');
    await awsError(iam.send(new CreateUserCommand({ UserName: 'Bob' })), 'EntityAlreadyExists', 409, 'User with name Bob already exists.');
    await awsError(iam.send(new GetUserCommand({ UserName: 'nobody' })), 'NoSuchEntity', 404, 'The user with name nobody cannot be found.');
    await awsError(iam.send(new CreateUserCommand({ UserName: 'bad name!' })), 'ValidationError', 400);
    for (const n of ['u1', 'u2', 'u3']) await iam.send(new CreateUserCommand({ UserName: n }));
    const first = await iam.send(new ListUsersCommand({ MaxItems: 3 }));
    assert.equal(first.IsTruncated, true);
    const second = await iam.send(new ListUsersCommand({ MaxItems: 3, Marker: first.Marker }));
    assert.equal(second.IsTruncated, false);
    assert.deepEqual([...first.Users!, ...second.Users!].map((u) => u.UserName), ['bob', 'u1', 'u2', 'u3']);
    await iam.send(new UpdateUserCommand({ UserName: 'u3', NewUserName: 'u4', NewPath: '/x/' }));
    assert.equal((await iam.send(new GetUserCommand({ UserName: 'u4' }))).User!.Arn, 'arn:aws:iam::000000000000:user/x/u4');
  });

  test('access keys: AKIA ids, two per user, status, and they identify the user', async () => {
    const k1 = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
    assert.match(k1.AccessKeyId!, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(k1.SecretAccessKey!.length, 40);
    assert.equal(k1.Status, 'Active');
    await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    await awsError(iam.send(new CreateAccessKeyCommand({ UserName: 'bob' })), 'LimitExceeded', 409, 'Cannot exceed quota for AccessKeysPerUser: 2');
    assert.equal((await iam.send(new ListAccessKeysCommand({ UserName: 'bob' }))).AccessKeyMetadata!.length, 2);

    const creds = { accessKeyId: k1.AccessKeyId!, secretAccessKey: k1.SecretAccessKey! };
    const who = await new STSClient(clientConfig(c, { credentials: creds })).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, 'arn:aws:iam::000000000000:user/eng/bob');
    assert.match(who.UserId!, /^AIDA/);
    // a user's own calls default to itself
    const self = await new IAMClient(clientConfig(c, { credentials: creds })).send(new GetUserCommand({}));
    assert.equal(self.User!.UserName, 'bob');
    const last = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k1.AccessKeyId }));
    assert.equal(last.UserName, 'bob');

    await iam.send(new UpdateAccessKeyCommand({ UserName: 'bob', AccessKeyId: k1.AccessKeyId, Status: 'Inactive' }));
    await awsError(new STSClient(clientConfig(c, { credentials: creds })).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
    await awsError(iam.send(new DeleteAccessKeyCommand({ UserName: 'u1', AccessKeyId: k1.AccessKeyId })), 'NoSuchEntity', 404, `The Access Key with id ${k1.AccessKeyId} cannot be found.`);
  });

  test('groups: members, ListGroupsForUser, DeleteGroup and DeleteUser conflicts', async () => {
    const g = await iam.send(new CreateGroupCommand({ GroupName: 'admins' }));
    assert.match(g.Group!.GroupId!, /^AGPA/);
    await awsError(iam.send(new CreateGroupCommand({ GroupName: 'admins' })), 'EntityAlreadyExists', 409, 'Group with name admins already exists.');
    await iam.send(new AddUserToGroupCommand({ GroupName: 'admins', UserName: 'u1' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'admins', UserName: 'u2' }));
    const got = await iam.send(new GetGroupCommand({ GroupName: 'admins' }));
    assert.deepEqual(got.Users!.map((u) => u.UserName), ['u1', 'u2']);
    assert.deepEqual((await iam.send(new ListGroupsForUserCommand({ UserName: 'u1' }))).Groups!.map((x) => x.GroupName), ['admins']);
    await awsError(iam.send(new DeleteGroupCommand({ GroupName: 'admins' })), 'DeleteConflict', 409, 'Cannot delete entity, must remove users from group first.');
    await awsError(iam.send(new DeleteUserCommand({ UserName: 'u2' })), 'DeleteConflict', 409, 'Cannot delete entity, must remove users from group first.');
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'admins', UserName: 'u2' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'u2', PolicyName: 'p', PolicyDocument: allowPolicy('s3:*') }));
    await awsError(iam.send(new DeleteUserCommand({ UserName: 'u2' })), 'DeleteConflict', 409, 'Cannot delete entity, must delete policies first.');
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'u2', PolicyName: 'p' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'u2', Password: 'Passw0rd!Passw0rd' }));
    await awsError(iam.send(new DeleteUserCommand({ UserName: 'u2' })), 'DeleteConflict', 409, 'Cannot delete entity, must delete login profile first.');
    await iam.send(new DeleteLoginProfileCommand({ UserName: 'u2' }));
    await iam.send(new DeleteUserCommand({ UserName: 'u2' }));
    await awsError(iam.send(new DeleteUserCommand({ UserName: 'bob' })), 'DeleteConflict', 409, 'Cannot delete entity, must delete access keys first.');
  });

  test('SimulatePrincipalPolicy: user and group policies, explicit deny, boundaries, context', async () => {
    const ip = await iam.send(new CreatePolicyCommand({
      PolicyName: 'FromOffice',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] }),
    }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'admins', PolicyArn: ip.Policy!.Arn }));
    await iam.send(new PutUserPolicyCommand({
      UserName: 'u1',
      PolicyName: 'S3',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: '*' },
          { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::prod' },
        ],
      }),
    }));
    const user = 'arn:aws:iam::000000000000:user/u1';
    const res = await iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: user,
      ActionNames: ['s3:GetObject', 's3:DeleteBucket', 'iam:CreateUser'],
      ResourceArns: ['arn:aws:s3:::prod'],
    }));
    const decisions = Object.fromEntries(res.EvaluationResults!.map((r) => [r.EvalActionName, r.EvalDecision]));
    assert.deepEqual(decisions, { 's3:GetObject': 'allowed', 's3:DeleteBucket': 'explicitDeny', 'iam:CreateUser': 'implicitDeny' });
    const deny = res.EvaluationResults!.find((r) => r.EvalActionName === 's3:DeleteBucket')!;
    assert.ok(deny.MatchedStatements!.some((m) => m.SourcePolicyId === 'S3' && m.SourcePolicyType === 'user'));

    const ec2 = (ipAddress: string) =>
      iam.send(new SimulatePrincipalPolicyCommand({
        PolicySourceArn: user,
        ActionNames: ['ec2:RunInstances'],
        ContextEntries: [{ ContextKeyName: 'aws:SourceIp', ContextKeyType: 'ip', ContextKeyValues: [ipAddress] }],
      }));
    assert.equal((await ec2('10.1.2.3')).EvaluationResults![0]!.EvalDecision, 'allowed');
    assert.equal((await ec2('192.168.0.1')).EvaluationResults![0]!.EvalDecision, 'implicitDeny');

    const bounded = await iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: user,
      ActionNames: ['s3:GetObject'],
      PermissionsBoundaryPolicyInputList: [allowPolicy('ec2:*')],
    }));
    assert.equal(bounded.EvaluationResults![0]!.EvalDecision, 'implicitDeny');
    await awsError(iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::000000000000:user/ghost', ActionNames: ['s3:*'] })), 'NoSuchEntity', 404);

    const custom = await iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [allowPolicy('sqs:SendMessage', 'arn:aws:sqs:*:*:q')], ActionNames: ['sqs:SendMessage'], ResourceArns: ['arn:aws:sqs:us-east-1:000000000000:q', 'arn:aws:sqs:us-east-1:000000000000:other'] }));
    assert.deepEqual(custom.EvaluationResults!.map((r) => r.EvalDecision), ['allowed', 'implicitDeny']);
    assert.deepEqual(custom.EvaluationResults![0]!.MatchedStatements![0]!.StartPosition, { Line: 1, Column: 38 });
  });
});
