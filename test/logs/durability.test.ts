import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig, spawnCumulus, tempDir } from '../helpers/cumulus.js';

const creds = { accessKeyId: '131313131313', secretAccessKey: 'x' };

describe('logs: durability', () => {
  test('with --data-dir, groups, streams and events put before a SIGKILL are there after', async () => {
    const dir = tempDir('cumulus-logs-');
    const first = await spawnCumulus(['--data-dir', dir]);
    const now = Date.now();
    try {
      const logs = new CloudWatchLogsClient(clientConfig(first, { credentials: creds }));
      await logs.send(new CreateLogGroupCommand({ logGroupName: 'durable' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'durable', logStreamName: 's' }));
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: 'durable',
          logStreamName: 's',
          logEvents: [
            { timestamp: now - 2000, message: 'before the crash' },
            { timestamp: now - 1000, message: 'ERROR also before' },
          ],
        }),
      );
    } finally {
      await first.kill('SIGKILL');
    }
    const second = await spawnCumulus(['--data-dir', dir]);
    try {
      const logs = new CloudWatchLogsClient(clientConfig(second, { credentials: creds }));
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: 'durable', logStreamName: 's', startFromHead: true }));
      assert.deepEqual(
        page.events!.map((e) => e.message),
        ['before the crash', 'ERROR also before'],
      );
      const { logGroups = [] } = await logs.send(new DescribeLogGroupsCommand({}));
      assert.equal(logGroups[0]!.storedBytes, 'before the crash'.length + 'ERROR also before'.length);
      const { logStreams = [] } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'durable' }));
      assert.equal(logStreams[0]!.lastEventTimestamp, now - 1000);
      // and appending keeps working on the reopened table
      await logs.send(new PutLogEventsCommand({ logGroupName: 'durable', logStreamName: 's', logEvents: [{ timestamp: now, message: 'ERROR after' }] }));
      const errors = await logs.send(new FilterLogEventsCommand({ logGroupName: 'durable', filterPattern: 'ERROR' }));
      assert.deepEqual(
        errors.events!.map((e) => e.message),
        ['ERROR also before', 'ERROR after'],
      );
    } finally {
      await second.kill();
    }
  });
});
