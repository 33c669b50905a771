// The Node.js runtime (runtimes/node/bootstrap.mjs) run as a real process through runtimeLaunch against a
// real Runtime API: handler styles and module kinds, the context, error shapes, init errors, log lines.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { measureWarm, startRuntime, until, writeCode, type RuntimeProcess } from './runtime-api-fixture.js';

const RUNTIME = process.env.CUMULUS_TEST_NODE_RUNTIME ?? 'nodejs20.x';
// AWS's Node.js 24 runtime removed callback handlers and the legacy context members, and returns a sync handler's value.
const MODERN = Number(/nodejs(\d+)/.exec(RUNTIME)![1]) >= 24;
const started: RuntimeProcess[] = [];
after(async () => {
  await Promise.all(started.map((p) => p.stop()));
});

async function runDir(codeDir: string, handler: string, runtime = RUNTIME, env?: Record<string, string>) {
  const p = await startRuntime(runtime, { codeDir, handler, env });
  started.push(p);
  return p;
}

const run = (files: Parameters<typeof writeCode>[0], handler: string, runtime = RUNTIME) => runDir(writeCode(files), handler, runtime);

function codeDirOf(p: RuntimeProcess): string {
  return p.codeDir;
}

const LOG_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]+)\t(INFO|WARN|ERROR|DEBUG|TRACE|FATAL)\t(.*)$/s;

