// The runtime catalog (src/services/lambda/runtimes.ts): supported and deprecated identifiers, the launch
// contract, layers, and custom runtimes (provided.al2/al2023) whose bootstrap speaks the Runtime API itself.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DEPRECATED_RUNTIMES,
  deprecatedRuntimeMessage,
  ensureRuntime,
  refreshRuntimes,
  interpreterFor,
  RuntimeLaunchError,
  runtimeLaunch,
  SUPPORTED_RUNTIMES,
} from '../../src/services/lambda/runtimes.js';
import { measureWarm, startRuntime, writeCode, type RuntimeProcess } from './runtime-api-fixture.js';

const started: RuntimeProcess[] = [];
after(async () => {
  await Promise.all(started.map((p) => p.stop()));
});

// The bash custom runtime of AWS's "Building a custom runtime" tutorial, as users write it.
const BASH_BOOTSTRAP = `#!/bin/bash
set -euo pipefail
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"
while true
do
  HEADERS="$(mktemp)"
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")
  curl -sS "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "$RESPONSE" > /dev/null
  rm -f "$HEADERS"
done
`;
const FUNCTION_SH = `function handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="{\\"echo\\": $EVENT_DATA, \\"runtime\\": \\"\${AWS_EXECUTION_ENV:-none}\\"}"
  echo $RESPONSE
}
`;

