// A function calls AWS from inside with the credentials of its execution role: the SDK in the function
// reaches Cumulus through AWS_ENDPOINT_URL and is the assumed role, session named after the function.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { createFunction, createRole, decode, encode } from './fixture.js';

let c: Cumulus;
let lambda: LambdaClient;
let roleArn: string;

before(async () => {
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c));
  roleArn = await createRole(c, 'worker-role');
});

after(async () => {
  lambda.destroy();
  await c.stop();
});

test('a Python function with boto3 gets its role from STS GetCallerIdentity', async () => {
  await createFunction(lambda, roleArn, {
    FunctionName: 'whoami-py',
    Runtime: 'python3.11',
    Handler: 'main.handler',
    Timeout: 30,
    files: {
      'main.py': `import boto3
def handler(event, context):
    ident = boto3.client("sts").get_caller_identity()
    return {"Arn": ident["Arn"], "Account": ident["Account"]}
`,
    },
  });
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'whoami-py', Payload: encode({}) }));
  assert.equal(r.FunctionError, undefined, decode(r.Payload));
  assert.deepEqual(JSON.parse(decode(r.Payload)), { Arn: 'arn:aws:sts::000000000000:assumed-role/worker-role/whoami-py', Account: '000000000000' });
});

test('a Node function with the SDK v3 the runtime provides does the same', async () => {
  await createFunction(lambda, roleArn, {
    FunctionName: 'whoami-node',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Timeout: 30,
    files: {
      'index.js': `const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
exports.handler = async () => { const r = await new STSClient({}).send(new GetCallerIdentityCommand({})); return { Arn: r.Arn }; };`,
    },
  });
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'whoami-node', Payload: encode({}) }));
  assert.equal(r.FunctionError, undefined, decode(r.Payload));
  assert.deepEqual(JSON.parse(decode(r.Payload)), { Arn: 'arn:aws:sts::000000000000:assumed-role/worker-role/whoami-node' });
});
