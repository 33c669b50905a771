// Helpers for Lambda control-plane tests: zips made by Python's zipfile, an execution role, the clock.
import { execFileSync } from 'node:child_process';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { clientConfig, PYTHON } from '../helpers/cumulus.js';

export interface ZipSpec {
  [name: string]: string | { content: string; mode?: number; deflate?: boolean };
}

/** A zip made by Python's zipfile (modes in the external attributes, deflated unless told). */
export function makeZip(files: ZipSpec): Buffer {
  const spec = Object.entries(files).map(([name, v]) => (typeof v === 'string' ? { name, content: v } : { name, ...v }));
  const script = `
import io, json, sys, zipfile
spec = json.load(sys.stdin)
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w') as z:
    for f in spec:
        info = zipfile.ZipInfo(f['name'], (2024, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = ((0o100000 | f.get('mode', 0o644)) << 16)
        info.compress_type = zipfile.ZIP_STORED if f.get('deflate') is False else zipfile.ZIP_DEFLATED
        z.writestr(info, f['content'])
sys.stdout.buffer.write(buf.getvalue())
`;
  return execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(spec), maxBuffer: 512 * 1024 * 1024 });
}

/** Runs a Python snippet that writes a zip to stdout (for big or unusual archives). */
export function pythonZip(body: string): Buffer {
  const script = `import io, sys, zipfile, os\nbuf = io.BytesIO()\n${body}\nsys.stdout.buffer.write(buf.getvalue())\n`;
  return execFileSync(PYTHON, ['-c', script], { maxBuffer: 512 * 1024 * 1024 });
}

export const HANDLER_ZIP = () => makeZip({ 'index.js': 'exports.handler = async () => ({ ok: true });\n' });

export const LAMBDA_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export async function createRole(c: { url: string }, name: string, trust = LAMBDA_TRUST): Promise<string> {
  const iam = new IAMClient(clientConfig(c));
  const out = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
  return out.Role!.Arn!;
}

export async function advance(c: { url: string }, seconds: number): Promise<void> {
  const res = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(`clock advance failed: ${res.status}`);
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejects(p: Promise<unknown>): Promise<{ name: string; message: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}
