import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AttachUserPolicyCommand, PutRolePolicyCommand, CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, GetRoleCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  DecodeAuthorizationMessageCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { encodeAuthorizationMessage } from '../../src/services/sts/index.js';
import { allowPolicy, awsError, trustPolicy } from '../iam/errors.js';

type Creds = { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string };
const asCredentials = (c: Creds) => ({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken });

describe('sts', () => {
  let c: Cumulus;
  let iam: IAMClient;
  let sts: STSClient;
  const stsAs = (creds: Creds | { accessKeyId: string; secretAccessKey: string }) =>
    new STSClient(clientConfig(c, { credentials: 'accessKeyId' in creds ? creds : asCredentials(creds) }));
  const advance = (seconds: number) => fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });

  before(async () => {
    c = await startTestCumulus();
    iam = new IAMClient(clientConfig(c));
    sts = new STSClient(clientConfig(c));
    await iam.send(new CreateRoleCommand({ RoleName: 'deploy', Path: '/ci/', AssumeRolePolicyDocument: trustPolicy({ AWS: 'arn:aws:iam::000000000000:root' }), MaxSessionDuration: 7200 }));
    await iam.send(new CreateRoleCommand({ RoleName: 'lambda-only', AssumeRolePolicyDocument: trustPolicy({ Service: 'lambda.amazonaws.com' }) }));
  });
  after(() => c.stop());

  test('AssumeRole issues working credentials that identify the session', async () => {
    const res = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ci/deploy', RoleSessionName: 'build-42' }));
    const creds = res.Credentials!;
    assert.match(creds.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(creds.SecretAccessKey!.length, 40);
    assert.ok(creds.SessionToken!.length > 100);
    assert.ok(creds.Expiration instanceof Date);
    assert.ok(Math.abs(creds.Expiration!.getTime() - Date.now() - 3600_000) < 60_000);
    assert.equal(res.AssumedRoleUser!.Arn, 'arn:aws:sts::000000000000:assumed-role/deploy/build-42');
    assert.match(res.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z2-7]{17}:build-42$/);

    const who = await stsAs(creds).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, 'arn:aws:sts::000000000000:assumed-role/deploy/build-42');
    assert.equal(who.UserId, res.AssumedRoleUser!.AssumedRoleId);
    assert.equal(who.Account, '000000000000');
    const role = await iam.send(new GetRoleCommand({ RoleName: 'deploy' }));
    assert.equal(role.Role!.RoleLastUsed!.Region, 'us-east-1');
  });

  test('the trust policy decides: AccessDenied with AWS message, missing roles too', async () => {
    const arn = 'arn:aws:iam::000000000000:role/lambda-only';
    await awsError(
      sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 's1' })),
      'AccessDenied',
      403,
      `User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    );
    await awsError(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ghost', RoleSessionName: 's1' })), 'AccessDenied', 403);
  });

  test('duration limits and session names', async () => {
    const arn = 'arn:aws:iam::000000000000:role/ci/deploy';
    await awsError(
      sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'ss', DurationSeconds: 7201 })),
      'ValidationError',
      400,
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
    await awsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'ok', DurationSeconds: 899 })), 'ValidationError', 400);
    await awsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'bad name' })), 'ValidationError', 400);
    const long = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'long', DurationSeconds: 7200 }));
    assert.ok(long.Credentials!.Expiration!.getTime() - Date.now() > 7000_000);
    // role chaining is capped at one hour (the session needs its own permission: the trust names the account)
    await iam.send(new PutRolePolicyCommand({ RoleName: 'deploy', PolicyName: 'chain', PolicyDocument: allowPolicy('sts:AssumeRole') }));
    await awsError(
      stsAs(long.Credentials!).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'chain', DurationSeconds: 3601 })),
      'ValidationError',
      400,
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  });

  test('ExternalId conditions, session tags and session policies', async () => {
    await iam.send(new CreateRoleCommand({
      RoleName: 'partner',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '000000000000' }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': 'secret-123' } } }],
      }),
    }));
    const arn = 'arn:aws:iam::000000000000:role/partner';
    await awsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'pp' })), 'AccessDenied', 403);
    await awsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'pp', ExternalId: 'wrong-1' })), 'AccessDenied', 403);
    const res = await sts.send(new AssumeRoleCommand({
      RoleArn: arn,
      RoleSessionName: 'pp',
      ExternalId: 'secret-123',
      Tags: [{ Key: 'project', Value: 'x' }],
      TransitiveTagKeys: ['project'],
      Policy: allowPolicy('s3:GetObject'),
    }));
    assert.ok(res.PackedPolicySize! > 0 && res.PackedPolicySize! <= 100);
    await awsError(
      sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'pp', ExternalId: 'secret-123', Tags: [{ Key: 'a', Value: '1' }], TransitiveTagKeys: ['b'] })),
      'InvalidParameterValue',
    );
    await awsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'pp', ExternalId: 'secret-123', Policy: '{"Statement":' })), 'MalformedPolicyDocument', 400);
    // tagging needs sts:TagSession in the trust policy
    await awsError(
      sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ci/deploy', RoleSessionName: 'tt', Tags: [{ Key: 'a', Value: '1' }] })),
      'AccessDenied',
      403,
      /sts:TagSession/,
    );
  });

  test('IAM users need an identity policy unless the trust policy names them', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!;
    const carol = stsAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    const arn = 'arn:aws:iam::000000000000:role/ci/deploy';
    await awsError(
      carol.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'cc' })),
      'AccessDenied',
      403,
      `User: arn:aws:iam::000000000000:user/carol is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    );
    await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'assume', PolicyDocument: allowPolicy('sts:AssumeRole', arn) }));
    const res = await carol.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'cc' }));
    assert.equal(res.AssumedRoleUser!.Arn, 'arn:aws:sts::000000000000:assumed-role/deploy/cc');

    await iam.send(new CreateRoleCommand({ RoleName: 'for-carol', AssumeRolePolicyDocument: trustPolicy({ AWS: 'arn:aws:iam::000000000000:user/carol' }) }));
    await carol.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/for-carol', RoleSessionName: 'direct' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
  });

  test('cross-account: a role in 111111111111 trusting 222222222222', async () => {
    const iam1 = new IAMClient(clientConfig(c, { credentials: { accessKeyId: '111111111111', secretAccessKey: 'x' } }));
    await iam1.send(new CreateRoleCommand({ RoleName: 'shared', AssumeRolePolicyDocument: trustPolicy({ AWS: 'arn:aws:iam::222222222222:root' }) }));
    const arn = 'arn:aws:iam::111111111111:role/shared';
    await awsError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'xx' })), 'AccessDenied', 403, /User: arn:aws:iam::000000000000:root is not authorized/);
    const res = await stsAs({ accessKeyId: '222222222222', secretAccessKey: 'x' }).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'xx' }));
    const who = await stsAs(res.Credentials!).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Account, '111111111111');
    assert.equal(who.Arn, 'arn:aws:sts::111111111111:assumed-role/shared/xx');
    const info = await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: res.Credentials!.AccessKeyId }));
    assert.equal(info.Account, '111111111111');
    assert.equal((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: 'AKIAUNKNOWNKEY123456' }))).Account, '000000000000');
    // the role lives in its own account only
    await awsError(new IAMClient(clientConfig(c)).send(new GetRoleCommand({ RoleName: 'shared' })), 'NoSuchEntity', 404);
  });

  test('GetSessionToken and GetFederationToken', async () => {
    const token = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    assert.match(token.Credentials!.AccessKeyId!, /^ASIA/);
    const who = await stsAs(token.Credentials!).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, 'arn:aws:iam::000000000000:root');
    await awsError(stsAs(token.Credentials!).send(new GetSessionTokenCommand({})), 'AccessDenied', 403, 'Cannot call GetSessionToken with session credentials');
    await awsError(sts.send(new GetSessionTokenCommand({ DurationSeconds: 129601 })), 'ValidationError', 400);

    const fed = await sts.send(new GetFederationTokenCommand({ Name: 'guest', Policy: allowPolicy('s3:GetObject') }));
    assert.equal(fed.FederatedUser!.Arn, 'arn:aws:sts::000000000000:federated-user/guest');
    assert.equal((await stsAs(fed.Credentials!).send(new GetCallerIdentityCommand({}))).Arn, 'arn:aws:sts::000000000000:federated-user/guest');
  });

  test('DecodeAuthorizationMessage decodes what Cumulus encodes', async () => {
    const encoded = encodeAuthorizationMessage({
      allowed: false,
      explicitDeny: false,
      context: { principal: { arn: 'arn:aws:iam::000000000000:user/x' }, action: 'ec2:RunInstances', resource: '*' },
    });
    const res = await sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }));
    assert.equal(JSON.parse(res.DecodedMessage!).context.action, 'ec2:RunInstances');
    await awsError(sts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'garbage' })), 'InvalidAuthorizationMessageException', 400);
  });

  test('AssumeRoleWithWebIdentity: Federated principal, token claims as condition keys', async () => {
    const issuer = 'token.actions.githubusercontent.com';
    await iam.send(new CreateRoleCommand({
      RoleName: 'gha',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::000000000000:oidc-provider/${issuer}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${issuer}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${issuer}:sub`]: 'repo:org/app:*' } },
        }],
      }),
    }));
    const jwt = (claims: Record<string, unknown>) =>
      [{ alg: 'RS256', typ: 'JWT' }, claims].map((p) => Buffer.from(JSON.stringify(p)).toString('base64url')).join('.') + '.c2ln';
    const unsigned = new STSClient({ endpoint: c.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'ignored', secretAccessKey: 'x' } });
    const exp = Math.floor(Date.now() / 1000) + 3600 * 24;
    const res = await unsigned.send(new AssumeRoleWithWebIdentityCommand({
      RoleArn: 'arn:aws:iam::000000000000:role/gha',
      RoleSessionName: 'gh',
      WebIdentityToken: jwt({ iss: `https://${issuer}`, sub: 'repo:org/app:ref:refs/heads/main', aud: 'sts.amazonaws.com', exp }),
    }));
    assert.equal(res.SubjectFromWebIdentityToken, 'repo:org/app:ref:refs/heads/main');
    assert.equal(res.Audience, 'sts.amazonaws.com');
    assert.equal(res.Provider, `https://${issuer}`);
    assert.equal(res.AssumedRoleUser!.Arn, 'arn:aws:sts::000000000000:assumed-role/gha/gh');
    await awsError(
      unsigned.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/gha', RoleSessionName: 'gh', WebIdentityToken: jwt({ iss: `https://${issuer}`, sub: 'repo:other/x:ref', aud: 'sts.amazonaws.com', exp }) })),
      'AccessDenied',
      403,
      'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    await awsError(
      unsigned.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/gha', RoleSessionName: 'gh', WebIdentityToken: 'not-a-jwt-token' })),
      'InvalidIdentityToken',
      400,
    );
  });

  test('credentials expire on the virtual clock: ExpiredToken', async () => {
    const res = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ci/deploy', RoleSessionName: 'short' }));
    const client = stsAs(res.Credentials!);
    await client.send(new GetCallerIdentityCommand({}));
    assert.equal((await advance(3601)).status, 200);
    await awsError(client.send(new GetCallerIdentityCommand({})), 'ExpiredToken', 403, 'The security token included in the request is expired');
    await awsError(
      new IAMClient(clientConfig(c, { credentials: asCredentials(res.Credentials!) })).send(new GetRoleCommand({ RoleName: 'deploy' })),
      'ExpiredToken',
      403,
    );
  });
});

