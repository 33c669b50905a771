// /tmp is held to the function's EphemeralStorage: an environment whose /tmp grows past it is stopped (the
// invocation fails and its log says why), and the next invocation gets a fresh environment. (On AWS the
// write itself fails with ENOSPC; see src/services/lambda/tmp-quota.ts.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { createFunction, createRole, decode, encode, tail } from '../lambda-invoke/fixture.js';

let c: Cumulus;
let lambda: LambdaClient;

// writes event.mb megabytes to /tmp in 16 MB pieces, pausing between them as real work would
const FILLER = `const fs = require('fs');
const path = require('path');
exports.handler = async (event) => {
  const piece = Buffer.alloc(16 * 1024 * 1024, 1);
  const file = path.join(process.env.TMPDIR || '/tmp', 'fill-' + Date.now());
  for (let written = 0; written < event.mb; written += 16) {
    fs.appendFileSync(file, piece);
    await new Promise((r) => setTimeout(r, 25));
  }
  const size = fs.statSync(file).size;
  fs.rmSync(file);
  return { wrote: size / 1048576 };
};`;

before(async () => {
  c = await startTestCumulus();
  lambda = new LambdaClient(clientConfig(c));
  const role = await createRole(c);
  await createFunction(lambda, role, {
    FunctionName: 'filler',
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Timeout: 120,
    EphemeralStorage: { Size: 512 },
    files: { 'index.js': FILLER },
  });
});

after(async () => {
  lambda.destroy();
  await c.stop();
});

test('writing past EphemeralStorage stops the environment; the invocation fails and says why', async () => {
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'filler', Payload: encode({ mb: 1024 }), LogType: 'Tail' }));
  assert.equal(r.FunctionError, 'Unhandled');
  assert.equal(JSON.parse(decode(r.Payload)).errorType, 'Runtime.ExitError');
  assert.match(tail(r.LogResult), /ephemeral storage \(512 MB\): ENOSPC: no space left on device/);
});

test('within EphemeralStorage, /tmp is the function’s to use', async () => {
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'filler', Payload: encode({ mb: 64 }) }));
  assert.equal(r.FunctionError, undefined, decode(r.Payload));
  assert.deepEqual(JSON.parse(decode(r.Payload)), { wrote: 64 });
});
