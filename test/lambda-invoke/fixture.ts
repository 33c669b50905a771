// Shared setup of the Lambda execution tests: a role Lambda can assume, zips built with the `zip` CLI,
// functions created through the SDK and waited on until Active.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, type CreateFunctionCommandInput, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig, tempDir } from '../helpers/cumulus.js';

export const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export async function createRole(c: { url: string }, name = 'lambda-exec'): Promise<string> {
  const iam = new IAMClient(clientConfig(c));
  const r = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
  return r.Role!.Arn!;
}

/** A zip of `files` (name → text; names ending in '*' are made executable, without the '*'). */
export function zipOf(files: Record<string, string>): Buffer {
  const dir = tempDir('lambda-zip-');
  const names: string[] = [];
  for (const [raw, text] of Object.entries(files)) {
    const exec = raw.endsWith('*');
    const name = exec ? raw.slice(0, -1) : raw;
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text, { mode: exec ? 0o755 : 0o644 });
    names.push(name);
  }
  execFileSync('zip', ['-q', '-X', 'code.zip', ...names], { cwd: dir });
  const zip = fs.readFileSync(path.join(dir, 'code.zip'));
  fs.rmSync(dir, { recursive: true, force: true });
  return zip;
}

/** Waits (bounded) until a function's State is Active and its last update finished, moving the clock on a little
 *  meanwhile (Pending and InProgress last a moment on the clock). */
export async function waitActive(lambda: LambdaClient, name: string, qualifier?: string): Promise<void> {
  const endpoint = await lambda.config.endpoint!();
  const base = `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const cfg = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: qualifier }));
    if (cfg.State === 'Active' && cfg.LastUpdateStatus !== 'InProgress') return;
    if (cfg.State === 'Failed') throw new Error(`function ${name} failed: ${cfg.StateReason}`);
    if (Date.now() > deadline) throw new Error(`function ${name} still ${cfg.State}/${cfg.LastUpdateStatus}`);
    await fetch(`${base}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 0.5 }) });
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function createFunction(
  lambda: LambdaClient,
  role: string,
  input: Omit<CreateFunctionCommandInput, 'Role' | 'Code'> & { files: Record<string, string> },
): Promise<string> {
  const { files, ...rest } = input;
  const r = await lambda.send(new CreateFunctionCommand({ Role: role, Code: { ZipFile: zipOf(files) }, ...rest }));
  await waitActive(lambda, input.FunctionName!);
  return r.FunctionArn!;
}

export const decode = (p: Uint8Array | undefined) => (p ? Buffer.from(p).toString('utf8') : '');
export const encode = (v: unknown) => Buffer.from(JSON.stringify(v));
export const tail = (logResult: string | undefined) => Buffer.from(logResult ?? '', 'base64').toString('utf8');
