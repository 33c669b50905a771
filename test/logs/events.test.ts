import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  TestMetricFilterCommand,
  paginateFilterLogEvents,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';

const creds = { accessKeyId: '555555555555', secretAccessKey: 'x' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function rejects(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, `${err.name}: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

describe('logs: events', () => {
  let c: Cumulus;
  let logs: CloudWatchLogsClient;
  const stream = async (group: string, name: string) => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch((e: Error) => {
      if (e.name !== 'ResourceAlreadyExistsException') throw e;
    });
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: name }));
  };
  const put = (group: string, name: string, logEvents: InputLogEvent[]) =>
    logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: name, logEvents }));

  before(async () => {
    c = await startTestCumulus();
    logs = new CloudWatchLogsClient(clientConfig(c, { credentials: creds }));
  });
  after(() => c.stop());

  test('GetLogEvents pages forward and backward with f/ and b/ tokens and repeats the token at the end', async () => {
    await stream('g', 's');
    const t0 = Date.now() - HOUR;
    const events = Array.from({ length: 25 }, (_, i) => ({ timestamp: t0 + i * 1000, message: `line ${i}` }));
    const out = await put('g', 's', events);
    assert.match(out.nextSequenceToken!, /^\d{56}$/);
    assert.equal(out.rejectedLogEventsInfo, undefined);

    // from the head, forward
    let page = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's', startFromHead: true, limit: 10 }));
    assert.deepEqual(
      page.events!.map((e) => e.message),
      events.slice(0, 10).map((e) => e.message),
    );
    assert.match(page.nextForwardToken!, /^f\/\d{56}\/s$/);
    assert.match(page.nextBackwardToken!, /^b\/\d{56}\/s$/);
    assert.ok(page.events![0]!.ingestionTime! >= t0);
    const seen = page.events!.map((e) => e.message!);
    let token = page.nextForwardToken!;
    for (;;) {
      page = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's', nextToken: token, limit: 10 }));
      if (page.nextForwardToken === token) break;
      seen.push(...page.events!.map((e) => e.message!));
      token = page.nextForwardToken!;
    }
    assert.equal(page.events!.length, 0);
    assert.deepEqual(
      seen,
      events.map((e) => e.message),
    );

    // from the tail (the default), then backward
    page = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's', limit: 10 }));
    assert.deepEqual(
      page.events!.map((e) => e.message),
      events.slice(15).map((e) => e.message),
    );
    page = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's', nextToken: page.nextBackwardToken, limit: 10 }));
    assert.deepEqual(
      page.events!.map((e) => e.message),
      events.slice(5, 15).map((e) => e.message),
    );
    page = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's', nextToken: page.nextBackwardToken, limit: 10 }));
    assert.deepEqual(
      page.events!.map((e) => e.message),
      events.slice(0, 5).map((e) => e.message),
    );
    const last = page.nextBackwardToken!;
    page = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's', nextToken: last, limit: 10 }));
    assert.equal(page.events!.length, 0);
    assert.equal(page.nextBackwardToken, last);

    // a time window: [startTime, endTime)
    page = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's', startFromHead: true, startTime: t0 + 3000, endTime: t0 + 6000 }),
    );
    assert.deepEqual(
      page.events!.map((e) => e.message),
      ['line 3', 'line 4', 'line 5'],
    );
    // batches put out of order across calls are read back in timestamp order
    await put('g', 's', [{ timestamp: t0 + 2500, message: 'late arrival' }]);
    page = await logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's', startFromHead: true, limit: 4 }));
    assert.deepEqual(
      page.events!.map((e) => e.message),
      ['line 0', 'line 1', 'line 2', 'late arrival'],
    );
    await rejects(
      logs.send(new GetLogEventsCommand({ logGroupName: 'g', logStreamName: 's', nextToken: 'garbage' })),
      'InvalidParameterException',
    );
  });

  test('PutLogEvents enforces order, span, sizes and existence, and ignores sequence tokens', async () => {
    await stream('p', 's');
    const now = Date.now();
    await rejects(
      put('p', 's', [
        { timestamp: now, message: 'b' },
        { timestamp: now - 1, message: 'a' },
      ]),
      'InvalidParameterException',
      'Log events in a single PutLogEvents request must be in chronological order.',
    );
    await rejects(
      put('p', 's', [
        { timestamp: now - 25 * HOUR, message: 'a' },
        { timestamp: now, message: 'b' },
      ]),
      'InvalidParameterException',
      'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    );
    await rejects(put('p', 's', [{ timestamp: now, message: 'x'.repeat(262_145) }]), 'InvalidParameterException', /Log event too large/);
    const big = Array.from({ length: 5 }, () => ({ timestamp: now, message: 'y'.repeat(210_000) }));
    await rejects(put('p', 's', big), 'InvalidParameterException', /Upload too large: 1050130 bytes exceeds limit of 1048576/);
    await rejects(put('p', 's', []), 'InvalidParameterException', /logEvents/);
    await rejects(put('nope', 's', [{ timestamp: now, message: 'x' }]), 'ResourceNotFoundException', 'The specified log group does not exist.');
    await rejects(put('p', 'nope', [{ timestamp: now, message: 'x' }]), 'ResourceNotFoundException', 'The specified log stream does not exist.');
    const a = await logs.send(
      new PutLogEventsCommand({ logGroupName: 'p', logStreamName: 's', sequenceToken: 'whatever', logEvents: [{ timestamp: now, message: 'ok' }] }),
    );
    const b = await logs.send(
      new PutLogEventsCommand({ logGroupName: 'p', logStreamName: 's', sequenceToken: 'whatever', logEvents: [{ timestamp: now, message: 'ok again' }] }),
    );
    assert.notEqual(a.nextSequenceToken, b.nextSequenceToken);
  });

  test('too old, expired and too new events are rejected into rejectedLogEventsInfo, the rest is stored', async () => {
    await stream('rej', 's');
    const now = Date.now();
    const out = await put('rej', 's', [
      { timestamp: now - 15 * DAY, message: 'too old' },
      { timestamp: now - 15 * DAY + 1, message: 'too old too' },
      { timestamp: now - 15 * DAY + 2 * HOUR, message: 'too old three' },
    ]);
    assert.deepEqual(out.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 3 });
    const out2 = await put('rej', 's', [
      { timestamp: now - HOUR, message: 'fine' },
      { timestamp: now + 3 * HOUR, message: 'too new' },
    ]);
    assert.deepEqual(out2.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 1 });
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'rej', retentionInDays: 1 }));
    const out3 = await put('rej', 's', [
      { timestamp: now - DAY - HOUR, message: 'expired' },
      { timestamp: now - 2 * HOUR, message: 'kept' },
    ]);
    assert.deepEqual(out3.rejectedLogEventsInfo, { expiredLogEventEndIndex: 1 });
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: 'rej', logStreamName: 's', startFromHead: true }));
    assert.deepEqual(
      page.events!.map((e) => e.message),
      ['kept', 'fine'],
    );
  });

  test('FilterLogEvents: terms, phrases, any-of, exclusion, regex, JSON and space-delimited patterns', async () => {
    await stream('f', 'web-1');
    await stream('f', 'web-2');
    await stream('f', 'worker');
    const t = Date.now() - HOUR;
    await put('f', 'web-1', [
      { timestamp: t + 1, message: 'ERROR Connection timed out to db' },
      { timestamp: t + 4, message: '{"level":"error","status":500,"user":{"id":"u1"},"latency":120,"tags":["a","b"],"gone":null}' },
      { timestamp: t + 7, message: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.0" 404 2326' },
    ]);
    await put('f', 'web-2', [
      { timestamp: t + 2, message: 'WARN retrying request' },
      { timestamp: t + 5, message: '{"level":"info","status":200,"user":{"id":"u2"},"latency":20,"flag":true}' },
      { timestamp: t + 8, message: '10.0.0.2 - alice [10/Oct/2000:13:55:37 -0700] "POST /api HTTP/1.1" 200 512' },
    ]);
    await put('f', 'worker', [
      { timestamp: t + 3, message: 'ERROR Exception in thread main' },
      { timestamp: t + 6, message: 'INFO done' },
    ]);
    const filter = async (filterPattern: string, extra: Record<string, unknown> = {}) =>
      (await logs.send(new FilterLogEventsCommand({ logGroupName: 'f', filterPattern, ...extra }))).events!.map((e) => e.message!);

    const all = await logs.send(new FilterLogEventsCommand({ logGroupName: 'f' }));
    assert.equal(all.events!.length, 8);
    // interleaved across streams in timestamp order
    assert.deepEqual(
      all.events!.map((e) => e.logStreamName),
      ['web-1', 'web-2', 'worker', 'web-1', 'web-2', 'worker', 'web-1', 'web-2'],
    );
    assert.match(all.events![0]!.eventId!, /^\d{56}$/);
    assert.deepEqual(all.searchedLogStreams!.map((s) => s.logStreamName).sort(), ['web-1', 'web-2', 'worker']);

    assert.deepEqual(await filter('ERROR'), ['ERROR Connection timed out to db', 'ERROR Exception in thread main']);
    assert.deepEqual(await filter('ERROR Exception'), ['ERROR Exception in thread main']);
    assert.deepEqual(await filter('"timed out"'), ['ERROR Connection timed out to db']);
    assert.deepEqual(await filter('?WARN ?Exception'), ['WARN retrying request', 'ERROR Exception in thread main']);
    assert.deepEqual(await filter('ERROR -Exception'), ['ERROR Connection timed out to db']);
    assert.deepEqual(await filter('%WARN|INFO%'), ['WARN retrying request', 'INFO done']);

    const jsonOnly = (ms: string[]) => ms.map((m) => JSON.parse(m).user.id as string);
    assert.deepEqual(jsonOnly(await filter('{ $.level = "error" }')), ['u1']);
    assert.deepEqual(jsonOnly(await filter('{ $.status >= 200 && $.latency < 100 }')), ['u2']);
    assert.deepEqual(jsonOnly(await filter('{ $.status = 500 || $.flag IS TRUE }')), ['u1', 'u2']);
    assert.deepEqual(jsonOnly(await filter('{ $.user.id = u* }')), ['u1', 'u2']);
    assert.deepEqual(jsonOnly(await filter('{ $.user.id != "u1" }')), ['u2']);
    assert.deepEqual(jsonOnly(await filter('{ $.tags[1] = "b" }')), ['u1']);
    assert.deepEqual(jsonOnly(await filter('{ $.gone IS NULL }')), ['u1']);
    assert.deepEqual(jsonOnly(await filter('{ $.flag NOT EXISTS }')), ['u1']);
    assert.deepEqual(jsonOnly(await filter('{ ($.level = "info" && $.latency > 10) || $.status = 500 }')), ['u1', 'u2']);

    assert.deepEqual(await filter('[ip, identity, user, timestamp, request, status_code = 404, bytes]'), [
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.0" 404 2326',
    ]);
    assert.deepEqual(await filter('[..., status_code = 2* || status_code = 4*, bytes > 1000]'), [
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.0" 404 2326',
    ]);
    assert.deepEqual(await filter('[ip = 10.*, ...]'), ['10.0.0.2 - alice [10/Oct/2000:13:55:37 -0700] "POST /api HTTP/1.1" 200 512']);

    // stream selection and time window
    assert.deepEqual(await filter('ERROR', { logStreamNames: ['worker'] }), ['ERROR Exception in thread main']);
    assert.deepEqual(await filter('', { logStreamNamePrefix: 'web-', startTime: t + 2, endTime: t + 5 }), [
      'WARN retrying request',
      '{"level":"error","status":500,"user":{"id":"u1"},"latency":120,"tags":["a","b"],"gone":null}',
      '{"level":"info","status":200,"user":{"id":"u2"},"latency":20,"flag":true}',
    ]);
    await rejects(
      logs.send(new FilterLogEventsCommand({ logGroupName: 'f', logStreamNames: ['a'], logStreamNamePrefix: 'w' })),
      'InvalidParameterException',
    );
    await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: 'f', filterPattern: '{ $.a = ' })), 'InvalidParameterException');
    await rejects(logs.send(new FilterLogEventsCommand({ logGroupName: 'missing' })), 'ResourceNotFoundException', 'The specified log group does not exist.');

    // pagination
    const pages: number[] = [];
    const messages: string[] = [];
    for await (const p of paginateFilterLogEvents({ client: logs, pageSize: 3 }, { logGroupName: 'f' })) {
      pages.push(p.events!.length);
      messages.push(...p.events!.map((e) => e.message!));
    }
    assert.deepEqual(pages, [3, 3, 2]);
    assert.deepEqual(
      messages,
      all.events!.map((e) => e.message),
    );
  });

  test('TestMetricFilter reports matches and extracted values', async () => {
    const out = await logs.send(
      new TestMetricFilterCommand({
        filterPattern: '[ip, user, status = 5*, bytes]',
        logEventMessages: ['1.2.3.4 bob 200 10', '1.2.3.5 eve 503 99', 'short line'],
      }),
    );
    assert.deepEqual(out.matches, [{ eventNumber: 2, eventMessage: '1.2.3.5 eve 503 99', extractedValues: { $ip: '1.2.3.5', $user: 'eve', $status: '503', $bytes: '99' } }]);
    const json = await logs.send(new TestMetricFilterCommand({ filterPattern: '{ $.n > 5 }', logEventMessages: ['{"n": 3}', '{"n": 7}', 'not json'] }));
    assert.deepEqual(
      json.matches!.map((m) => m.eventNumber),
      [2],
    );
    await rejects(logs.send(new TestMetricFilterCommand({ filterPattern: '[a, b', logEventMessages: ['x'] })), 'InvalidParameterException');
  });
});
