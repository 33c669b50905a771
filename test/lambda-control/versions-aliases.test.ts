import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand, CreateFunctionCommand, DeleteAliasCommand, DeleteFunctionCommand, GetAliasCommand, GetFunctionConfigurationCommand,
  LambdaClient, ListAliasesCommand, ListFunctionsCommand, ListVersionsByFunctionCommand, PublishVersionCommand, UpdateAliasCommand,
  UpdateFunctionConfigurationCommand, GetFunctionRecursionConfigCommand, PutFunctionRecursionConfigCommand, GetRuntimeManagementConfigCommand,
  PutRuntimeManagementConfigCommand,
} from '@aws-sdk/client-lambda';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { resolveFunction } from '../../src/services/lambda/resolve.js';
import { advance, createRole, HANDLER_ZIP, rejects } from './helpers.js';

describe('lambda versions and aliases', () => {
  let c: Cumulus;
  let lambda: LambdaClient;
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:v';

  before(async () => {
    c = await startTestCumulus();
    lambda = new LambdaClient(clientConfig(c));
    const role = await createRole(c, 'r');
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'v', Runtime: 'python3.12', Handler: 'h.h', Role: role, Code: { ZipFile: HANDLER_ZIP() } }));
    await advance(c, 1);
  });
  after(() => c.stop());

  test('PublishVersion snapshots; unchanged $LATEST returns the same version; CodeSha256 is checked', async () => {
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'v', Description: 'one' }));
    assert.equal(v1.$metadata.httpStatusCode, 201);
    assert.equal(v1.Version, '1');
    assert.equal(v1.FunctionArn, `${arn}:1`);
    assert.equal(v1.Description, 'one');
    const again = await lambda.send(new PublishVersionCommand({ FunctionName: 'v' }));
    assert.equal(again.Version, '1');
    const bad = await rejects(lambda.send(new PublishVersionCommand({ FunctionName: 'v', CodeSha256: 'AAAA' })));
    assert.equal(bad.name, 'InvalidParameterValueException');
    assert.match(bad.message, /^CodeSHA256 \(AAAA\) is different from current CodeSHA256 in \$LATEST/);
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'v', MemorySize: 512 }));
    const busy = await rejects(lambda.send(new PublishVersionCommand({ FunctionName: 'v' })));
    assert.equal(busy.name, 'ResourceConflictException');
    await advance(c, 1);
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: 'v', CodeSha256: v1.CodeSha256 }));
    assert.equal(v2.Version, '2');
    assert.equal(v2.MemorySize, 512);
    // version 1 keeps its snapshot
    const old = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'v', Qualifier: '1' }));
    assert.equal(old.MemorySize, 128);
    const list = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'v' }));
    assert.deepEqual(list.Versions!.map((x) => x.Version), ['$LATEST', '1', '2']);
    assert.equal(list.Versions![0]!.FunctionArn, `${arn}:$LATEST`);
    const all = await lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    assert.deepEqual(all.Functions!.map((f) => f.FunctionArn), [`${arn}:$LATEST`, `${arn}:1`, `${arn}:2`]);
    const missing = await rejects(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'v', Qualifier: '9' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.message, `Function not found: ${arn}:9`);
    const mismatch = await rejects(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${arn}:1`, Qualifier: '2' })));
    assert.equal(mismatch.name, 'InvalidParameterValueException');
  });

  test('aliases: create, get, update with weights, list, errors, delete', async () => {
    const a = await lambda.send(new CreateAliasCommand({ FunctionName: 'v', Name: 'live', FunctionVersion: '1', Description: 'prod' }));
    assert.equal(a.AliasArn, `${arn}:live`);
    assert.equal(a.FunctionVersion, '1');
    let e = await rejects(lambda.send(new CreateAliasCommand({ FunctionName: 'v', Name: 'live', FunctionVersion: '1' })));
    assert.equal(e.name, 'ResourceConflictException');
    assert.equal(e.message, `Alias already exists: ${arn}:live`);
    e = await rejects(lambda.send(new CreateAliasCommand({ FunctionName: 'v', Name: 'x', FunctionVersion: '7' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    e = await rejects(lambda.send(new CreateAliasCommand({ FunctionName: 'v', Name: 'y', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } })));
    assert.equal(e.name, 'InvalidParameterValueException');
    e = await rejects(lambda.send(new UpdateAliasCommand({ FunctionName: 'v', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } })));
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.equal(e.message, 'Invalid function version 1. Function version 1 is already included in routing configuration.');
    e = await rejects(lambda.send(new UpdateAliasCommand({ FunctionName: 'v', Name: 'live', RevisionId: 'stale' })));
    assert.equal(e.name, 'PreconditionFailedException');
    e = await rejects(lambda.send(new UpdateAliasCommand({ FunctionName: 'v', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 1.5 } } })));
    assert.equal(e.name, 'ValidationException');
    const up = await lambda.send(new UpdateAliasCommand({ FunctionName: 'v', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } }));
    assert.deepEqual(up.RoutingConfig, { AdditionalVersionWeights: { '2': 0.3 } });
    assert.notEqual(up.RevisionId, a.RevisionId);
    const got = await lambda.send(new GetAliasCommand({ FunctionName: 'v', Name: 'live' }));
    assert.equal(got.Description, 'prod');
    // the execution side's view: weights are honoured statistically
    const ctx = { store: c.runtime.store, account: '000000000000', region: 'us-east-1' };
    let two = 0;
    for (let i = 0; i < 2000; i++) if (resolveFunction(ctx, 'v', 'live').Version === '2') two++;
    assert.ok(two > 450 && two < 750, `version 2 picked ${two}/2000 times`);
    assert.equal(resolveFunction(ctx, `${arn}:live`).Alias, 'live');
    await lambda.send(new CreateAliasCommand({ FunctionName: 'v', Name: 'beta', FunctionVersion: '2' }));
    const list = await lambda.send(new ListAliasesCommand({ FunctionName: 'v' }));
    assert.deepEqual(list.Aliases!.map((x) => x.Name), ['beta', 'live']);
    const by2 = await lambda.send(new ListAliasesCommand({ FunctionName: 'v', FunctionVersion: '2' }));
    assert.equal(by2.Aliases!.length, 2);
    const viaAlias = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'v', Qualifier: 'beta' }));
    assert.equal(viaAlias.Version, '2');
    const inUse = await rejects(lambda.send(new DeleteFunctionCommand({ FunctionName: 'v', Qualifier: '2' })));
    assert.equal(inUse.name, 'ResourceConflictException');
    await lambda.send(new DeleteAliasCommand({ FunctionName: 'v', Name: 'beta' }));
    e = await rejects(lambda.send(new GetAliasCommand({ FunctionName: 'v', Name: 'beta' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.equal(e.message, `Cannot find alias arn: ${arn}:beta`);
    const latest = await rejects(lambda.send(new DeleteFunctionCommand({ FunctionName: 'v', Qualifier: '$LATEST' })));
    assert.equal(latest.name, 'InvalidParameterValueException');
  });

  test('CLI and boto3 see the same versions and aliases', async () => {
    const cli = await awsCli(c, ['lambda', 'list-aliases', '--function-name', 'v']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).Aliases.map((x: { Name: string }) => x.Name), ['live']);
    const py = await boto3(
      c,
      `l = boto3.client('lambda', endpoint_url=endpoint)
v = l.publish_version(FunctionName='v')
l.create_alias(FunctionName='v', Name='py', FunctionVersion=v['Version'])
print(json.dumps({'version': v['Version'], 'alias': l.get_alias(FunctionName='v', Name='py')['FunctionVersion']}))`,
    );
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), { version: '2', alias: '2' });
  });

  test('recursion and runtime management settings', async () => {
    assert.equal((await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'v' }))).RecursiveLoop, 'Terminate');
    await lambda.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'v', RecursiveLoop: 'Allow' }));
    assert.equal((await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'v' }))).RecursiveLoop, 'Allow');
    const rm = await lambda.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'v' }));
    assert.equal(rm.UpdateRuntimeOn, 'Auto');
    assert.equal(rm.FunctionArn, `${arn}:$LATEST`);
    const put = await lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'v', Qualifier: '1', UpdateRuntimeOn: 'FunctionUpdate' }));
    assert.equal(put.FunctionArn, `${arn}:1`);
    assert.equal((await lambda.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'v', Qualifier: '1' }))).UpdateRuntimeOn, 'FunctionUpdate');
    const e = await rejects(lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'v', UpdateRuntimeOn: 'Manual' })));
    assert.equal(e.name, 'InvalidParameterValueException');
  });
});
