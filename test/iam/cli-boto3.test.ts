import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { awsCli, boto3, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { allowPolicy, trustPolicy } from './errors.js';

describe('iam and sts through the AWS CLI and boto3', () => {
  let c: Cumulus;
  before(async () => {
    c = await startTestCumulus();
  });
  after(() => c.stop());

  test('CLI: role, instance profile, errors with exit codes', async () => {
    const trust = trustPolicy({ Service: 'ec2.amazonaws.com' });
    const created = await awsCli(c, ['iam', 'create-role', '--role-name', 'cli-role', '--assume-role-policy-document', trust]);
    assert.equal(created.code, 0, created.stderr);
    // the CLI decodes the URL-encoded document into JSON
    const got = await awsCli(c, ['iam', 'get-role', '--role-name', 'cli-role']);
    assert.deepEqual(JSON.parse(got.stdout).Role.AssumeRolePolicyDocument, JSON.parse(trust));
    assert.equal((await awsCli(c, ['iam', 'create-instance-profile', '--instance-profile-name', 'cli-ip'])).code, 0);
    assert.equal((await awsCli(c, ['iam', 'add-role-to-instance-profile', '--instance-profile-name', 'cli-ip', '--role-name', 'cli-role'])).code, 0);
    const ip = JSON.parse((await awsCli(c, ['iam', 'get-instance-profile', '--instance-profile-name', 'cli-ip'])).stdout);
    assert.equal(ip.InstanceProfile.Roles[0].RoleName, 'cli-role');
    const dup = await awsCli(c, ['iam', 'create-role', '--role-name', 'cli-role', '--assume-role-policy-document', trust]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /EntityAlreadyExists.*Role with name cli-role already exists\./);
    const conflict = await awsCli(c, ['iam', 'delete-role', '--role-name', 'cli-role']);
    assert.match(conflict.stderr, /DeleteConflict/);
  });

  test('CLI: sts assume-role, then calls with the session credentials', async () => {
    const trust = trustPolicy({ AWS: '000000000000' });
    assert.equal((await awsCli(c, ['iam', 'create-role', '--role-name', 'cli-assumed', '--assume-role-policy-document', trust])).code, 0);
    const res = await awsCli(c, ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/cli-assumed', '--role-session-name', 'cli-s']);
    assert.equal(res.code, 0, res.stderr);
    const creds = JSON.parse(res.stdout).Credentials;
    const env = { AWS_ACCESS_KEY_ID: creds.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey, AWS_SESSION_TOKEN: creds.SessionToken };
    const who = await awsCli(c, ['sts', 'get-caller-identity'], env);
    assert.equal(JSON.parse(who.stdout).Arn, 'arn:aws:sts::000000000000:assumed-role/cli-assumed/cli-s');
    const denied = await awsCli(c, ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/cli-role', '--role-session-name', 'cli-s']);
    assert.match(denied.stderr, /AccessDenied.*is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role\/cli-role/);
  });

  test('CLI: managed policy versions and the CLI paginator over list-policies', async () => {
    const p = await awsCli(c, ['iam', 'create-policy', '--policy-name', 'cli-pol', '--policy-document', allowPolicy('s3:*')]);
    assert.equal(p.code, 0, p.stderr);
    const arn = JSON.parse(p.stdout).Policy.Arn;
    const v = await awsCli(c, ['iam', 'get-policy-version', '--policy-arn', arn, '--version-id', 'v1']);
    assert.deepEqual(JSON.parse(v.stdout).PolicyVersion.Document, JSON.parse(allowPolicy('s3:*')));
    // the CLI follows Marker across pages of 5 until IsTruncated is false
    const all = await awsCli(c, ['iam', 'list-policies', '--scope', 'AWS', '--page-size', '5']);
    assert.equal(all.code, 0, all.stderr);
    assert.ok(JSON.parse(all.stdout).Policies.length >= 24);
  });

  test('boto3: user, access key, identity, assume role', async () => {
    const script = `
iam = boto3.client('iam', endpoint_url=endpoint)
iam.create_user(UserName='py')
key = iam.create_access_key(UserName='py')['AccessKey']
iam.create_role(RoleName='py-role', AssumeRolePolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::000000000000:user/py'}, 'Action': 'sts:AssumeRole'}]}))
doc = iam.get_role(RoleName='py-role')['Role']['AssumeRolePolicyDocument']
user_sts = boto3.client('sts', endpoint_url=endpoint, aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'])
me = user_sts.get_caller_identity()['Arn']
creds = user_sts.assume_role(RoleArn='arn:aws:iam::000000000000:role/py-role', RoleSessionName='py-session')['Credentials']
role_sts = boto3.client('sts', endpoint_url=endpoint, aws_access_key_id=creds['AccessKeyId'], aws_secret_access_key=creds['SecretAccessKey'], aws_session_token=creds['SessionToken'])
assumed = role_sts.get_caller_identity()['Arn']
try:
    iam.delete_user(UserName='py')
    conflict = None
except iam.exceptions.DeleteConflictException as e:
    conflict = e.response['Error']['Code']
print(json.dumps({'doc': doc, 'me': me, 'assumed': assumed, 'conflict': conflict}))
`;
    const res = await boto3(c, script);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.doc.Statement[0].Principal.AWS, 'arn:aws:iam::000000000000:user/py');
    assert.equal(out.me, 'arn:aws:iam::000000000000:user/py');
    assert.equal(out.assumed, 'arn:aws:sts::000000000000:assumed-role/py-role/py-session');
    assert.equal(out.conflict, 'DeleteConflict');
  });

  test('boto3: errors carry AWS codes and HTTP status', async () => {
    const script = `
iam = boto3.client('iam', endpoint_url=endpoint)
out = {}
try:
    iam.get_role(RoleName='missing')
except iam.exceptions.NoSuchEntityException as e:
    out['missing'] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Message']]
try:
    iam.create_policy(PolicyName='bad', PolicyDocument='{"Statement": 1}')
except iam.exceptions.MalformedPolicyDocumentException as e:
    out['malformed'] = e.response['Error']['Code']
print(json.dumps(out))
`;
    const res = await boto3(c, script);
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.deepEqual(out.missing, ['NoSuchEntity', 404, 'The role with name missing cannot be found.']);
    assert.equal(out.malformed, 'MalformedPolicyDocument');
  });
});
