import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelReplayCommand,
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteArchiveCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  EventBridgeClient,
  ListArchivesCommand,
  ListReplaysCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import type { TargetInvocation } from '../../src/events/targets.js';

const ACCOUNT = '666666666666';
const creds = { accessKeyId: ACCOUNT, secretAccessKey: 'x' };
const busArn = (name: string) => `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/${name}`;
const queue = `arn:aws:sqs:us-east-1:${ACCOUNT}:archived`;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function rejectsWith(p: Promise<unknown>, name: string, message?: string): Promise<void> {
  await assert.rejects(p, (err: Error & { name: string }) => {
    assert.equal(err.name, name, err.message);
    if (message) assert.equal(err.message, message);
    return true;
  });
}

describe('events: archives and replays', () => {
  let c: Cumulus;
  let eb: EventBridgeClient;
  const received: TargetInvocation[] = [];

  before(async () => {
    c = await startTestCumulus();
    eb = new EventBridgeClient(clientConfig(c, { credentials: creds }));
    c.runtime.targets.register('test', (arn) => arn === queue, (inv) => {
      received.push(inv);
      return { ok: true, message: 'ok' };
    });
  });
  after(() => c.stop());

  test('an archive keeps the matching events of its bus; a replay puts them back, marked with replay-name', async () => {
    const { ArchiveArn } = await eb.send(new CreateArchiveCommand({ ArchiveName: 'shop', EventSourceArn: busArn('default'), EventPattern: '{"source":["app.shop"]}', RetentionDays: 7 }));
    assert.equal(ArchiveArn, `arn:aws:events:us-east-1:${ACCOUNT}:archive/shop`);
    await rejectsWith(eb.send(new CreateArchiveCommand({ ArchiveName: 'shop', EventSourceArn: busArn('default') })), 'ResourceAlreadyExistsException', 'Archive shop already exists.');
    await rejectsWith(eb.send(new CreateArchiveCommand({ ArchiveName: 'x', EventSourceArn: busArn('nope') })), 'ResourceNotFoundException', 'Event bus nope does not exist.');
    await rejectsWith(eb.send(new CreateArchiveCommand({ ArchiveName: 'x', EventSourceArn: busArn('default'), EventPattern: '{"a":1}' })), 'InvalidEventPatternException');

    const { RuleArn } = await eb.send(new PutRuleCommand({ Name: 'shop-rule', EventPattern: '{"source":["app.shop"]}' }));
    await eb.send(new PutTargetsCommand({ Rule: 'shop-rule', Targets: [{ Id: 'q', Arn: queue }] }));
    const now = c.runtime.clock.now();
    const put = await eb.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'app.shop', DetailType: 'order', Detail: '{"n":1}', Time: new Date(now - 60_000) },
          { Source: 'app.shop', DetailType: 'order', Detail: '{"n":2}', Time: new Date(now - 30_000) },
          { Source: 'app.other', DetailType: 'order', Detail: '{"n":3}', Time: new Date(now - 30_000) },
        ],
      }),
    );
    await waitFor('two live deliveries', () => received.length === 2);
    const archived = await waitFor('archive count', async () => {
      const d = await eb.send(new DescribeArchiveCommand({ ArchiveName: 'shop' }));
      return d.EventCount === 2 && d;
    });
    assert.equal(archived.State, 'ENABLED');
    assert.equal(archived.RetentionDays, 7);
    assert.ok(archived.SizeBytes! > 0);

    const started = await eb.send(
      new StartReplayCommand({
        ReplayName: 'again',
        EventSourceArn: ArchiveArn,
        EventStartTime: new Date(now - 120_000),
        EventEndTime: new Date(now),
        Destination: { Arn: busArn('default') },
      }),
    );
    assert.equal(started.State, 'STARTING');
    const done = await waitFor('replay completed', async () => {
      const d = await eb.send(new DescribeReplayCommand({ ReplayName: 'again' }));
      return d.State === 'COMPLETED' && d;
    });
    assert.equal(done.EventSourceArn, ArchiveArn);
    await waitFor('replayed deliveries', () => received.length === 4);
    const replayed = received.slice(2).map((r) => JSON.parse(r.payload));
    assert.deepEqual(replayed.map((e) => e['replay-name']), ['again', 'again']);
    assert.deepEqual(replayed.map((e) => e.id), put.Entries!.slice(0, 2).map((e) => e.EventId));
    assert.equal(received[2]!.source.arn, RuleArn);
    assert.equal((await eb.send(new DescribeArchiveCommand({ ArchiveName: 'shop' }))).EventCount, 2, 'replayed events are not archived again');

    // FilterArns limits the rules that see the replay
    await eb.send(new PutRuleCommand({ Name: 'other-rule', EventPattern: '{"source":["app.shop"]}' }));
    await eb.send(
      new StartReplayCommand({
        ReplayName: 'filtered',
        EventSourceArn: ArchiveArn,
        EventStartTime: new Date(now - 120_000),
        EventEndTime: new Date(now),
        Destination: { Arn: busArn('default'), FilterArns: [`arn:aws:events:us-east-1:${ACCOUNT}:rule/other-rule`] },
      }),
    );
    await waitFor('filtered replay', async () => (await eb.send(new DescribeReplayCommand({ ReplayName: 'filtered' }))).State === 'COMPLETED');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(received.length, 4);

    const replays = await eb.send(new ListReplaysCommand({ EventSourceArn: ArchiveArn }));
    assert.deepEqual(replays.Replays?.map((r) => [r.ReplayName, r.State]), [['again', 'COMPLETED'], ['filtered', 'COMPLETED']]);
    await rejectsWith(eb.send(new CancelReplayCommand({ ReplayName: 'again' })), 'IllegalStatusException', 'Replay again is not in a valid state for this operation.');
  });

  test('replay and archive errors', async () => {
    await eb.send(new CreateEventBusCommand({ Name: 'elsewhere' }));
    const { ArchiveArn } = await eb.send(new CreateArchiveCommand({ ArchiveName: 'plain', EventSourceArn: busArn('default') }));
    const now = c.runtime.clock.now();
    const base = { EventSourceArn: ArchiveArn, EventStartTime: new Date(now - 60_000), EventEndTime: new Date(now - 1000), Destination: { Arn: busArn('default') } };
    await rejectsWith(
      eb.send(new StartReplayCommand({ ...base, ReplayName: 'r1', Destination: { Arn: busArn('elsewhere') } })),
      'ValidationException',
      'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
    );
    await rejectsWith(eb.send(new StartReplayCommand({ ...base, ReplayName: 'r1', EventEndTime: new Date(now + 3_600_000) })), 'ValidationException');
    await rejectsWith(eb.send(new StartReplayCommand({ ...base, ReplayName: 'r1', EventStartTime: new Date(now - 500) })), 'ValidationException');
    await rejectsWith(
      eb.send(new StartReplayCommand({ ...base, ReplayName: 'r1', EventSourceArn: `arn:aws:events:us-east-1:${ACCOUNT}:archive/none` })),
      'ResourceNotFoundException',
      'Archive none does not exist.',
    );
    await rejectsWith(eb.send(new DescribeReplayCommand({ ReplayName: 'none' })), 'ResourceNotFoundException', 'Replay none does not exist.');
    const list = await eb.send(new ListArchivesCommand({ NamePrefix: 'pl' }));
    assert.deepEqual(list.Archives?.map((a) => a.ArchiveName), ['plain']);
    await eb.send(new DeleteArchiveCommand({ ArchiveName: 'plain' }));
    await rejectsWith(eb.send(new DescribeArchiveCommand({ ArchiveName: 'plain' })), 'ResourceNotFoundException', 'Archive plain does not exist.');
  });
});
