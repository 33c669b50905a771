// Policy documents parsed and validated as IAM does: pure module, no server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AwsError } from '../../src/protocol/errors.js';
import { normalizeStatements, parseDateValue, parsePolicyDocument, type PolicyKind } from '../../src/services/iam/policy-document.js';

function rejects(doc: unknown, kind: PolicyKind, message: string, options = {}): void {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  assert.throws(
    () => parsePolicyDocument(text, kind, options),
    (e: unknown) => e instanceof AwsError && e.code === 'MalformedPolicyDocument' && e.message === message,
    `${text} should fail with ${message}`,
  );
}

const allowAll = { Effect: 'Allow', Action: '*', Resource: '*' };
const v = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const trustOf = (stmt: Record<string, unknown>) => v({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' }, ...stmt });

describe('identity policies', () => {
  test('accepts the usual shapes', () => {
    const doc = parsePolicyDocument(JSON.stringify(v(allowAll)), 'identity');
    assert.equal(doc.Version, '2012-10-17');
    assert.ok(Array.isArray(doc.Statement));
    const single = parsePolicyDocument(JSON.stringify({ Version: '2008-10-17', Statement: allowAll }), 'identity');
    assert.ok(!Array.isArray(single.Statement));
    parsePolicyDocument(JSON.stringify({ Statement: [allowAll] }), 'identity'); // Version may be absent
    parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Id: 'x',
        Statement: [
          { Sid: 'S1', Effect: 'Deny', NotAction: ['iam:*', 's3:Get*'], NotResource: 'arn:aws:s3:::b/*' },
          {
            Sid: 'S2',
            Effect: 'Allow',
            Action: 'ec2:RunInstances',
            Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:iam::*:role/${aws:username}'],
            Condition: { 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['a*'] }, Bool: { 'aws:SecureTransport': true }, NumericLessThan: { 's3:max-keys': 10 } },
          },
        ],
      }),
      'identity',
    );
  });

  test('numbers and booleans in conditions become strings', () => {
    const doc = parsePolicyDocument(JSON.stringify(v({ ...allowAll, Condition: { Bool: { 'aws:SecureTransport': false }, NumericEquals: { n: [1, 2] } } })), 'identity');
    const [s] = normalizeStatements(doc);
    assert.deepEqual(s!.Condition, { Bool: { 'aws:SecureTransport': ['false'] }, NumericEquals: { n: ['1', '2'] } });
  });

  test('syntax errors', () => {
    const syntax = 'Syntax errors in policy.';
    rejects('{not json', 'identity', syntax);
    rejects('[]', 'identity', syntax);
    rejects('"text"', 'identity', syntax);
    rejects({ Version: '2012-10-17' }, 'identity', syntax);
    rejects({ Version: '2012-10-17', Statement: [] }, 'identity', syntax);
    rejects({ Version: '2012-10-17', Statement: 'x' }, 'identity', syntax);
    rejects({ ...v(allowAll), Extra: 1 }, 'identity', syntax);
    rejects({ Version: '2012-10-18', Statement: allowAll }, 'identity', syntax);
    rejects({ Version: '2012-10-17', Id: 5, Statement: allowAll }, 'identity', syntax);
    rejects(v('stmt'), 'identity', syntax);
    rejects(v({ ...allowAll, Effect: undefined }), 'identity', syntax);
    rejects(v({ ...allowAll, Effect: 'Permit' }), 'identity', syntax);
    rejects(v({ ...allowAll, Actions: 's3:*' }), 'identity', syntax);
    rejects(v({ ...allowAll, NotAction: 's3:*' }), 'identity', syntax);
    rejects(v({ ...allowAll, NotResource: '*' }), 'identity', syntax);
    rejects(v({ ...allowAll, Action: { a: 1 } }), 'identity', syntax);
    rejects(v({ ...allowAll, Resource: ['*', 3] }), 'identity', syntax);
    rejects(v({ ...allowAll, Sid: 7 }), 'identity', syntax);
    rejects(v({ ...allowAll, Condition: 'x' }), 'identity', syntax);
    rejects(v({ ...allowAll, Condition: { StringEquals: 'x' } }), 'identity', syntax);
    rejects(v({ ...allowAll, Condition: { StringEquals: { k: { nested: 1 } } } }), 'identity', syntax);
    rejects(v({ ...allowAll, Condition: { StringEqualz: { k: 'v' } } }), 'identity', syntax);
  });

  test('principals are refused', () => {
    rejects(v({ ...allowAll, Principal: '*' }), 'identity', 'Policy document should not specify a principal.');
    rejects(v({ ...allowAll, NotPrincipal: { AWS: '123456789012' } }), 'identity', 'Policy document should not specify a principal.');
  });

  test('managed policies need version 2012-10-17', () => {
    const message = 'Policy document must be version 2012-10-17 or greater.';
    rejects({ Version: '2008-10-17', Statement: allowAll }, 'identity', message, { managed: true });
    rejects({ Statement: allowAll }, 'identity', message, { managed: true });
    parsePolicyDocument(JSON.stringify(v(allowAll)), 'identity', { managed: true });
  });

  test('legacy parsing', () => {
    const legacy = 'The policy failed legacy parsing';
    rejects(v({ ...allowAll, Effect: 'allow' }), 'identity', legacy);
    rejects(v({ ...allowAll, Condition: { DateGreaterThan: { 'aws:CurrentTime': 'yesterday' } } }), 'identity', legacy);
    rejects(v({ ...allowAll, Resource: 'arn:aws:s3::bucket' }), 'identity', legacy);
    parsePolicyDocument(JSON.stringify(v({ ...allowAll, Condition: { DateGreaterThan: { 'aws:CurrentTime': ['2020-01-01T00:00:00Z', '1577836800'] } } })), 'identity');
  });

  test('statement ids', () => {
    rejects(v({ ...allowAll, Sid: 'A' }, { ...allowAll, Sid: 'A' }), 'identity', 'Statement IDs (SID) in a single policy must be unique.');
    rejects(
      v({ ...allowAll, Sid: 'has space' }),
      'identity',
      'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
    );
    parsePolicyDocument(JSON.stringify(v({ ...allowAll, Sid: '' }, { ...allowAll, Sid: '' })), 'identity');
  });

  test('actions and resources are required', () => {
    rejects(v({ Effect: 'Allow', Resource: '*' }), 'identity', 'Policy statement must contain actions.');
    rejects(v({ Effect: 'Allow', Action: [], Resource: '*' }), 'identity', 'Policy statement must contain actions.');
    rejects(v({ Effect: 'Allow', Action: 's3:*' }), 'identity', 'Policy statement must contain resources.');
    rejects(v({ Effect: 'Allow', Action: 's3:*', Resource: [] }), 'identity', 'Policy statement must contain resources.');
  });

  test('resource formats', () => {
    rejects(v({ ...allowAll, Resource: 'bucket' }), 'identity', 'Resource bucket must be in ARN format or "*".');
    rejects(v({ ...allowAll, Resource: 'arn:foo:s3:::b' }), 'identity', 'Partition "foo" is not valid for resource "arn:foo:s3:::b".');
    rejects(v({ ...allowAll, Resource: 'arn:aws' }), 'identity', 'Resource vendor must be fully qualified and cannot contain regexes.');
    rejects(v({ ...allowAll, Resource: 'arn:aws:iam:us-east-1:123456789012:role/x' }), 'identity', 'IAM resource arn:aws:iam:us-east-1:123456789012:role/x cannot contain region information.');
    rejects(v({ ...allowAll, Resource: 'arn:aws:s3:us-east-1::b' }), 'identity', 'Resource arn:aws:s3:us-east-1::b can not contain region information.');
    rejects(
      v({ ...allowAll, Resource: 'arn:aws:iam::123456789012:thing/x' }),
      'identity',
      'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.',
    );
    parsePolicyDocument(JSON.stringify(v({ ...allowAll, Resource: ['arn:aws:iam::*:role/*', 'arn:aws:iam::123456789012:*', 'arn:aws-cn:s3:::b/*'] })), 'identity');
  });

  test('action vendors', () => {
    rejects(v({ ...allowAll, Action: 'CreateRole' }), 'identity', 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    rejects(v({ ...allowAll, Action: 'iam:a:b' }), 'identity', 'Actions/Condition can contain only one colon.');
    rejects(v({ ...allowAll, Action: 'i am:CreateRole' }), 'identity', 'Vendor i am is not valid');
  });
});