describe('sts and iam keys in strict SigV4 mode', () => {
  let c: Cumulus;
  before(async () => {
    c = await startTestCumulus({ strictSigV4: true });
  });
  after(() => c.stop());

  test('IAM user keys and STS session keys sign requests with their secrets', async () => {
    // strict mode knows no secret for the root's 'test' key: the user and its key are made in-process
    const handlers = c.controlPlane.service('iam')!.handlers;
    const ctx = { ...c.runtime, account: '000000000000', region: 'us-east-1', caller: { type: 'Root', arn: 'arn:aws:iam::000000000000:root', userId: '000000000000', accessKeyId: '' } };
    c.runtime.store.transaction(() => handlers['CreateUser']!(ctx as never, { UserName: 'strict' }));
    const key = (c.runtime.store.transaction(() => handlers['CreateAccessKey']!(ctx as never, { UserName: 'strict' })) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } }).AccessKey;
    const unsigned = new STSClient(clientConfig(c));
    await awsError(unsigned.send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
    const good = new STSClient(clientConfig(c, { credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } }));
    assert.equal((await good.send(new GetCallerIdentityCommand({}))).Arn, 'arn:aws:iam::000000000000:user/strict');
    const bad = new STSClient(clientConfig(c, { credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: 'wrong-secret' } }));
    await assert.rejects(bad.send(new GetCallerIdentityCommand({})));
    const token = await good.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const session = new STSClient(clientConfig(c, { credentials: asCredentials(token.Credentials!) }));
    assert.equal((await session.send(new GetCallerIdentityCommand({}))).Arn, 'arn:aws:iam::000000000000:user/strict');
  });
});
