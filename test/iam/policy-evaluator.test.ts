// IAM's evaluation logic and condition operators: pure module, no server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicyDocument, type PolicyDocument } from '../../src/services/iam/policy-document.js';
import { evaluate, trustPolicyAllows, type EvaluationInput, type RequestInfo } from '../../src/services/iam/policy-evaluator.js';
import { arnLike, contextLookup, globMatch, ipInCidr, operatorMatches } from '../../src/services/iam/policy-conditions.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const alice = { arn: `arn:aws:iam::${ACCOUNT}:user/team/alice`, account: ACCOUNT };
const session = { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-run`, account: ACCOUNT };
const outsider = { arn: `arn:aws:iam::${OTHER}:user/mallory`, account: OTHER };

const identity = (...Statement: object[]): PolicyDocument => parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement }), 'identity');
const resourcePolicy = (...Statement: object[]): PolicyDocument => parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement }), 'resource');
const trust = (...Statement: object[]): PolicyDocument => parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement }), 'trust');

const allow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Deny', Action, Resource, ...extra });

function request(partial: Partial<RequestInfo> = {}): RequestInfo {
  return { action: 'iam:CreateRole', resource: '*', principal: alice, ...partial };
}

function decide(policies: PolicyDocument[], req: Partial<RequestInfo> = {}, rest: Partial<EvaluationInput> = {}): string {
  return evaluate({ identityPolicies: policies.map((document, i) => ({ id: `p${i}`, document })), request: request(req), ...rest }).decision;
}

/** Whether a single-statement identity policy with this Condition allows the request with this context. */
function conditionHolds(Condition: object, context: Record<string, string | string[]>, version = '2012-10-17'): boolean {
  const doc = parsePolicyDocument(JSON.stringify({ Version: version, Statement: allow('*', '*', { Condition }) }), 'identity');
  return decide([doc], { context }) === 'allowed';
}

describe('actions and resources', () => {
  test('no policy is an implicit deny', () => {
    assert.equal(decide([]), 'implicitDeny');
  });

  test('action wildcards, case-insensitive', () => {
    assert.equal(decide([identity(allow('iam:CreateRole'))]), 'allowed');
    assert.equal(decide([identity(allow('IAM:createrole'))]), 'allowed');
    assert.equal(decide([identity(allow('iam:Create*'))]), 'allowed');
    assert.equal(decide([identity(allow('iam:*Role'))]), 'allowed');
    assert.equal(decide([identity(allow('iam:CreateRol?'))]), 'allowed');
    assert.equal(decide([identity(allow('iam:Create?'))]), 'implicitDeny');
    assert.equal(decide([identity(allow(['s3:*', 'iam:Delete*']))]), 'implicitDeny');
    assert.equal(decide([identity(allow('*'))]), 'allowed');
  });

  test('NotAction', () => {
    const everythingButIam = identity({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    assert.equal(decide([everythingButIam]), 'implicitDeny');
    assert.equal(decide([everythingButIam], { action: 's3:GetObject' }), 'allowed');
  });

  test('resource wildcards are case-sensitive; "*" requests need "*" resources', () => {
    const roles = identity(allow('iam:*', `arn:aws:iam::${ACCOUNT}:role/app-*`));
    assert.equal(decide([roles], { resource: `arn:aws:iam::${ACCOUNT}:role/app-web` }), 'allowed');
    assert.equal(decide([roles], { resource: `arn:aws:iam::${ACCOUNT}:role/App-web` }), 'implicitDeny');
    assert.equal(decide([roles], { resource: `arn:aws:iam::${OTHER}:role/app-web` }), 'implicitDeny');
    assert.equal(decide([roles], { resource: '*' }), 'implicitDeny');
    const q = identity(allow('s3:GetObject', 'arn:aws:s3:::bucket/file?.txt'));
    assert.equal(decide([q], { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/file1.txt' }), 'allowed');
    assert.equal(decide([q], { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/file10.txt' }), 'implicitDeny');
  });

  test('NotResource', () => {
    const notSecret = identity({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' });
    assert.equal(decide([notSecret], { action: 's3:GetObject', resource: 'arn:aws:s3:::public/a' }), 'allowed');
    assert.equal(decide([notSecret], { action: 's3:GetObject', resource: 'arn:aws:s3:::secret/a' }), 'implicitDeny');
  });

  test('policy variables in Resource', () => {
    const home = identity(allow('s3:*', 'arn:aws:s3:::home/${aws:username}/*'));
    assert.equal(decide([home], { action: 's3:GetObject', resource: 'arn:aws:s3:::home/alice/notes' }), 'allowed');
    assert.equal(decide([home], { action: 's3:GetObject', resource: 'arn:aws:s3:::home/bob/notes' }), 'implicitDeny');
    // A variable's value is literal text: a '*' in it is no wildcard.
    assert.equal(decide([home], { action: 's3:GetObject', resource: 'arn:aws:s3:::home/al*/x', context: { 'aws:username': 'al*' } }), 'allowed');
    assert.equal(decide([home], { action: 's3:GetObject', resource: 'arn:aws:s3:::home/alice/x', context: { 'aws:username': 'al*' } }), 'implicitDeny');
    // No value: the statement does not apply; a default applies instead.
    assert.equal(decide([home], { principal: session, action: 's3:GetObject', resource: 'arn:aws:s3:::home/alice/x' }), 'implicitDeny');
    const tagged = identity(allow('s3:*', "arn:aws:s3:::team/${aws:PrincipalTag/team, 'none'}/*"));
    assert.equal(decide([tagged], { action: 's3:GetObject', resource: 'arn:aws:s3:::team/none/x' }), 'allowed');
    assert.equal(decide([tagged], { action: 's3:GetObject', resource: 'arn:aws:s3:::team/blue/x', context: { 'aws:PrincipalTag/team': 'blue' } }), 'allowed');
    const special = identity(allow('s3:*', 'arn:aws:s3:::odd/${*}${?}${$}'));
    assert.equal(decide([special], { action: 's3:GetObject', resource: 'arn:aws:s3:::odd/*?$' }), 'allowed');
    assert.equal(decide([special], { action: 's3:GetObject', resource: 'arn:aws:s3:::odd/ab$' }), 'implicitDeny');
  });

  test('before version 2012-10-17, ${...} is literal text', () => {
    const old = parsePolicyDocument(JSON.stringify({ Version: '2008-10-17', Statement: allow('s3:*', 'arn:aws:s3:::home/${aws:username}') }), 'identity');
    assert.equal(decide([old], { action: 's3:GetObject', resource: 'arn:aws:s3:::home/alice' }), 'implicitDeny');
    assert.equal(decide([old], { action: 's3:GetObject', resource: 'arn:aws:s3:::home/${aws:username}' }), 'allowed');
  });
});

describe('deny precedence, boundaries and session policies', () => {
  test('an explicit deny anywhere wins', () => {
    assert.equal(decide([identity(allow('*')), identity(deny('iam:Create*'))]), 'explicitDeny');
    assert.equal(decide([identity(allow('*'), deny('iam:Delete*'))]), 'allowed');
    assert.equal(decide([identity(allow('*'))], {}, { permissionsBoundary: identity(allow('*'), deny('iam:*')) }), 'explicitDeny');
    assert.equal(decide([identity(allow('*'))], {}, { sessionPolicy: identity(deny('*')) }), 'explicitDeny');
    assert.equal(
      decide([], {}, { resourcePolicy: { id: 'r', account: ACCOUNT, document: resourcePolicy({ ...deny('*'), Principal: '*' }) } }),
      'explicitDeny',
    );
  });

  test('matched lists every applicable statement with its policy and index', () => {
    const result = evaluate({
      identityPolicies: [
        { id: 'admin', document: identity(allow('s3:*'), allow('iam:*')) },
        { id: 'guard', document: identity(deny('iam:CreateRole')) },
      ],
      permissionsBoundary: identity(allow('iam:*')),
      request: request(),
    });
    assert.equal(result.decision, 'explicitDeny');
    assert.deepEqual(result.matched, [
      { policyId: 'admin', statementIndex: 1, effect: 'Allow' },
      { policyId: 'guard', statementIndex: 0, effect: 'Deny' },
      { policyId: 'PermissionsBoundary', statementIndex: 0, effect: 'Allow' },
    ]);
  });

  test('a permissions boundary intersects with identity policies', () => {
    const admin = identity(allow('*'));
    assert.equal(decide([admin], {}, { permissionsBoundary: identity(allow('iam:*')) }), 'allowed');
    assert.equal(decide([admin], {}, { permissionsBoundary: identity(allow('s3:*')) }), 'implicitDeny');
    assert.equal(decide([identity(allow('s3:*'))], {}, { permissionsBoundary: identity(allow('iam:*')) }), 'implicitDeny');
  });

  test('a session policy intersects too', () => {
    const admin = identity(allow('*'));
    assert.equal(decide([admin], { principal: session }, { sessionPolicy: identity(allow('iam:Create*')) }), 'allowed');
    assert.equal(decide([admin], { principal: session }, { sessionPolicy: identity(allow('s3:*')) }), 'implicitDeny');
    assert.equal(
      decide([admin], { principal: session }, { sessionPolicy: identity(allow('iam:*')), permissionsBoundary: identity(allow('s3:*')) }),
      'implicitDeny',
    );
  });
});

describe('resource policies', () => {
  const fn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:f`;
  const invoke = { action: 'lambda:InvokeFunction', resource: fn };
  const rp = (Principal: unknown, account = ACCOUNT, extra: object = {}) => ({
    resourcePolicy: { id: 'fn-policy', account, document: resourcePolicy({ Effect: 'Allow', Principal, Action: 'lambda:*', Resource: fn, ...extra }) },
  });

  test('same account: the resource policy alone is enough', () => {
    assert.equal(decide([], invoke, rp({ AWS: alice.arn })), 'allowed');
    assert.equal(decide([], invoke, rp({ AWS: ACCOUNT })), 'allowed');
    assert.equal(decide([], invoke, rp({ AWS: `arn:aws:iam::${ACCOUNT}:root` })), 'allowed');
    assert.equal(decide([], invoke, rp('*')), 'allowed');
    assert.equal(decide([], invoke, rp({ AWS: '*' })), 'allowed');
    assert.equal(decide([], invoke, rp({ AWS: `arn:aws:iam::${ACCOUNT}:user/bob` })), 'implicitDeny');
    assert.equal(decide([identity(allow('lambda:*'))], invoke, rp({ AWS: `arn:aws:iam::${ACCOUNT}:user/bob` })), 'allowed');
  });

  test('role ARNs match the role\'s sessions; session ARNs match exactly', () => {
    assert.equal(decide([], { ...invoke, principal: session }, rp({ AWS: `arn:aws:iam::${ACCOUNT}:role/deploy/deployer` })), 'allowed');
    assert.equal(decide([], { ...invoke, principal: session }, rp({ AWS: `arn:aws:iam::${ACCOUNT}:role/other` })), 'implicitDeny');
    assert.equal(decide([], { ...invoke, principal: session }, rp({ AWS: session.arn })), 'allowed');
    assert.equal(decide([], { ...invoke, principal: session }, rp({ AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/other` })), 'implicitDeny');
  });

  test('cross-account needs both the identity policy and the resource policy', () => {
    assert.equal(decide([], { ...invoke, principal: outsider }, rp({ AWS: OTHER })), 'implicitDeny');
    assert.equal(decide([identity(allow('lambda:*'))], { ...invoke, principal: outsider }, rp({ AWS: ACCOUNT })), 'implicitDeny');
    assert.equal(decide([identity(allow('lambda:*'))], { ...invoke, principal: outsider }, rp({ AWS: OTHER })), 'allowed');
    assert.equal(decide([identity(allow('lambda:*'))], { ...invoke, principal: outsider }, rp({ AWS: outsider.arn })), 'allowed');
    assert.equal(decide([identity(allow('lambda:*'))], { ...invoke, principal: outsider }), 'allowed', 'no resource policy: identity alone');
  });

  test('boundaries limit grants to the role or account, not to the caller\'s own ARN', () => {
    const boundary = { permissionsBoundary: identity(allow('s3:*')) };
    assert.equal(decide([], invoke, { ...rp({ AWS: alice.arn }), ...boundary }), 'allowed');
    assert.equal(decide([], invoke, { ...rp({ AWS: ACCOUNT }), ...boundary }), 'implicitDeny');
    assert.equal(decide([], { ...invoke, principal: session }, { ...rp({ AWS: `arn:aws:iam::${ACCOUNT}:role/deployer` }), ...boundary }), 'implicitDeny');
    assert.equal(decide([], { ...invoke, principal: session }, { ...rp({ AWS: session.arn }), sessionPolicy: identity(allow('s3:*')) }), 'allowed');
  });

  test('service and federated principals', () => {
    const s3 = { arn: '', account: ACCOUNT, service: 's3.amazonaws.com' };
    assert.equal(decide([], { ...invoke, principal: s3 }, rp({ Service: 's3.amazonaws.com' })), 'allowed');
    assert.equal(decide([], { ...invoke, principal: s3 }, rp({ Service: ['sns.amazonaws.com'] })), 'implicitDeny');
    assert.equal(decide([], { ...invoke, principal: s3 }, rp({ AWS: ACCOUNT })), 'implicitDeny', 'an AWS principal is not a service');
    assert.equal(
      decide([], { ...invoke, principal: s3, context: { 'aws:SourceArn': 'arn:aws:s3:::uploads' } }, rp({ Service: 's3.amazonaws.com' }, ACCOUNT, {
        Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::up*' } },
      })),
      'allowed',
    );
    const web = { arn: '', account: ACCOUNT, federated: 'cognito-identity.amazonaws.com' };
    assert.equal(decide([], { ...invoke, principal: web }, rp({ Federated: 'cognito-identity.amazonaws.com' })), 'allowed');
  });

  test('NotPrincipal: a caller escapes only when all of its identities are listed', () => {
    const denyAllBut = (NotPrincipal: unknown) => ({
      resourcePolicy: {
        id: 'r',
        account: ACCOUNT,
        document: resourcePolicy(
          { Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: '*', Resource: '*' },
          { Effect: 'Deny', NotPrincipal, Action: '*', Resource: '*' },
        ),
      },
    });
    assert.equal(decide([], invoke, denyAllBut({ AWS: [alice.arn, ACCOUNT] })), 'allowed');
    assert.equal(decide([], invoke, denyAllBut({ AWS: [alice.arn] })), 'explicitDeny', 'the account is not listed');
    assert.equal(decide([], invoke, denyAllBut({ AWS: [`arn:aws:iam::${ACCOUNT}:user/bob`, ACCOUNT] })), 'explicitDeny');
    assert.equal(
      decide([], { ...invoke, principal: session }, denyAllBut({ AWS: [`arn:aws:iam::${ACCOUNT}:root`, `arn:aws:iam::${ACCOUNT}:role/deployer`, session.arn] })),
      'allowed',
    );
    assert.equal(decide([], { ...invoke, principal: session }, denyAllBut({ AWS: [ACCOUNT, `arn:aws:iam::${ACCOUNT}:role/deployer`] })), 'explicitDeny');
  });
});

describe('condition operators', () => {
  test('String operators', () => {
    assert.equal(conditionHolds({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }, { 'aws:RequestedRegion': 'us-east-1' }), true);
    assert.equal(conditionHolds({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }, { 'aws:RequestedRegion': 'US-EAST-1' }), false);
    assert.equal(conditionHolds({ StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } }, { 'aws:requestedregion': 'us-east-1' }), true, 'keys are case-insensitive; values are alternatives');
    assert.equal(conditionHolds({ StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } }, { 'aws:RequestedRegion': 'us-east-1' }), false);
    assert.equal(conditionHolds({ StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } }, { 'aws:RequestedRegion': 'us-east-1' }), true);
    assert.equal(conditionHolds({ StringEqualsIgnoreCase: { 'aws:RequestedRegion': 'US-East-1' } }, { 'aws:RequestedRegion': 'us-east-1' }), true);
    assert.equal(conditionHolds({ StringNotEqualsIgnoreCase: { 'aws:RequestedRegion': 'US-East-1' } }, { 'aws:RequestedRegion': 'us-east-1' }), false);
    assert.equal(conditionHolds({ StringLike: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'home/alice/x' }), true);
    assert.equal(conditionHolds({ StringLike: { 's3:prefix': 'home/?' } }, { 's3:prefix': 'home/ab' }), false);
    assert.equal(conditionHolds({ StringLike: { 's3:prefix': 'Home/*' } }, { 's3:prefix': 'home/a' }), false);
    assert.equal(conditionHolds({ StringNotLike: { 's3:prefix': 'tmp/*' } }, { 's3:prefix': 'home/a' }), true);
    assert.equal(conditionHolds({ StringNotLike: { 's3:prefix': 'tmp/*' } }, { 's3:prefix': 'tmp/a' }), false);
  });

  test('a missing key: positive operators fail, negated ones hold', () => {
    assert.equal(conditionHolds({ StringEquals: { 'aws:PrincipalTag/team': 'blue' } }, {}), false);
    assert.equal(conditionHolds({ StringNotEquals: { 'aws:PrincipalTag/team': 'blue' } }, {}), true);
    assert.equal(conditionHolds({ StringNotLike: { 'aws:PrincipalTag/team': 'b*' } }, {}), true);
    assert.equal(conditionHolds({ NumericLessThan: { 's3:max-keys': '10' } }, {}), false);
    assert.equal(conditionHolds({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, {}), true);
  });

  test('...IfExists', () => {
    assert.equal(conditionHolds({ StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } }, {}), true);
    assert.equal(conditionHolds({ StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } }, { 'ec2:InstanceType': 't3.micro' }), true);
    assert.equal(conditionHolds({ StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } }, { 'ec2:InstanceType': 'm5.large' }), false);
    assert.equal(conditionHolds({ NumericLessThanIfExists: { 'n': '3' } }, {}), true);
  });

  test('Null', () => {
    assert.equal(conditionHolds({ Null: { 'aws:TokenIssueTime': 'true' } }, {}), true);
    assert.equal(conditionHolds({ Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' }), false);
    assert.equal(conditionHolds({ Null: { 'aws:TokenIssueTime': 'false' } }, { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' }), true);
    assert.equal(conditionHolds({ Null: { 'aws:TokenIssueTime': false } }, {}), false);
  });

  test('Numeric operators', () => {
    const n = (op: string, policy: string, value: string) => conditionHolds({ [op]: { 's3:max-keys': policy } }, { 's3:max-keys': value });
    assert.equal(n('NumericEquals', '10', '10'), true);
    assert.equal(n('NumericEquals', '10', '10.0'), true);
    assert.equal(n('NumericEquals', '10', '11'), false);
    assert.equal(n('NumericNotEquals', '10', '11'), true);
    assert.equal(n('NumericNotEquals', '10', '10'), false);
    assert.equal(n('NumericLessThan', '10', '9'), true);
    assert.equal(n('NumericLessThan', '10', '10'), false);
    assert.equal(n('NumericLessThanEquals', '10', '10'), true);
    assert.equal(n('NumericGreaterThan', '10', '10'), false);
    assert.equal(n('NumericGreaterThan', '10', '10.5'), true);
    assert.equal(n('NumericGreaterThanEquals', '10', '10'), true);
    assert.equal(n('NumericLessThan', '10', 'many'), false, 'a non-number never compares');
  });

  test('Date operators with ISO 8601 and epoch values', () => {
    const now = { 'aws:CurrentTime': '2024-06-01T12:00:00Z', 'aws:EpochTime': String(Date.UTC(2024, 5, 1, 12) / 1000) };
    assert.equal(conditionHolds({ DateLessThan: { 'aws:CurrentTime': '2024-12-31T23:59:59Z' } }, now), true);
    assert.equal(conditionHolds({ DateLessThan: { 'aws:CurrentTime': '2024-01-01' } }, now), false);
    assert.equal(conditionHolds({ DateGreaterThan: { 'aws:CurrentTime': '2024-01-01' } }, now), true);
    assert.equal(conditionHolds({ DateGreaterThanEquals: { 'aws:CurrentTime': '2024-06-01T12:00:00Z' } }, now), true);
    assert.equal(conditionHolds({ DateLessThanEquals: { 'aws:CurrentTime': '2024-06-01T14:00:00+02:00' } }, now), true);
    assert.equal(conditionHolds({ DateEquals: { 'aws:CurrentTime': String(Date.UTC(2024, 5, 1, 12) / 1000) } }, now), true);
    assert.equal(conditionHolds({ DateNotEquals: { 'aws:CurrentTime': '2024-06-01T12:00:00Z' } }, now), false);
    assert.equal(conditionHolds({ DateGreaterThan: { 'aws:EpochTime': '2024-01-01T00:00:00Z' } }, now), true);
  });

  test('Bool and BinaryEquals', () => {
    assert.equal(conditionHolds({ Bool: { 'aws:SecureTransport': 'true' } }, { 'aws:SecureTransport': 'true' }), true);
    assert.equal(conditionHolds({ Bool: { 'aws:SecureTransport': true } }, { 'aws:SecureTransport': 'TRUE' }), true);
    assert.equal(conditionHolds({ Bool: { 'aws:SecureTransport': 'false' } }, { 'aws:SecureTransport': 'true' }), false);
    assert.equal(conditionHolds({ Bool: { 'aws:MultiFactorAuthPresent': 'false' } }, {}), false);
    assert.equal(conditionHolds({ BinaryEquals: { 'k': 'QmluYXJ5' } }, { k: 'QmluYXJ5' }), true);
    assert.equal(conditionHolds({ BinaryEquals: { 'k': 'QmluYXJ5' } }, { k: 'QmluYXJy' }), false);
  });

  test('IpAddress and NotIpAddress, IPv4 and IPv6', () => {
    const ip = (op: string, cidrs: string | string[], source: string) => conditionHolds({ [op]: { 'aws:SourceIp': cidrs } }, { 'aws:SourceIp': source });
    assert.equal(ip('IpAddress', '203.0.113.0/24', '203.0.113.77'), true);
    assert.equal(ip('IpAddress', '203.0.113.0/24', '203.0.114.1'), false);
    assert.equal(ip('IpAddress', '203.0.113.5', '203.0.113.5'), true);
    assert.equal(ip('IpAddress', ['10.0.0.0/8', '192.168.0.0/16'], '192.168.4.4'), true);
    assert.equal(ip('IpAddress', '0.0.0.0/0', '8.8.8.8'), true);
    assert.equal(ip('NotIpAddress', '203.0.113.0/24', '198.51.100.1'), true);
    assert.equal(ip('NotIpAddress', '203.0.113.0/24', '203.0.113.1'), false);
    assert.equal(ip('IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5678:abcd::1'), true);
    assert.equal(ip('IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5679::1'), false);
    assert.equal(ip('IpAddress', '::1', '::1'), true);
    assert.equal(ip('IpAddress', '203.0.113.0/24', '::ffff:203.0.113.9'), true, 'IPv4-mapped IPv6');
    assert.equal(ip('IpAddress', '203.0.113.0/24', '2001:db8::1'), false);
    assert.equal(ip('IpAddress', '203.0.113.0/24', 'not-an-ip'), false);
  });

  test('Arn operators match each ARN part separately', () => {
    const a = (op: string, pattern: string, value: string) => conditionHolds({ [op]: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value });
    const topic = `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`;
    assert.equal(a('ArnEquals', topic, topic), true);
    assert.equal(a('ArnLike', 'arn:aws:sns:*:*:al*', topic), true);
    assert.equal(a('ArnEquals', `arn:aws:sns:*:${ACCOUNT}:*`, topic), true);
    assert.equal(a('ArnLike', `arn:aws:sqs:*:${ACCOUNT}:*`, topic), false);
    assert.equal(a('ArnNotEquals', `arn:aws:sns:*:${OTHER}:*`, topic), true);
    assert.equal(a('ArnNotLike', 'arn:aws:sns:*:*:*', topic), false);
    assert.equal(arnLike('arn:aws:s3:::bucket/a:b', 'arn:aws:s3:::bucket/*'), true, 'the resource part may hold colons');
    assert.equal(arnLike('arn:aws:iam::1:role/x', 'arn:aws:iam:*'), false, 'a wildcard stays within its part');
  });

  test('ForAnyValue and ForAllValues over multi-valued keys', () => {
    const keys = { 'aws:TagKeys': ['env', 'team'] };
    assert.equal(conditionHolds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'owner'] } }, keys), true);
    assert.equal(conditionHolds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } }, keys), false);
    assert.equal(conditionHolds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team', 'owner'] } }, keys), true);
    assert.equal(conditionHolds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }, keys), false);
    assert.equal(conditionHolds({ 'ForAllValues:StringLike': { 'aws:TagKeys': ['e*', 't*'] } }, keys), true);
    assert.equal(conditionHolds({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': 'env' } }, keys), true);
    assert.equal(conditionHolds({ 'ForAllValues:StringNotEquals': { 'aws:TagKeys': 'env' } }, keys), false);
    // A missing key: ForAllValues holds (vacuously), ForAnyValue does not.
    assert.equal(conditionHolds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'env' } }, {}), true);
    assert.equal(conditionHolds({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'env' } }, {}), false);
    assert.equal(conditionHolds({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'env' } }, { 'aws:TagKeys': [] }), true);
    // Without a qualifier, a multi-valued key matches when any value does.
    assert.equal(conditionHolds({ StringEquals: { 'aws:TagKeys': 'team' } }, keys), true);
    assert.equal(conditionHolds({ StringNotEquals: { 'aws:TagKeys': 'team' } }, keys), false);
  });

  test('several operators and keys must all hold', () => {
    const Condition = { StringEquals: { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'blue' }, Bool: { 'aws:SecureTransport': 'true' } };
    assert.equal(conditionHolds(Condition, { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'blue', 'aws:SecureTransport': 'true' }), true);
    assert.equal(conditionHolds(Condition, { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'red', 'aws:SecureTransport': 'true' }), false);
    assert.equal(conditionHolds(Condition, { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalTag/team': 'blue' }), false);
  });

  test('policy variables in condition values', () => {
    assert.equal(conditionHolds({ StringEquals: { 's3:prefix': '${aws:username}/' } }, { 's3:prefix': 'alice/' }), true);
    assert.equal(conditionHolds({ StringLike: { 's3:prefix': '${aws:username}/*' } }, { 's3:prefix': 'alice/docs' }), true);
    assert.equal(conditionHolds({ StringLike: { 's3:prefix': '${aws:username}/*' } }, { 's3:prefix': 'bob/docs' }), false);
    assert.equal(conditionHolds({ StringEquals: { 'aws:ResourceTag/owner': '${aws:PrincipalTag/owner}' } }, { 'aws:ResourceTag/owner': 'x', 'aws:PrincipalTag/owner': 'x' }), true);
    assert.equal(conditionHolds({ StringEquals: { 'aws:ResourceTag/owner': '${aws:PrincipalTag/owner}' } }, { 'aws:ResourceTag/owner': 'x' }), false);
    assert.equal(conditionHolds({ StringEquals: { 's3:prefix': '${aws:username}/' } }, { 's3:prefix': '${aws:username}/' }, '2008-10-17'), true);
  });

  test('aws:PrincipalArn and aws:PrincipalAccount come from the caller', () => {
    const doc = identity(allow('*', '*', { Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/deploy*` }, StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } }));
    assert.equal(decide([doc], { principal: session }), 'allowed', "a session's PrincipalArn is its role");
    assert.equal(decide([doc], { principal: alice }), 'implicitDeny');
    assert.equal(decide([doc], { principal: session, context: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/x` } }), 'implicitDeny', 'the context wins');
  });

  test('building blocks', () => {
    assert.equal(globMatch('abc', 'a*c', false), true);
    assert.equal(globMatch('a.c', 'a.c', false), true);
    assert.equal(globMatch('abc', 'a.c', false), false, 'regex characters are literal');
    assert.equal(globMatch('a\nc', 'a*c', false), true);
    assert.equal(ipInCidr('10.1.2.3', '10.0.0.0/33'), false);
    assert.equal(ipInCidr('fe80::1%eth0', 'fe80::/10'), true);
    assert.equal(operatorMatches('StringEqualz', 'k', ['v'], contextLookup({ k: 'v' }), undefined), false, 'unknown operators never match');
  });
});

describe('trust policies', () => {
  const roleTrust = trust({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' });

  test('account root trusts every principal of the account', () => {
    assert.equal(trustPolicyAllows(roleTrust, alice, 'sts:AssumeRole'), true);
    assert.equal(trustPolicyAllows(roleTrust, session, 'sts:AssumeRole'), true);
    assert.equal(trustPolicyAllows(roleTrust, outsider, 'sts:AssumeRole'), false);
    assert.equal(trustPolicyAllows(roleTrust, alice, 'sts:TagSession'), false);
    assert.equal(trustPolicyAllows(roleTrust, alice, 'STS:assumerole'), true);
  });

  test('service principals', () => {
    const lambda = trust({ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com', 'edgelambda.amazonaws.com'] }, Action: 'sts:AssumeRole' });
    assert.equal(trustPolicyAllows(lambda, { arn: '', account: ACCOUNT, service: 'lambda.amazonaws.com' }, 'sts:AssumeRole'), true);
    assert.equal(trustPolicyAllows(lambda, { arn: '', account: ACCOUNT, service: 'ec2.amazonaws.com' }, 'sts:AssumeRole'), false);
    assert.equal(trustPolicyAllows(lambda, alice, 'sts:AssumeRole'), false);
  });

  test('cross-account with an external id', () => {
    const partner = trust({
      Effect: 'Allow',
      Principal: { AWS: OTHER },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'secret-42' } },
    });
    assert.equal(trustPolicyAllows(partner, outsider, 'sts:AssumeRole', { 'sts:ExternalId': 'secret-42' }), true);
    assert.equal(trustPolicyAllows(partner, outsider, 'sts:AssumeRole', { 'sts:ExternalId': 'wrong' }), false);
    assert.equal(trustPolicyAllows(partner, outsider, 'sts:AssumeRole'), false);
  });

  test('web identity with audience and subject conditions', () => {
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const gh = trust({
      Effect: 'Allow',
      Principal: { Federated: provider },
      Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/*:ref:refs/heads/main' },
      },
    });
    const caller = { arn: '', account: ACCOUNT, federated: provider };
    const claims = { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:acme/app:ref:refs/heads/main' };
    assert.equal(trustPolicyAllows(gh, caller, 'sts:AssumeRoleWithWebIdentity', claims), true);
    assert.equal(trustPolicyAllows(gh, caller, 'sts:TagSession', claims), true);
    assert.equal(trustPolicyAllows(gh, caller, 'sts:AssumeRoleWithWebIdentity', { ...claims, 'token.actions.githubusercontent.com:sub': 'repo:evil/app:ref:refs/heads/main' }), false);
    assert.equal(trustPolicyAllows(gh, { ...caller, federated: 'accounts.google.com' }, 'sts:AssumeRoleWithWebIdentity', claims), false);
  });

  test('specific users, roles and sessions; a deny wins', () => {
    const t = trust(
      { Effect: 'Allow', Principal: { AWS: [alice.arn, `arn:aws:iam::${ACCOUNT}:role/deployer`] }, Action: 'sts:AssumeRole' },
      { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
    );
    assert.equal(trustPolicyAllows(t, alice, 'sts:AssumeRole', { 'aws:SourceIp': '10.1.1.1' }), true);
    assert.equal(trustPolicyAllows(t, alice, 'sts:AssumeRole', { 'aws:SourceIp': '8.8.8.8' }), false);
    assert.equal(trustPolicyAllows(t, session, 'sts:AssumeRole', { 'aws:SourceIp': '10.1.1.1' }), true);
    assert.equal(trustPolicyAllows(t, { arn: `arn:aws:iam::${ACCOUNT}:user/bob`, account: ACCOUNT }, 'sts:AssumeRole', { 'aws:SourceIp': '10.1.1.1' }), false);
  });

  test('Principal "*" and {"AWS": "*"}', () => {
    const open = trust({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalAccount': OTHER } } });
    assert.equal(trustPolicyAllows(open, outsider, 'sts:AssumeRole'), true);
    assert.equal(trustPolicyAllows(open, alice, 'sts:AssumeRole'), false);
    assert.equal(trustPolicyAllows(open, { arn: '', account: ACCOUNT, service: 'ec2.amazonaws.com' }, 'sts:AssumeRole'), false);
    const any = trust({ Effect: 'Allow', Principal: '*', Action: 'sts:*' });
    assert.equal(trustPolicyAllows(any, { arn: '', account: ACCOUNT, service: 'ec2.amazonaws.com' }, 'sts:AssumeRole'), true);
  });
});