describe('trust policies', () => {
  test('accepts service, account, role, federated principals and conditions', () => {
    parsePolicyDocument(JSON.stringify(trustOf({})), 'trust');
    parsePolicyDocument(JSON.stringify(trustOf({ Principal: { AWS: ['123456789012', 'arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:role/a/b'] } })), 'trust');
    parsePolicyDocument(JSON.stringify(trustOf({ Principal: '*', Sid: '' })), 'trust');
    parsePolicyDocument(
      JSON.stringify(
        trustOf({
          Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
          Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
          Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
        }),
      ),
      'trust',
    );
    parsePolicyDocument(JSON.stringify({ Version: '2008-10-17', Statement: { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' } }), 'trust');
  });

  test('principal is required, resource prohibited', () => {
    rejects(v({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'trust', 'Missing required field Principal');
    rejects(trustOf({ Resource: '*' }), 'trust', 'Has prohibited field Resource');
    rejects(trustOf({ NotResource: '*' }), 'trust', 'Has prohibited field NotResource');
    rejects(v({ Effect: 'Allow', Principal: '*' }), 'trust', 'Missing required field Action');
    rejects({ Version: '2012-10-17' }, 'trust', 'Missing required field Statement');
    rejects(trustOf({ Effect: undefined }), 'trust', 'Missing required field Effect');
  });

  test('unknown fields', () => {
    rejects(trustOf({ Principals: '*' }), 'trust', 'Unknown field Principals');
    rejects({ ...trustOf({}), Foo: 1 }, 'trust', 'Unknown field Foo');
  });

  test('invalid principals', () => {
    rejects(trustOf({ Principal: { AWS: 'not-an-arn' } }), 'trust', 'Invalid principal in policy: "AWS":"not-an-arn"');
    rejects(trustOf({ Principal: { AWS: '12345' } }), 'trust', 'Invalid principal in policy: "AWS":"12345"');
    rejects(trustOf({ Principal: { Person: 'bob' } }), 'trust', 'Invalid principal in policy: "Person":"bob"');
    rejects(trustOf({ Principal: 'arn:aws:iam::123456789012:root' }), 'trust', 'Invalid principal in policy: "arn:aws:iam::123456789012:root"');
    rejects(
      trustOf({ Principal: {} }),
      'trust',
      'Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!',
    );
    const exists = (arn: string) => arn.endsWith('/exists');
    rejects(trustOf({ Principal: { AWS: 'arn:aws:iam::123456789012:role/gone' } }), 'trust', 'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/gone"', {
      principalExists: exists,
    });
    parsePolicyDocument(JSON.stringify(trustOf({ Principal: { AWS: 'arn:aws:iam::123456789012:role/exists' } })), 'trust', { principalExists: exists });
  });

  test('only STS actions', () => {
    rejects(trustOf({ Action: ['sts:AssumeRole', 's3:GetObject'] }), 'trust', 'AssumeRole policy may only specify STS AssumeRole actions.');
  });
});

describe('resource policies', () => {
  const base = { Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f' };
  test('need a principal and a resource', () => {
    parsePolicyDocument(JSON.stringify(v(base)), 'resource');
    rejects(v({ ...base, Principal: undefined }), 'resource', 'Missing required field Principal');
    rejects(v({ ...base, Resource: undefined }), 'resource', 'Missing required field Resource');
  });
});

describe('normalizeStatements', () => {
  test('arrays everywhere', () => {
    const doc = parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: '123456789012' } } }), 'trust');
    assert.deepEqual(normalizeStatements(doc), [{ Effect: 'Allow', Action: ['sts:AssumeRole'], Principal: { AWS: ['123456789012'] } }]);
    assert.equal(normalizeStatements(doc), normalizeStatements(doc), 'cached per document');
  });
});

test('policy dates', () => {
  assert.equal(parseDateValue('2020-01-01'), Date.UTC(2020, 0, 1));
  assert.equal(parseDateValue('2020-01-01T10:00:00Z'), Date.UTC(2020, 0, 1, 10));
  assert.equal(parseDateValue('2020-01-01T10:00:00+01:00'), Date.UTC(2020, 0, 1, 9));
  assert.equal(parseDateValue('2020-01-01T10:00'), Date.UTC(2020, 0, 1, 10));
  assert.equal(parseDateValue('1577836800'), Date.UTC(2020, 0, 1));
  assert.equal(parseDateValue('2020-13-01'), undefined);
  assert.equal(parseDateValue('soon'), undefined);
});
