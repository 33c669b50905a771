// End to end with a real function: a scheduled rule invokes a Lambda function every rate(1 minute), once the
// function's resource policy allows events.amazonaws.com for that rule (as AWS requires).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import type { TargetInvocation } from '../../src/events/targets.js';

const ACCOUNT = '777777777777';
const creds = { accessKeyId: ACCOUNT, secretAccessKey: 'x' };

const HANDLER = `const fs = require('fs');
exports.handler = async (event) => { fs.appendFileSync(process.env.OUT, JSON.stringify(event) + '\\n'); return 'ok'; };`;

function zipOf(source: string): Buffer {
  const dir = tempDir('events-zip-');
  fs.writeFileSync(path.join(dir, 'index.js'), source);
  execFileSync('zip', ['-q', '-X', 'code.zip', 'index.js'], { cwd: dir });
  const zip = fs.readFileSync(path.join(dir, 'code.zip'));
  fs.rmSync(dir, { recursive: true, force: true });
  return zip;
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

describe('events: a scheduled rule invoking a Lambda function', () => {
  let c: Cumulus;
  let out: string;
  let idleBefore: string | undefined;
  const dead: TargetInvocation[] = [];
  const advance = async (seconds: number) => {
    const res = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
    assert.equal(res.status, 200);
  };
  const waitFor = async <T>(what: string, fn: () => T | false | undefined): Promise<T> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const v = fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  before(async () => {
    // the clock jumps minutes ahead: keep the function's environment warm through the jumps
    idleBefore = process.env.CUMULUS_LAMBDA_IDLE_SECONDS;
    process.env.CUMULUS_LAMBDA_IDLE_SECONDS = '36000';
    c = await startTestCumulus();
    out = path.join(tempDir('events-lambda-'), 'calls.jsonl');
    c.runtime.targets.register('test-dlq', (arn) => arn.startsWith('arn:aws:sqs:'), (inv) => {
      dead.push(inv);
      return { ok: true, message: 'ok' };
    });
  });
  after(async () => {
    await c.stop();
    if (idleBefore === undefined) delete process.env.CUMULUS_LAMBDA_IDLE_SECONDS;
    else process.env.CUMULUS_LAMBDA_IDLE_SECONDS = idleBefore;
  });

  test('rate(1 minute) invokes the function once per minute after AddPermission', async () => {
    const iam = new IAMClient(clientConfig(c, { credentials: creds }));
    const lambda = new LambdaClient(clientConfig(c, { credentials: creds }));
    const eb = new EventBridgeClient(clientConfig(c, { credentials: creds }));
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: 'fn',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const fn = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'tick',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: role.Role!.Arn!,
        Code: { ZipFile: zipOf(HANDLER) },
        Environment: { Variables: { OUT: out } },
        Timeout: 60,
      }),
    );
    const deadline = Date.now() + 20_000;
    while ((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'tick' }))).State !== 'Active') {
      if (Date.now() > deadline) throw new Error('function never became Active');
      await new Promise((r) => setTimeout(r, 25));
    }

    const { RuleArn } = await eb.send(new PutRuleCommand({ Name: 'every-minute', ScheduleExpression: 'rate(1 minute)' }));
    await eb.send(
      new PutTargetsCommand({
        Rule: 'every-minute',
        Targets: [{ Id: 'fn', Arn: fn.FunctionArn!, DeadLetterConfig: { Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:dlq` } }],
      }),
    );
    // without a resource policy for events.amazonaws.com the invocation is refused, not retried
    await advance(60);
    const [refused] = await waitFor('refused invocation in the DLQ', () => dead.length === 1 && dead);
    assert.equal((refused!.context?.messageAttributes as Record<string, string>).ERROR_CODE, 'NO_PERMISSIONS');
    assert.equal(lines(out).length, 0);

    await lambda.send(
      new AddPermissionCommand({ FunctionName: 'tick', StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: RuleArn }),
    );
    await advance(60);
    await waitFor('first invocation', () => lines(out).length === 1);
    await advance(60);
    await waitFor('second invocation', () => lines(out).length === 2);
    await advance(60);
    const calls = await waitFor('third invocation', () => lines(out).length === 3 && lines(out));
    for (const e of calls) {
      assert.equal(e['detail-type'], 'Scheduled Event');
      assert.equal(e.source, 'aws.events');
      assert.deepEqual(e.resources, [RuleArn]);
    }
    assert.equal(dead.length, 1);
  });
});
