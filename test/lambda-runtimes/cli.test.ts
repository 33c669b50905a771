// `cumulus runtimes list|install` (src/cli/runtimes.ts), without the network: list, the Python report, bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runtimesCommand } from '../../src/cli/runtimes.js';
import { SUPPORTED_RUNTIMES } from '../../src/services/lambda/runtimes.js';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runtimesCommand(args, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('cumulus runtimes', () => {
  it('list names every runtime and the interpreter that runs it', async () => {
    const r = await cli(['list']);
    assert.equal(r.code, 0);
    for (const rt of SUPPORTED_RUNTIMES) assert.match(r.out, new RegExp(`^  ${rt.replace('.', '\\.')}\\s+\\S`, 'm'));
    assert.match(r.out, /nodejs20\.x\s+node v\d+\.\d+\.\d+/);
    assert.match(r.out, /python3\.12\s+(python 3\.\d+\.\d+|no Python)/);
  });

  it('install: Python runtimes report the host interpreter; provided needs nothing; bad input is refused', async () => {
    const py = await cli(['install', 'python3.12']);
    assert.match(py.out, /^python3\.12: python 3\.\d+\.\d+/m);
    const provided = await cli(['install', 'provided.al2023']);
    assert.equal(provided.code, 0);
    assert.match(provided.out, /nothing to install/);
    const unknown = await cli(['install', 'nodejs99.x']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /unknown runtime 'nodejs99\.x'/);
    assert.equal((await cli(['install'])).code, 2);
    assert.equal((await cli(['frobnicate'])).code, 2);
  });
});
