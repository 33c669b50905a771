// Lambda functions for the API Gateway tests: a role, zips made by the `zip` CLI, functions created through
// the SDK and waited on until Active, permissions for apigateway.amazonaws.com.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, tempDir } from '../helpers/cumulus.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

export async function createRole(c: { url: string }, name: string): Promise<string> {
  const iam = new IAMClient(clientConfig(c));
  const r = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
  iam.destroy();
  return r.Role!.Arn!;
}

function zipOf(files: Record<string, string>): Buffer {
  const dir = tempDir('apigw-zip-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  execFileSync('zip', ['-q', '-X', 'code.zip', ...Object.keys(files)], { cwd: dir });
  const zip = fs.readFileSync(path.join(dir, 'code.zip'));
  fs.rmSync(dir, { recursive: true, force: true });
  return zip;
}

/** Creates a Node.js function from the source of index.mjs and waits until it is Active. */
export async function nodeFunction(c: { url: string }, lambda: LambdaClient, role: string, name: string, source: string): Promise<string> {
  const r = await lambda.send(new CreateFunctionCommand({ FunctionName: name, Role: role, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zipOf({ 'index.mjs': source }) } }));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const cfg = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (cfg.State === 'Active' && cfg.LastUpdateStatus !== 'InProgress') break;
    if (cfg.State === 'Failed' || Date.now() > deadline) throw new Error(`function ${name}: ${cfg.State} ${cfg.StateReason ?? ''}`);
    await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 0.5 }) });
    await new Promise((res) => setTimeout(res, 10));
  }
  return r.FunctionArn!;
}

export async function allowApiGateway(lambda: LambdaClient, name: string, sourceArn: string): Promise<void> {
  await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: `apigw-${Math.random().toString(36).slice(2)}`, Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com', SourceArn: sourceArn }));
}

export const invocationUri = (functionArn: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${functionArn}/invocations`;
