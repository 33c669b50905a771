// The Python runtime (runtimes/python/bootstrap.py) run as a real process through runtimeLaunch against a
// real Runtime API: handlers, the context, error shapes, import errors, logging lines, layers.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runtimeLaunch } from '../../src/services/lambda/runtimes.js';
import { measureWarm, startRuntime, until, writeCode, type RuntimeProcess } from './runtime-api-fixture.js';

const RUNTIME = process.env.CUMULUS_TEST_PYTHON_RUNTIME ?? 'python3.12';
const started: RuntimeProcess[] = [];
after(async () => {
  await Promise.all(started.map((p) => p.stop()));
});

async function run(files: Parameters<typeof writeCode>[0], handler: string, o: { layerDirs?: string[]; env?: Record<string, string>; runtime?: string } = {}) {
  const p = await startRuntime(o.runtime ?? RUNTIME, { codeDir: writeCode(files), handler, layerDirs: o.layerDirs, env: o.env });
  started.push(p);
  return p;
}

describe(`Python runtime (${RUNTIME})`, () => {
  it('runs a handler with the context AWS gives', async () => {
    const p = await run(
      {
        'lambda_function.py': `import os, sys
def lambda_handler(event, context):
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "group": context.log_group_name,
        "stream": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "custom": context.client_context.custom if context.client_context else None,
        "identity_id": context.identity.cognito_identity_id,
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "cwd": os.getcwd(),
        "path0": sys.path[0],
        "version": "%d.%d" % sys.version_info[:2],
        "unicode": "h\u00e9llo",
    }
`,
      },
      'lambda_function.lambda_handler',
    );
    const out = await p.api.invoke({ a: [1, 2] }, { timeoutMs: 5000, clientContext: { custom: { k: 'v' } }, identity: { cognitoIdentityId: 'cid', cognitoIdentityPoolId: 'pool' }, traceId: 'Root=1-py' });
    assert.equal(out.kind, 'response', out.body);
    const r = out.json;
    assert.deepEqual(r.event, { a: [1, 2] });
    assert.equal(r.request_id, out.requestId);
    assert.equal(r.function_name, 'fixture');
    assert.equal(r.function_version, '$LATEST');
    assert.equal(r.arn, p.api.functionArn);
    assert.equal(r.memory, '128');
    assert.equal(r.group, '/aws/lambda/fixture');
    assert.ok(r.remaining > 3000 && r.remaining <= 5000, `remaining ${r.remaining}`);
    assert.deepEqual(r.custom, { k: 'v' });
    assert.equal(r.identity_id, 'cid');
    assert.equal(r.trace, 'Root=1-py');
    assert.equal(r.path0, p.codeDir);
    assert.equal(r.unicode, 'héllo');
    // AWS's encoder escapes non-ASCII except on python3.12
    assert.equal(out.body.includes('\\u00e9'), RUNTIME !== 'python3.12');
    console.log(`  ${RUNTIME} ran on Python ${r.version}: ${p.interpreter}`);
  });

  it('imports packages (pkg.mod.fn and dir/mod.fn) and layers from CUMULUS_LAMBDA_OPT', async () => {
    const layer = writeCode({ 'python/shared_lib.py': 'def greet(n):\n    return "hi " + n\n' });
    const p = await run(
      {
        'pkg/__init__.py': '',
        'pkg/handlers/__init__.py': '',
        'pkg/handlers/main.py': 'import shared_lib\ndef handle(event, context):\n    return shared_lib.greet(event["name"])\n',
      },
      'pkg.handlers.main.handle',
      { layerDirs: [layer] },
    );
    assert.equal((await p.api.invoke({ name: 'ada' })).json, 'hi ada');
    const q = await run({ 'src/app.py': 'def handler(e, c):\n    return None\n' }, 'src/app.handler');
    const out = await q.api.invoke({});
    assert.equal(out.kind, 'response');
    assert.equal(out.body, 'null');
  });

  it('reports exceptions as AWS does: errorMessage, errorType, requestId, stackTrace; then serves on', async () => {
    const p = await run(
      {
        'app.py': `class MyError(Exception):
    pass

def helper(kind):
    if kind == "value":
        raise ValueError("bad value")
    if kind == "custom":
        raise MyError("custom")
    if kind == "unserializable":
        return {1, 2}
    return "fine"

def handler(event, context):
    return helper(event["kind"])
`,
      },
      'app.handler',
    );
    const value = await p.api.invoke({ kind: 'value' });
    assert.equal(value.kind, 'error');
    assert.deepEqual(Object.keys(value.json), ['errorMessage', 'errorType', 'requestId', 'stackTrace']);
    assert.equal(value.json.errorMessage, 'bad value');
    assert.equal(value.json.errorType, 'ValueError');
    assert.equal(value.json.requestId, value.requestId);
    assert.equal(value.json.stackTrace.length, 2, JSON.stringify(value.json.stackTrace));
    assert.match(value.json.stackTrace[0], /^ {2}File ".*app\.py", line 14, in handler\n {4}return helper\(event\["kind"\]\)\n$/);
    assert.match(value.json.stackTrace[1], /line 6, in helper\n {4}raise ValueError\("bad value"\)\n$/);
    assert.equal(value.headers['lambda-runtime-function-error-type'], 'ValueError');
    const logged = await until(() => p.lines.find((l) => l.startsWith('[ERROR] ValueError: bad value\r')), 'the logged error');
    assert.match(logged, /\rTraceback \(most recent call last\):\r\u00a0\u00a0File ".*app\.py", line 14, in handler\r\u00a0{4}return helper/);

    assert.equal((await p.api.invoke({ kind: 'custom' })).json.errorType, 'MyError');
    const marshal = await p.api.invoke({ kind: 'unserializable' });
    assert.equal(marshal.json.errorType, 'Runtime.MarshalError');
    assert.equal(marshal.json.errorMessage, 'Unable to marshal response: Object of type set is not JSON serializable');
    assert.equal((await p.api.invoke({ kind: 'ok' })).json, 'fine');
  });

  it('init errors: missing module, missing handler, syntax error, built-in module, error at import', async () => {
    const cases: Array<[Parameters<typeof writeCode>[0], string, string, string | RegExp]> = [
      [{ 'app.py': 'def handler(e, c): pass\n' }, 'nope.handler', 'Runtime.ImportModuleError', "Unable to import module 'nope': No module named 'nope'"],
      [{ 'app.py': 'def handler(e, c): pass\n' }, 'app.missing', 'Runtime.HandlerNotFound', "Handler 'missing' missing on module 'app'"],
      [{ 'app.py': 'def handler(e, c):\n    return (\n' }, 'app.handler', 'Runtime.UserCodeSyntaxError', /^Syntax error in module 'app': /],
      [{ 'app.py': '' }, 'sys.handler', 'Runtime.BuiltInModuleConflict', 'Cannot use built-in module sys as a handler module'],
      [{ 'app.py': 'raise RuntimeError("at import")\n' }, 'app.handler', 'RuntimeError', 'at import'],
      [{ 'app.py': '' }, 'nodot', 'Runtime.MalformedHandlerName', /^Bad handler 'nodot': /],
    ];
    await Promise.all(
      cases.map(async ([files, handler, type, message]) => {
        const p = await run(files, handler);
        const init = await p.api.waitInitError();
        assert.equal(init.body.errorType, type, handler);
        if (typeof message === 'string') assert.equal(init.body.errorMessage, message);
        else assert.match(init.body.errorMessage, message);
        assert.equal(init.body.requestId, '');
        assert.ok(Array.isArray(init.body.stackTrace));
        assert.equal((await p.exited).code, 1);
      }),
    );
  });

  it('logging records and print() reach stdout in AWS\'s format', async () => {
    const p = await run(
      {
        'app.py': `import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)
logger.info("at init")
def handler(event, context):
    logger.info("hello %s", "world")
    logger.warning("careful")
    logging.getLogger("child").error("two\\nlines")
    logger.debug("hidden")
    print("plain print")
    return 1
`,
      },
      'app.handler',
    );
    const out = await p.api.invoke({});
    await until(() => p.lines.includes('plain print'), 'the print line');
    const rec = (level: string, msg: string) => new RegExp(`^\\[${level}\\]\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${out.requestId}\\t${msg}$`);
    assert.ok(p.lines.some((l) => rec('INFO', 'hello world').test(l)), p.lines.join('\n'));
    assert.ok(p.lines.some((l) => rec('WARNING', 'careful').test(l)));
    assert.ok(p.lines.some((l) => rec('ERROR', 'two\rlines').test(l)));
    assert.ok(!p.lines.some((l) => l.includes('hidden')));
    assert.ok(p.lines.some((l) => /^\[INFO\]\t\S+Z\t\tat init$/.test(l)), 'init records have an empty request id');
  });

  it('every Python runtime in the catalog answers (whatever interpreter this host has for it)', async () => {
    for (const runtime of ['python3.9', 'python3.10', 'python3.11', 'python3.12', 'python3.13']) {
      const p = await run({ 'app.py': 'import sys\ndef handler(e, c):\n    return "%d.%d" % sys.version_info[:2]\n' }, 'app.handler', { runtime });
      const out = await p.api.invoke({});
      assert.equal(out.kind, 'response', `${runtime}: ${out.body} ${p.stderr()}`);
      console.log(`  ${runtime}: Python ${out.json} — ${p.interpreter}`);
      if (!p.interpreter.includes('fallback')) assert.equal(`python${out.json}`, runtime);
      await p.stop();
    }
  });

  it('boto3 is importable, as in AWS\'s Python runtimes, when this host has it', async () => {
    const p = await run(
      {
        'app.py': `def handler(e, c):
    try:
        import boto3
        return {"boto3": boto3.__version__, "client": type(boto3.client("sts", region_name="us-east-1")).__name__}
    except ImportError as err:
        return {"missing": str(err)}
`,
      },
      'app.handler',
    );
    const out = await p.api.invoke({});
    assert.equal(out.kind, 'response', out.body);
    const launch = runtimeLaunch(RUNTIME, { codeDir: p.codeDir, layerDirs: [] });
    if (launch.env.CUMULUS_LAMBDA_PYTHON_SDK) assert.equal(out.json.client, 'STS', out.body);
    console.log(`  boto3 in ${RUNTIME}: ${out.body}`);
  });

  it('warm invocations: round trip through the Runtime API (printed)', async () => {
    const p = await run({ 'app.py': 'def handler(e, c):\n    return e\n' }, 'app.handler');
    console.log(`  ${RUNTIME} ${await measureWarm(p, 1000)} (${p.interpreter})`);
  });
});