describe('runtime catalog', () => {
  it('lists the runtimes Cumulus runs and those AWS has deprecated', () => {
    for (const r of ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'python3.9', 'python3.13', 'provided.al2', 'provided.al2023']) {
      assert.ok(SUPPORTED_RUNTIMES.includes(r), r);
    }
    for (const r of ['nodejs12.x', 'nodejs16.x', 'python3.7', 'python2.7', 'go1.x', 'provided']) assert.ok(DEPRECATED_RUNTIMES.includes(r), r);
    assert.ok(!SUPPORTED_RUNTIMES.some((r) => DEPRECATED_RUNTIMES.includes(r)));
    assert.equal(
      deprecatedRuntimeMessage('nodejs12.x'),
      'The runtime parameter of nodejs12.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (nodejs22.x) while creating or updating functions.',
    );
    assert.throws(() => runtimeLaunch('cobol1.x', { codeDir: '/tmp', layerDirs: [] }), /Runtime cobol1\.x is not supported by Cumulus/);
    assert.throws(() => runtimeLaunch('python3.7', { codeDir: '/tmp', layerDirs: [] }), /no longer supported/);
    for (const r of SUPPORTED_RUNTIMES) {
      const words = interpreterFor(r);
      assert.ok(words.length > 0);
      console.log(`  ${r.padEnd(16)} ${words}`);
    }
  });

  it('launch contract: task root, handler, execution env, layers in /opt precedence, NODE_PATH', () => {
    const l = runtimeLaunch('nodejs20.x', { codeDir: '/code', layerDirs: ['/layers/a', '/layers/b'], handler: 'index.handler' });
    assert.equal(l.env.LAMBDA_TASK_ROOT, '/code');
    assert.equal(l.env._HANDLER, 'index.handler');
    assert.equal(l.env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs20.x');
    assert.equal(l.env.CUMULUS_LAMBDA_OPT, '/layers/b:/layers/a'); // the last layer listed wins, as in /opt
    const nodePath = l.env.NODE_PATH!.split(':');
    assert.deepEqual(nodePath.slice(0, 4), ['/layers/b/nodejs/node20/node_modules', '/layers/b/nodejs/node_modules', '/layers/a/nodejs/node20/node_modules', '/layers/a/nodejs/node_modules']);
    assert.equal(nodePath.at(-1), '/code');
    assert.ok(l.env.PATH!.split(':').at(-1) === '/layers/a/bin');
    assert.match(l.command.at(-1)!, /runtimes\/node\/bootstrap\.mjs$/);
    assert.ok(l.command.includes('--expose-gc'));
    const sized = runtimeLaunch('nodejs20.x', { codeDir: '/code', layerDirs: [], memoryMiB: 1024 });
    assert.ok(sized.command.includes('--max-old-space-size=922') && sized.command.includes('--max-semi-space-size=51'), sized.command.join(' '));
    assert.ok(fs.existsSync(l.command[0]!));
    const py = runtimeLaunch('python3.12', { codeDir: '/code', layerDirs: [], handler: 'app.handler' });
    assert.equal(py.env.AWS_EXECUTION_ENV, 'AWS_Lambda_python3.12');
    assert.match(py.command[1]!, /runtimes\/python\/bootstrap\.py$/);
  });

  it('Node layers and the bundled AWS SDK resolve from CommonJS and ES module handlers', async () => {
    const layer = writeCode({
      'nodejs/node_modules/shared-lib/package.json': '{"name":"shared-lib","main":"index.js"}',
      'nodejs/node_modules/shared-lib/index.js': 'exports.greet = (n) => "hi " + n;',
    });
    // AWS's Node runtimes include SDK v3; Cumulus offers its own copy when it has one installed
    const hasSdk = fs.existsSync(path.join(process.cwd(), 'node_modules', '@aws-sdk', 'client-sts'));
    const codeDir = writeCode({
      'index.js': `const lib = require('shared-lib');
        let sdk = 'absent';
        try { require.resolve('@aws-sdk/client-sts'); sdk = 'present'; } catch {}
        exports.handler = async (e) => ({ greeting: lib.greet(e.name), sdk });`,
      // the layer's package imported by a module the handler imports (the harder case for Node 18/20)
      'lib.mjs': "import lib from 'shared-lib';\nexport const greet = lib.greet;",
      'esm.mjs': `import { greet } from './lib.mjs';
        ${hasSdk ? "import { STSClient } from '@aws-sdk/client-sts';" : 'const STSClient = undefined;'}
        export const handler = async (e) => ({ greeting: greet(e.name), sdk: typeof STSClient });`,
    });
    const runtimes = SUPPORTED_RUNTIMES.filter((r) => r.startsWith('nodejs'));
    for (const [runtime, handler] of [...runtimes.map((r) => [r, 'esm.handler']), ['nodejs20.x', 'index.handler']] as const) {
      const p = await startRuntime(runtime, { codeDir, handler, layerDirs: [layer] });
      started.push(p);
      const out = await p.api.invoke({ name: 'ada' });
      assert.equal(out.kind, 'response', `${runtime} ${handler}: ${out.body}`);
      assert.equal(out.json.greeting, 'hi ada');
      if (hasSdk) assert.ok(['present', 'function'].includes(out.json.sdk), out.body);
    }
  });

  it('every Node.js runtime in the catalog answers (with whatever interpreter this host has for it)', async () => {
    const codeDir = writeCode({
      'cjs.js': 'exports.handler = async () => ({ node: process.version, env: process.env.AWS_EXECUTION_ENV });',
      'esm.mjs': 'export const handler = async () => ({ esm: true });',
    });
    for (const runtime of SUPPORTED_RUNTIMES.filter((r) => r.startsWith('nodejs'))) {
      const major = /nodejs(\d+)/.exec(runtime)![1];
      for (const handler of ['cjs.handler', 'esm.handler']) {
        const p = await startRuntime(runtime, { codeDir, handler });
        started.push(p);
        const out = await p.api.invoke({});
        assert.equal(out.kind, 'response', `${runtime} ${handler}: ${out.body} ${p.stderr()}`);
        if (handler === 'cjs.handler') {
          assert.equal(out.json.env, `AWS_Lambda_${runtime}`);
          if (!p.interpreter.includes('fallback')) assert.match(out.json.node, new RegExp(`^v${major}\\.`));
          console.log(`  ${runtime}: ${out.json.node} — ${p.interpreter}`);
        }
        await p.stop();
      }
    }
  });

  it('opt-in lazy install (CUMULUS_LAMBDA_INSTALL_RUNTIMES=1): a failed download falls back to the host Node, and says so', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        CUMULUS_LAMBDA_INSTALL_RUNTIMES: '1',
        CUMULUS_RUNTIMES_DIR: writeCode({}),
        npm_config_registry: 'http://127.0.0.1:9/', // nothing listens there: no download is attempted for real
        npm_config_fetch_retries: '0',
        npm_config_cache: writeCode({}),
      });
      refreshRuntimes();
      const runtime = process.versions.node.startsWith('22.') ? 'nodejs24.x' : 'nodejs22.x';
      await ensureRuntime(runtime);
      assert.match(interpreterFor(runtime), /host fallback for nodejs\d+\.x: installing Node \d+ failed/);
      const l = runtimeLaunch(runtime, { codeDir: '/code', layerDirs: [] });
      assert.equal(l.command[0], process.execPath);
      await ensureRuntime(runtime); // not retried: resolves at once
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      refreshRuntimes();
    }
  });

  it('provided.al2023 runs the bash custom runtime of the AWS tutorial', async () => {
    const codeDir = writeCode({ bootstrap: { content: BASH_BOOTSTRAP, mode: 0o755 }, 'function.sh': FUNCTION_SH });
    const p = await startRuntime('provided.al2023', { codeDir, handler: 'function.handler' });
    started.push(p);
    assert.equal(p.child.spawnargs[0], path.join(codeDir, 'bootstrap'));
    const out = await p.api.invoke({ n: 1 });
    assert.equal(out.kind, 'response', out.body);
    assert.deepEqual(out.json, { echo: { n: 1 }, runtime: 'none' }); // AWS sets no AWS_EXECUTION_ENV for provided
    assert.deepEqual((await p.api.invoke([2])).json.echo, [2]);
    console.log(`  provided.al2023 (bash + curl) ${await measureWarm(p, 50)}`);
  });

  it('provided: the bootstrap may come from a layer (/opt/bootstrap); a missing or non-executable one is Runtime.InvalidEntrypoint', async () => {
    const layer = writeCode({ bootstrap: { content: BASH_BOOTSTRAP, mode: 0o755 } });
    const codeDir = writeCode({ 'function.sh': FUNCTION_SH });
    const p = await startRuntime('provided.al2', { codeDir, handler: 'function.handler', layerDirs: [layer] });
    started.push(p);
    assert.deepEqual((await p.api.invoke('x')).json.echo, 'x');

    const empty = writeCode({ 'function.sh': FUNCTION_SH });
    assert.throws(
      () => runtimeLaunch('provided.al2023', { codeDir: empty, layerDirs: [] }),
      (e: unknown) => e instanceof RuntimeLaunchError && e.errorType === 'Runtime.InvalidEntrypoint' && e.message === "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
    );
    const notExec = writeCode({ bootstrap: { content: BASH_BOOTSTRAP, mode: 0o644 } });
    assert.throws(
      () => runtimeLaunch('provided.al2023', { codeDir: notExec, layerDirs: [] }),
      (e: unknown) => e instanceof RuntimeLaunchError && e.message === 'fork/exec /var/task/bootstrap: permission denied',
    );
  });
});
