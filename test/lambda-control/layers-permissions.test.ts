import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AddLayerVersionPermissionCommand, AddPermissionCommand, CreateAliasCommand, CreateFunctionCommand, DeleteLayerVersionCommand,
  GetFunctionConfigurationCommand, GetLayerVersionByArnCommand, GetLayerVersionCommand, GetLayerVersionPolicyCommand, GetPolicyCommand,
  LambdaClient, ListLayersCommand, ListLayerVersionsCommand, PublishLayerVersionCommand, PublishVersionCommand, RemovePermissionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { awsCli, clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { policyAllows, resolveFunction } from '../../src/services/lambda/resolve.js';
import { advance, createRole, HANDLER_ZIP, makeZip, rejects } from './helpers.js';

describe('lambda layers and permissions', () => {
  let c: Cumulus;
  let lambda: LambdaClient;
  let role: string;
  const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:p';

  before(async () => {
    c = await startTestCumulus();
    lambda = new LambdaClient(clientConfig(c));
    role = await createRole(c, 'r');
  });
  after(() => c.stop());

  test('layers: publish, get, by ARN, list, use from a function (unpacked in order), delete', async () => {
    const zip = makeZip({ 'python/lib.py': 'X = 1\n', 'bin/tool': { content: '#!/bin/sh\necho hi\n', mode: 0o755 } });
    const l1 = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'libs', Content: { ZipFile: zip }, CompatibleRuntimes: ['python3.12'], Description: 'd1' }));
    assert.equal(l1.$metadata.httpStatusCode, 201);
    assert.equal(l1.Version, 1);
    assert.equal(l1.LayerArn, 'arn:aws:lambda:us-east-1:000000000000:layer:libs');
    assert.equal(l1.LayerVersionArn, 'arn:aws:lambda:us-east-1:000000000000:layer:libs:1');
    assert.equal(l1.Content!.CodeSize, zip.length);
    assert.deepEqual(Buffer.from(await (await fetch(l1.Content!.Location!)).arrayBuffer()), zip);
    const l2 = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'libs', Content: { ZipFile: zip }, CompatibleRuntimes: ['nodejs20.x'] }));
    assert.equal(l2.Version, 2);
    const other = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'other', Content: { ZipFile: makeZip({ 'a.txt': 'a' }) } }));
    const got = await lambda.send(new GetLayerVersionCommand({ LayerName: 'libs', VersionNumber: 1 }));
    assert.equal(got.Description, 'd1');
    const byArn = await lambda.send(new GetLayerVersionByArnCommand({ Arn: l2.LayerVersionArn! }));
    assert.equal(byArn.Version, 2);
    const layers = await lambda.send(new ListLayersCommand({}));
    assert.deepEqual(layers.Layers!.map((l) => [l.LayerName, l.LatestMatchingVersion!.Version]), [['libs', 2], ['other', 1]]);
    const py = await lambda.send(new ListLayersCommand({ CompatibleRuntime: 'python3.12' }));
    assert.deepEqual(py.Layers!.map((l) => [l.LayerName, l.LatestMatchingVersion!.Version]), [['libs', 1]]);
    const versions = await lambda.send(new ListLayerVersionsCommand({ LayerName: 'libs' }));
    assert.deepEqual(versions.LayerVersions!.map((v) => v.Version), [2, 1]);

    const fn = await lambda.send(
      new CreateFunctionCommand({ FunctionName: 'withlayers', Runtime: 'python3.12', Handler: 'h.h', Role: role, Code: { ZipFile: HANDLER_ZIP() }, Layers: [other.LayerVersionArn!, l1.LayerVersionArn!] }),
    );
    assert.deepEqual(fn.Layers, [{ Arn: other.LayerVersionArn, CodeSize: other.Content!.CodeSize }, { Arn: l1.LayerVersionArn, CodeSize: zip.length }]);
    const resolved = resolveFunction({ store: c.runtime.store, account: '000000000000', region: 'us-east-1' }, 'withlayers');
    assert.equal(resolved.layerDirs.length, 2);
    assert.equal(fs.readFileSync(path.join(resolved.layerDirs[1]!, 'python/lib.py'), 'utf8'), 'X = 1\n');
    assert.equal(fs.statSync(path.join(resolved.layerDirs[1]!, 'bin/tool')).mode & 0o777, 0o755);
    assert.ok(fs.existsSync(path.join(resolved.codeDir, 'index.js')));

    let e = await rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'x', Runtime: 'python3.12', Handler: 'h.h', Role: role, Code: { ZipFile: HANDLER_ZIP() }, Layers: ['arn:aws:lambda:us-east-1:000000000000:layer:libs:9'] })));
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.equal(e.message, 'Layer version arn:aws:lambda:us-east-1:000000000000:layer:libs:9 does not exist.');
    e = await rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'x', Runtime: 'python3.12', Handler: 'h.h', Role: role, Code: { ZipFile: HANDLER_ZIP() }, Layers: Array(6).fill(l1.LayerVersionArn!) })));
    assert.equal(e.name, 'InvalidParameterValueException');
    e = await rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'x', Runtime: 'python3.12', Handler: 'h.h', Role: role, Code: { ZipFile: HANDLER_ZIP() }, Layers: [l1.LayerVersionArn!, l2.LayerVersionArn!] })));
    assert.equal(e.name, 'InvalidParameterValueException');

    // layer version permissions
    const perm = await lambda.send(new AddLayerVersionPermissionCommand({ LayerName: 'libs', VersionNumber: 1, StatementId: 'all', Action: 'lambda:GetLayerVersion', Principal: '*' }));
    assert.deepEqual(JSON.parse(perm.Statement!), { Sid: 'all', Effect: 'Allow', Principal: '*', Action: 'lambda:GetLayerVersion', Resource: l1.LayerVersionArn });
    const lpol = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: 'libs', VersionNumber: 1 }));
    assert.equal(JSON.parse(lpol.Policy!).Statement.length, 1);

    // deleting a layer version: gone for GetLayerVersion, the function keeps its copy; numbers are not reused
    await lambda.send(new DeleteLayerVersionCommand({ LayerName: 'libs', VersionNumber: 1 }));
    e = await rejects(lambda.send(new GetLayerVersionCommand({ LayerName: 'libs', VersionNumber: 1 })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.ok(fs.existsSync(path.join(resolved.layerDirs[1]!, 'python/lib.py')));
    const l3 = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'libs', Content: { ZipFile: zip } }));
    assert.equal(l3.Version, 3);
    await advance(c, 1);
    const up = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'withlayers', Layers: [l3.LayerVersionArn!] }));
    assert.deepEqual(up.Layers!.map((l) => l.Arn), [l3.LayerVersionArn]);
  });

  test('permissions: AddPermission, GetPolicy in AWS shape, RemovePermission, errors, policyAllows', async () => {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'p', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role, Code: { ZipFile: HANDLER_ZIP() } }));
    await advance(c, 1);
    const added = await lambda.send(
      new AddPermissionCommand({ FunctionName: 'p', StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: 'arn:aws:events:us-east-1:000000000000:rule/r*', SourceAccount: '000000000000' }),
    );
    assert.equal(added.$metadata.httpStatusCode, 201);
    const statement = {
      Sid: 'events',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: fnArn,
      Condition: { StringEquals: { 'AWS:SourceAccount': '000000000000' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:events:us-east-1:000000000000:rule/r*' } },
    };
    assert.deepEqual(JSON.parse(added.Statement!), statement);
    await lambda.send(new AddPermissionCommand({ FunctionName: 'p', StatementId: 'acct', Action: 'lambda:InvokeFunction', Principal: '111122223333' }));
    const pol = await lambda.send(new GetPolicyCommand({ FunctionName: 'p' }));
    const doc = JSON.parse(pol.Policy!);
    assert.equal(doc.Version, '2012-10-17');
    assert.equal(doc.Id, 'default');
    assert.deepEqual(doc.Statement[0], statement);
    assert.deepEqual(doc.Statement[1].Principal, { AWS: 'arn:aws:iam::111122223333:root' });
    assert.ok(pol.RevisionId);

    const scope = { account: '000000000000', region: 'us-east-1' };
    const rt = c.runtime;
    assert.equal(policyAllows(rt, scope, fnArn, undefined, 'events.amazonaws.com', 'arn:aws:events:us-east-1:000000000000:rule/r1', '000000000000'), true);
    assert.equal(policyAllows(rt, scope, fnArn, undefined, 'events.amazonaws.com', 'arn:aws:events:us-east-1:000000000000:rule/x1', '000000000000'), false);
    assert.equal(policyAllows(rt, scope, fnArn, undefined, 'sns.amazonaws.com', undefined, '000000000000'), false);
    assert.equal(policyAllows(rt, scope, fnArn, undefined, '111122223333'), true);
    assert.equal(policyAllows(rt, scope, fnArn, undefined, 'arn:aws:iam::111122223333:user/bob'), true);
    assert.equal(policyAllows(rt, scope, fnArn, undefined, '444455556666'), false);

    let e = await rejects(lambda.send(new AddPermissionCommand({ FunctionName: 'p', StatementId: 'events', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' })));
    assert.equal(e.name, 'ResourceConflictException');
    assert.equal(e.message, 'The statement id (events) provided already exists. Please provide a new statement id, or remove the existing statement.');
    e = await rejects(lambda.send(new AddPermissionCommand({ FunctionName: 'p', StatementId: 'q', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', Qualifier: 'nope' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    e = await rejects(lambda.send(new AddPermissionCommand({ FunctionName: 'p', StatementId: 'q', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', RevisionId: 'old' })));
    assert.equal(e.name, 'PreconditionFailedException');

    // a qualified policy is its own document
    await lambda.send(new PublishVersionCommand({ FunctionName: 'p' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'p', Name: 'live', FunctionVersion: '1' }));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'p', Qualifier: 'live', StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    const aliasPol = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: 'p', Qualifier: 'live' }))).Policy!);
    assert.equal(aliasPol.Statement.length, 1);
    assert.equal(aliasPol.Statement[0].Resource, `${fnArn}:live`);
    assert.deepEqual(aliasPol.Statement[0].Condition, { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } });
    assert.equal(policyAllows(rt, scope, fnArn, 'live', '*', undefined, undefined, { action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: 'NONE' }), true);
    assert.equal(policyAllows(rt, scope, fnArn, 'live', '*', undefined, undefined, { action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: 'AWS_IAM' }), false);
    assert.equal(policyAllows(rt, scope, fnArn, undefined, '*', undefined, undefined, { action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: 'NONE' }), false);

    await lambda.send(new RemovePermissionCommand({ FunctionName: 'p', StatementId: 'acct' }));
    e = await rejects(lambda.send(new RemovePermissionCommand({ FunctionName: 'p', StatementId: 'acct' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.equal(e.message, 'Statement acct is not found in resource policy.');
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'p', StatementId: 'events' }));
    e = await rejects(lambda.send(new GetPolicyCommand({ FunctionName: 'p' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.equal(e.message, 'The resource you requested does not exist.');
    assert.equal((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'p' }))).State, 'Active');
  });

  test('CLI: create a function and a layer from zip files on disk', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'f.zip'), HANDLER_ZIP());
    const layer = await awsCli(c, ['lambda', 'publish-layer-version', '--layer-name', 'cli-layer', '--zip-file', `fileb://${path.join(dir, 'f.zip')}`]);
    assert.equal(layer.code, 0, layer.stderr);
    const create = await awsCli(c, ['lambda', 'create-function', '--function-name', 'cli-fn', '--runtime', 'nodejs22.x', '--handler', 'index.handler', '--role', role, '--zip-file', `fileb://${path.join(dir, 'f.zip')}`, '--layers', JSON.parse(layer.stdout).LayerVersionArn]);
    assert.equal(create.code, 0, create.stderr);
    assert.equal(JSON.parse(create.stdout).State, 'Pending');
    const wait = await awsCli(c, ['lambda', 'wait', 'function-active-v2', '--function-name', 'cli-fn']);
    assert.equal(wait.code, 0, wait.stderr);
    const perm = await awsCli(c, ['lambda', 'add-permission', '--function-name', 'cli-fn', '--statement-id', 's', '--action', 'lambda:InvokeFunction', '--principal', 'apigateway.amazonaws.com']);
    assert.equal(perm.code, 0, perm.stderr);
    const pol = await awsCli(c, ['lambda', 'get-policy', '--function-name', 'cli-fn']);
    assert.deepEqual(JSON.parse(JSON.parse(pol.stdout).Policy).Statement[0].Principal, { Service: 'apigateway.amazonaws.com' });
  });
});
