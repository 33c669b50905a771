import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';

const baseEvent = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3.018e2,
    'x-limit': 301.8,
    'source-ip': '10.0.0.123',
    'source-ip6': '2001:db8::ff00:42:8329',
    tags: ['prod', 'web'],
    items: [
      { name: 'a', size: 1 },
      { name: 'b', size: 2 },
    ],
    'empty-field': null,
    filename: 'dir/image.png',
    mixed: 'Alpha',
  },
};

describe('events: pattern language (TestEventPattern)', () => {
  let c: Cumulus;
  let eb: EventBridgeClient;
  const test1 = async (pattern: unknown, event: unknown = baseEvent) =>
    (await eb.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }))).Result;
  const invalid = async (pattern: string, reason: string | RegExp) => {
    await assert.rejects(eb.send(new TestEventPatternCommand({ EventPattern: pattern, Event: JSON.stringify(baseEvent) })), (err: Error & { name: string }) => {
      assert.equal(err.name, 'InvalidEventPatternException');
      const expected = typeof reason === 'string' ? `Event pattern is not valid. Reason: ${reason}` : reason;
      if (typeof expected === 'string') assert.equal(err.message, expected);
      else assert.match(err.message, expected);
      return true;
    });
  };

  before(async () => {
    c = await startTestCumulus();
    eb = new EventBridgeClient(clientConfig(c));
  });
  after(() => c.stop());

  test('exact values, arrays as OR, nested objects, numbers and null', async () => {
    assert.equal(await test1({ source: ['aws.ec2'] }), true);
    assert.equal(await test1({ source: ['aws.s3', 'aws.ec2'] }), true);
    assert.equal(await test1({ source: ['aws.s3'] }), false);
    assert.equal(await test1({ detail: { state: ['terminated'], 'instance-id': ['i-1234567890abcdef0'] } }), true);
    assert.equal(await test1({ detail: { state: ['terminated'], 'instance-id': ['i-other'] } }), false);
    assert.equal(await test1({ detail: { 'c-count': [5] } }), true);
    assert.equal(await test1({ detail: { 'c-count': ['5'] } }), false, 'a string never equals a number');
    assert.equal(await test1({ detail: { 'd-count': [301.8] } }), true);
    assert.equal(await test1({ detail: { 'empty-field': [null] } }), true);
    assert.equal(await test1({ detail: { missing: [null] } }), false, 'null does not match an absent field');
    assert.equal(await test1({ detail: { state: { nested: ['x'] } } }), false);
  });

  test('values inside arrays of the event, and arrays of objects', async () => {
    assert.equal(await test1({ detail: { tags: ['web'] } }), true);
    assert.equal(await test1({ detail: { tags: ['dev'] } }), false);
    assert.equal(await test1({ resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] }), true);
    assert.equal(await test1({ detail: { items: { name: ['b'], size: [2] } } }), true);
    assert.equal(await test1({ detail: { items: { name: ['b'], size: [1] } } }), false, 'both fields must hold in one element');
  });

  test('prefix, suffix, equals-ignore-case and wildcard', async () => {
    assert.equal(await test1({ detail: { state: [{ prefix: 'term' }] } }), true);
    assert.equal(await test1({ detail: { state: [{ prefix: 'Term' }] } }), false);
    assert.equal(await test1({ detail: { state: [{ prefix: { 'equals-ignore-case': 'TERM' } }] } }), true);
    assert.equal(await test1({ detail: { filename: [{ suffix: '.png' }] } }), true);
    assert.equal(await test1({ detail: { filename: [{ suffix: { 'equals-ignore-case': '.PNG' } }] } }), true);
    assert.equal(await test1({ detail: { filename: [{ suffix: '.jpg' }] } }), false);
    assert.equal(await test1({ detail: { mixed: [{ 'equals-ignore-case': 'alpha' }] } }), true);
    assert.equal(await test1({ detail: { mixed: [{ 'equals-ignore-case': 'beta' }] } }), false);
    assert.equal(await test1({ detail: { filename: [{ wildcard: 'dir/*.png' }] } }), true);
    assert.equal(await test1({ detail: { filename: [{ wildcard: '*image*' }] } }), true);
    assert.equal(await test1({ detail: { filename: [{ wildcard: 'dir/*.jpg' }] } }), false);
  });

  test('anything-but: values, lists, prefix, suffix, wildcard and equals-ignore-case', async () => {
    assert.equal(await test1({ detail: { state: [{ 'anything-but': 'running' }] } }), true);
    assert.equal(await test1({ detail: { state: [{ 'anything-but': ['running', 'terminated'] }] } }), false);
    assert.equal(await test1({ detail: { 'c-count': [{ 'anything-but': [1, 2] }] } }), true);
    assert.equal(await test1({ detail: { 'c-count': [{ 'anything-but': 5 }] } }), false);
    assert.equal(await test1({ detail: { state: [{ 'anything-but': { prefix: 'term' } }] } }), false);
    assert.equal(await test1({ detail: { state: [{ 'anything-but': { prefix: ['run', 'stop'] } }] } }), true);
    assert.equal(await test1({ detail: { filename: [{ 'anything-but': { suffix: '.png' } }] } }), false);
    assert.equal(await test1({ detail: { filename: [{ 'anything-but': { wildcard: ['*.jpg', '*.gif'] } }] } }), true);
    assert.equal(await test1({ detail: { mixed: [{ 'anything-but': { 'equals-ignore-case': ['ALPHA'] } }] } }), false);
    assert.equal(await test1({ detail: { missing: [{ 'anything-but': 'x' }] } }), false, 'anything-but needs the field');
  });

  test('numeric comparisons and ranges', async () => {
    assert.equal(await test1({ detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }), true);
    assert.equal(await test1({ detail: { 'c-count': [{ numeric: ['>', 5] }] } }), false);
    assert.equal(await test1({ detail: { 'c-count': [{ numeric: ['>=', 5] }] } }), true);
    assert.equal(await test1({ detail: { 'c-count': [{ numeric: ['<', 5] }] } }), false);
    assert.equal(await test1({ detail: { 'd-count': [{ numeric: ['=', 301.8] }] } }), true);
    assert.equal(await test1({ detail: { 'x-limit': [{ numeric: ['>', 300, '<', 302] }] } }), true);
    assert.equal(await test1({ detail: { state: [{ numeric: ['>', 0] }] } }), false, 'numeric matches numbers only');
  });

  test('exists, cidr and $or', async () => {
    assert.equal(await test1({ detail: { state: [{ exists: true }] } }), true);
    assert.equal(await test1({ detail: { nope: [{ exists: true }] } }), false);
    assert.equal(await test1({ detail: { nope: [{ exists: false }] } }), true);
    assert.equal(await test1({ detail: { state: [{ exists: false }] } }), false);
    assert.equal(await test1({ detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }), true);
    assert.equal(await test1({ detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }), false);
    assert.equal(await test1({ detail: { 'source-ip6': [{ cidr: '2001:db8::/32' }] } }), true);
    assert.equal(await test1({ detail: { 'source-ip6': [{ cidr: '2001:db9::/32' }] } }), false);
    assert.equal(await test1({ source: ['aws.ec2'], $or: [{ detail: { state: ['running'] } }, { detail: { 'c-count': [5] } }] }), true);
    assert.equal(await test1({ $or: [{ source: ['aws.s3'] }, { 'detail-type': ['nope'] }] }), false);
    assert.equal(await test1({ detail: { $or: [{ state: ['running'] }, { mixed: [{ prefix: 'Al' }] }] } }), true);
  });

  test('invalid patterns are refused with AWS reasons', async () => {
    await invalid('{"source": "aws.ec2"}', '"source" must be an object or an array');
    await invalid('{"source": []}', 'Empty arrays are not allowed');
    await invalid('[1]', 'Filter is not an object');
    await invalid('{not json', /^Event pattern is not valid\. Reason: /);
    await invalid('{"a": [{"prefix": 1}]}', 'prefix match pattern must be a string');
    await invalid('{"a": [{"foo": "x"}]}', 'Unrecognized match type foo');
    await invalid('{"a": [{"prefix": "x", "suffix": "y"}]}', 'Only one key allowed in match expression');
    await invalid('{"a": [{"exists": "yes"}]}', 'exists match pattern must be either true or false.');
    await invalid('{"a": [{"numeric": [">", "x"]}]}', 'Value of > must be numeric');
    await invalid('{"a": [{"numeric": ["!", 1]}]}', 'Unrecognized numeric range operator: !');
    await invalid('{"a": [{"numeric": [">", 5, "<", 1]}]}', 'Bottom must be less than top');
    await invalid('{"a": [{"numeric": ["=", 5, "<", 10]}]}', 'Too many elements in numeric expression');
    await invalid('{"a": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required");
    await invalid('{"a": [{"cidr": "10.0.0.999/24"}]}', 'Nonstandard IP address: 10.0.0.999');
    await invalid('{"a": [{"wildcard": "a**b"}]}', 'Consecutive wildcard characters at pos 2');
    await invalid('{"a": [{"anything-but": {"foo": "x"}}]}', 'Unsupported anything-but pattern: foo');
    await invalid('{"a": [[1]]}', 'Match value must be String, number, true, false, or null');
    await invalid('{"$or": [{"a": ["x"]}]}', 'Or expression must have at least 2 items');
  });

  test('an event without the envelope fields is refused', async () => {
    await assert.rejects(
      eb.send(new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: '{"source":"x"}' })),
      (err: Error & { name: string }) => err.name === 'ValidationException' && err.message === 'Parameter Event is not valid.',
    );
  });

  test('the AWS CLI and boto3 see the same answers', async () => {
    const cli = await awsCli(c, ['events', 'test-event-pattern', '--event-pattern', '{"detail":{"state":[{"prefix":"term"}]}}', '--event', JSON.stringify(baseEvent)]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).Result, true);
    const bad = await awsCli(c, ['events', 'test-event-pattern', '--event-pattern', '{"source":"x"}', '--event', JSON.stringify(baseEvent)]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /InvalidEventPatternException/);
    const py = await boto3(
      c,
      `eb = boto3.client('events', endpoint_url=endpoint)
r = eb.test_event_pattern(EventPattern=json.dumps({"detail": {"c-count": [{"numeric": [">", 4]}]}}), Event=${JSON.stringify(JSON.stringify(baseEvent))})
print(json.dumps({"result": r["Result"]}))`,
    );
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), { result: true });
  });
});