describe(`Node.js runtime (${RUNTIME})`, () => {
  it('runs a CommonJS async handler with the context AWS gives', async () => {
    const p = await run(
      {
        'index.js': `exports.handler = async (event, context) => ({
          event,
          requestId: context.awsRequestId,
          functionName: context.functionName,
          functionVersion: context.functionVersion,
          arn: context.invokedFunctionArn,
          memory: context.memoryLimitInMB,
          group: context.logGroupName,
          stream: context.logStreamName,
          remaining: context.getRemainingTimeInMillis(),
          clientContext: context.clientContext,
          identity: context.identity,
          waits: context.callbackWaitsForEmptyEventLoop,
          legacy: [typeof context.succeed, typeof context.fail, typeof context.done],
          trace: process.env._X_AMZN_TRACE_ID,
          cwd: process.cwd(),
          node: process.version,
        });`,
      },
      'index.handler',
    );
    const out = await p.api.invoke({ hello: 'world' }, { timeoutMs: 3000, clientContext: { custom: { a: 1 } }, identity: { cognitoIdentityId: 'id-1' }, traceId: 'Root=1-abc' });
    assert.equal(out.kind, 'response');
    const r = out.json;
    assert.deepEqual(r.event, { hello: 'world' });
    assert.equal(r.requestId, out.requestId);
    assert.equal(r.functionName, 'fixture');
    assert.equal(r.functionVersion, '$LATEST');
    assert.equal(r.arn, p.api.functionArn);
    assert.equal(r.memory, '128');
    assert.equal(r.group, '/aws/lambda/fixture');
    assert.match(r.stream, /^2026\/11\/30\/\[\$LATEST\]/);
    assert.ok(r.remaining > 2000 && r.remaining <= 3000, `remaining ${r.remaining}`);
    assert.deepEqual(r.clientContext, { custom: { a: 1 } });
    assert.deepEqual(r.identity, { cognitoIdentityId: 'id-1' });
    if (MODERN) {
      assert.equal(r.waits, undefined);
      assert.deepEqual(r.legacy, ['undefined', 'undefined', 'undefined']);
    } else {
      assert.equal(r.waits, true);
      assert.deepEqual(r.legacy, ['function', 'function', 'function']);
    }
    assert.equal(r.trace, 'Root=1-abc');
    assert.equal(fs.realpathSync(r.cwd), fs.realpathSync(codeDirOf(p))); // AWS runs functions from /var/task
    console.log(`  ${RUNTIME} ran on ${r.node}: ${p.interpreter}`);
  });

  it('loads ES modules: .mjs, and .js under "type": "module"', async () => {
    const p1 = await run({ 'app.mjs': 'export const handler = async (e) => ({ esm: true, n: e.n * 2 });' }, 'app.handler');
    assert.deepEqual((await p1.api.invoke({ n: 21 })).json, { esm: true, n: 42 });
    const p2 = await run(
      { 'package.json': '{"type":"module"}', 'index.js': 'import { sep } from "node:path";\nexport async function handler() { return { sep, meta: typeof import.meta.url }; }' },
      'index.handler',
    );
    assert.deepEqual((await p2.api.invoke({})).json, { sep: '/', meta: 'string' });
    const p3 = await run({ 'legacy.cjs': 'module.exports.handler = async () => "cjs";' }, 'legacy.handler');
    assert.equal((await p3.api.invoke({})).json, 'cjs');
  });

  it('resolves nested paths and nested exports; undefined becomes null', async () => {
    const p = await run(
      {
        'src/handlers/app.js': 'exports.api = { v1: { main: async (e) => ({ nested: true, e }) } };\nexports.nothing = async () => undefined;',
      },
      'src/handlers/app.api.v1.main',
    );
    assert.deepEqual((await p.api.invoke([1, 2])).json, { nested: true, e: [1, 2] });
    const q = await run({ 'src/handlers/app.js': 'exports.nothing = async () => undefined;' }, 'src/handlers/app.nothing');
    const out = await q.api.invoke({});
    assert.equal(out.kind, 'response');
    assert.equal(out.body, 'null');
  });

  it('callback handlers: the result waits for the event loop to empty unless told not to', async () => {
    if (MODERN) {
      const p = await run({ 'index.js': 'exports.handler = (event, context, callback) => callback(null, 1);' }, 'index.handler');
      const init = await p.api.waitInitError();
      assert.equal(init.body.errorType, 'Runtime.CallbackHandlerDeprecated');
      assert.match(init.body.errorMessage, /removed support for callback-based function handlers starting with Node\.js 24/);
      return;
    }
    const p = await run(
      {
        'index.js': `let fired = 0;
          exports.handler = (event, context, callback) => {
            const firedAtStart = fired;
            context.callbackWaitsForEmptyEventLoop = event.wait;
            if (event.timer) setTimeout(() => fired++, 300);
            callback(null, { firedAtStart });
          };`,
      },
      'index.handler',
    );
    assert.deepEqual((await p.api.invoke({ wait: true, timer: true })).json, { firedAtStart: 0 });
    // the response above was only posted once the timer had run
    assert.deepEqual((await p.api.invoke({ wait: false, timer: true })).json, { firedAtStart: 1 });
    // posted at once: the second timer is still pending when the next invocation starts
    assert.deepEqual((await p.api.invoke({ wait: true, timer: false })).json, { firedAtStart: 1 });
    // the timer left behind still runs in the warm environment
    const later = await until(async () => {
      const n = (await p.api.invoke({ wait: true, timer: false })).json.firedAtStart;
      return n === 2 ? n : undefined;
    }, 'the left-behind timer');
    assert.equal(later, 2);
  });

  it('callback errors, context.succeed/fail/done, and a sync handler that neither returns a promise nor calls back', async () => {
    const dir = writeCode({
      'index.js': `exports.cb = (e, c, cb) => cb(new RangeError('out of range'));
        exports.succeed = (e, c) => c.succeed({ via: 'succeed' });
        exports.fail = (e, c) => c.fail(new Error('via fail'));
        exports.done = (e, c) => c.done(null, 'via done');
        exports.sync = () => 42; // AWS's Node runtimes (<24) answer null: the value of a sync handler is ignored`,
    });
    const expected: Array<[string, 'response' | 'error', string]> = MODERN
      ? [['sync', 'response', '42']]
      : [
          ['cb', 'error', 'RangeError'],
          ['succeed', 'response', '{"via":"succeed"}'],
          ['fail', 'error', 'Error'],
          ['done', 'response', '"via done"'],
          ['sync', 'response', 'null'],
        ];
    await Promise.all(
      expected.map(async ([name, kind, what]) => {
        const p = await runDir(dir, `index.${name}`);
        const out = await p.api.invoke({});
        assert.equal(out.kind, kind, name);
        if (kind === 'error') assert.equal(out.json.errorType, what, name);
        else assert.equal(out.body, what, name);
      }),
    );
  });

  it('reports a thrown error as AWS does: errorType is the name, trace the stack lines; then serves on', async () => {
    const p = await run(
      {
        'index.js': `exports.handler = async (event) => {
          if (event.kind === 'type') null.x;
          if (event.kind === 'custom') { const e = new Error('custom failure'); e.name = 'MyError'; throw e; }
          if (event.kind === 'string') throw 'just a string';
          if (event.kind === 'object') throw { code: 42 };
          return 'fine';
        };`,
      },
      'index.handler',
    );
    const type = await p.api.invoke({ kind: 'type' });
    assert.equal(type.kind, 'error');
    assert.equal(type.json.errorType, 'TypeError');
    assert.match(type.json.errorMessage, /Cannot read propert/);
    assert.ok(Array.isArray(type.json.trace));
    assert.match(type.json.trace[0], /^TypeError: Cannot read propert/);
    assert.ok(type.json.trace.some((l: string) => l.includes('index.js')), 'the trace names the user file');
    assert.equal(type.headers['lambda-runtime-function-error-type'], 'TypeError');
    // logged as AWS's runtime logs it
    const logged = await until(() => p.lines.find((l) => l.includes('\tERROR\tInvoke Error \t')), 'the Invoke Error line');
    const payload = JSON.parse(logged.split('\tInvoke Error \t')[1]!);
    assert.equal(payload.errorType, 'TypeError');
    assert.ok(Array.isArray(payload.stack));

    const custom = await p.api.invoke({ kind: 'custom' });
    assert.deepEqual([custom.json.errorType, custom.json.errorMessage], ['MyError', 'custom failure']);
    const str = await p.api.invoke({ kind: 'string' });
    assert.deepEqual(str.json, { errorType: 'string', errorMessage: 'just a string', trace: [] });
    const obj = await p.api.invoke({ kind: 'object' });
    assert.deepEqual(obj.json, { errorType: 'object', errorMessage: '[object Object]', trace: [] });
    assert.equal((await p.api.invoke({ kind: 'ok' })).json, 'fine');
  });

  it('init errors: missing module, missing handler, syntax error, posted to init/error, then exit', async () => {
    const cases: Array<[Parameters<typeof writeCode>[0], string, string, RegExp]> = [
      [{ 'index.js': 'exports.handler = async () => 1;' }, 'missing.handler', 'Runtime.ImportModuleError', /^Error: Cannot find module 'missing'/],
      [{ 'index.js': 'exports.handler = async () => 1;' }, 'index.nope', 'Runtime.HandlerNotFound', /^index\.nope is undefined or not exported$/],
      [{ 'index.js': 'exports.handler = 42;' }, 'index.handler', 'Runtime.HandlerNotFound', /^index\.handler is not a function$/],
      [{ 'index.js': 'exports.handler = async () => {;' }, 'index.handler', 'Runtime.UserCodeSyntaxError', /^SyntaxError: /],
      [{ 'index.js': 'throw new Error("init failed");' }, 'index.handler', 'Error', /^init failed$/],
      [{ 'index.js': '' }, 'noDot', 'Runtime.MalformedHandlerName', /^Bad handler$/],
    ];
    await Promise.all(
      cases.map(async ([files, handler, type, message]) => {
        const p = await run(files, handler);
        const init = await p.api.waitInitError();
        assert.equal(init.body.errorType, type, handler);
        assert.match(init.body.errorMessage, message, handler);
        assert.ok(Array.isArray(init.body.trace));
        assert.equal(init.headers['lambda-runtime-function-error-type'], type);
        const exit = await p.exited;
        assert.equal(exit.code, 129, handler);
        assert.ok(p.lines.some((l) => /\tundefined\tERROR\tUncaught Exception \t\{/.test(l)), `logged: ${p.lines.join('\n')}`);
      }),
    );
  });

  it('console.* lines are TIMESTAMP, request id, level, message; one line per record', async () => {
    const p = await run(
      {
        'index.js': `console.log('at init');
          exports.handler = async () => {
            console.log('hello %d', 42, { a: 1 });
            console.info('info');
            console.warn('careful');
            console.error('bad', new Error('e1'));
            console.debug('debugging');
            console.log('two\\nlines');
            return 'ok';
          };`,
      },
      'index.handler',
    );
    const out = await p.api.invoke({});
    await until(() => p.lines.some((l) => l.endsWith('two\rlines')), 'the last log line');
    const mine = p.lines.filter((l) => l.includes(`\t${out.requestId}\t`)).map((l) => LOG_LINE.exec(l));
    assert.ok(mine.every(Boolean), p.lines.join('\n'));
    const byMessage = mine.map((m) => [m![3], m![4]]);
    assert.deepEqual(byMessage[0], ['INFO', 'hello 42 { a: 1 }']);
    assert.deepEqual(byMessage[1], ['INFO', 'info']);
    assert.deepEqual(byMessage[2], ['WARN', 'careful']);
    assert.equal(byMessage[3]![0], 'ERROR');
    assert.match(byMessage[3]![1]!, /^bad Error: e1\r {4}at /);
    assert.deepEqual(byMessage[4], ['DEBUG', 'debugging']);
    assert.deepEqual(byMessage[5], ['INFO', 'two\rlines']);
    assert.ok(p.lines.some((l) => /^\S+Z\tundefined\tINFO\tat init$/.test(l)), 'init-phase lines carry "undefined"');
    const ts = Date.parse(mine[0]![1]!);
    assert.ok(Math.abs(ts - Date.now()) < 60_000);
  });

  it('an unhandled rejection during an invocation fails it and ends the process', async () => {
    const p = await run(
      { 'index.js': `exports.handler = async () => { Promise.reject(new Error('nobody catches me')); await new Promise((r) => setTimeout(r, 1000)); return 'late'; };` },
      'index.handler',
    );
    const out = await p.api.invoke({});
    assert.equal(out.kind, 'error');
    assert.equal(out.json.errorType, 'Runtime.UnhandledPromiseRejection');
    assert.equal(out.json.errorMessage, 'Error: nobody catches me');
    assert.equal((await p.exited).code, 128);
  });

  it('an uncaught exception in a callback of the handler fails the invocation and ends the process', async () => {
    const p = await run({ 'index.js': `exports.handler = () => { setTimeout(() => { throw new SyntaxError('later'); }, 5); return new Promise(() => {}); };` }, 'index.handler');
    const out = await p.api.invoke({});
    assert.equal(out.kind, 'error');
    assert.deepEqual([out.json.errorType, out.json.errorMessage], ['SyntaxError', 'later']);
    assert.equal((await p.exited).code, 129);
  });

  it('an async handler whose promise never settles gets Runtime.NodeJsExit when the loop empties', async () => {
    const p = await run({ 'index.js': 'exports.handler = async () => new Promise(() => {});' }, 'index.handler');
    const out = await p.api.invoke({});
    assert.equal(out.json.errorType, 'Runtime.NodeJsExit');
    assert.equal((await p.api.invoke({})).json.errorType, 'Runtime.NodeJsExit'); // and it serves on
  });

  it('JSON log format and the log level', async () => {
    const dir = writeCode({ 'index.js': 'exports.handler = async () => { console.debug("hidden"); console.warn("shown", 1); return 1; };' });
    const p = await runDir(dir, 'index.handler', RUNTIME, { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' });
    const out = await p.api.invoke({});
    // the output pipe and the Runtime API socket are separate channels: the line may land just after the response
    await until(() => p.lines.some((l) => l.startsWith('{')), 'the JSON log line');
    const recs = p.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    assert.equal(recs.length, 1, p.lines.join('\n'));
    assert.equal(recs[0].level, 'WARN');
    assert.equal(recs[0].message, 'shown 1');
    assert.equal(recs[0].requestId, out.requestId);
  });

  it('response streaming: awslambda.streamifyResponse, HttpResponseStream, errors in trailers', async () => {
    const p = await run(
      {
        'index.mjs': `import { pipeline } from 'node:stream/promises';
          import { Readable } from 'node:stream';
          export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
            if (event.mode === 'http') {
              const s = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'x-a': 'b' } });
              s.write('hello ');
              s.end('http');
              return;
            }
            if (event.mode === 'fail') {
              responseStream.write('partial');
              throw new TypeError('broke mid-stream');
            }
            responseStream.setContentType('text/plain');
            await pipeline(Readable.from(['a', 'b', 'c', context.awsRequestId.slice(0, 4)]), responseStream);
          });`,
      },
      'index.handler',
    );
    const plain = await p.api.invoke({ mode: 'plain' });
    assert.equal(plain.kind, 'response');
    assert.equal(plain.headers['lambda-runtime-function-response-mode'], 'streaming');
    assert.equal(plain.headers['content-type'], 'text/plain');
    assert.equal(plain.body, `abc${plain.requestId.slice(0, 4)}`);
    const httpOut = await p.api.invoke({ mode: 'http' });
    assert.equal(httpOut.headers['content-type'], 'application/vnd.awslambda.http-integration-response');
    const [prelude, rest] = httpOut.body.split('\u0000'.repeat(8));
    assert.deepEqual(JSON.parse(prelude!), { statusCode: 201, headers: { 'x-a': 'b' } });
    assert.equal(rest, 'hello http');
    const failed = await p.api.invoke({ mode: 'fail' });
    assert.equal(failed.body, 'partial');
    assert.equal(failed.trailers['lambda-runtime-function-error-type'], 'TypeError');
    const errBody = JSON.parse(Buffer.from(failed.trailers['lambda-runtime-function-error-body']!, 'base64').toString());
    assert.equal(errBody.errorMessage, 'broke mid-stream');
    assert.equal((await p.api.invoke({ mode: 'plain' })).kind, 'response'); // and it serves on
  });

  it('warm invocations: round trip through the Runtime API (printed)', async () => {
    const p = await run({ 'index.js': 'exports.handler = async (e) => e;' }, 'index.handler');
    console.log(`  ${RUNTIME} ${await measureWarm(p, 2000)} (${p.interpreter})`);
  });
});
