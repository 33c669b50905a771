// Cumulus's Node.js runtime for the nodejsNN.x Lambda runtimes: the program an execution environment runs.
// It speaks the Lambda Runtime API (2018-06-01) at AWS_LAMBDA_RUNTIME_API as AWS's runtime interface client
// does: load _HANDLER from LAMBDA_TASK_ROOT, then loop on invocation/next → handler → response | error.
// Only Node built-ins; runs on Node 18–24. Behaviour (error shapes, log lines, callback and event-loop
// semantics, init errors) follows aws-lambda-nodejs-runtime-interface-client.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { runtimeError, toRapidResponse } from './errors.mjs';
import { logError, patchConsole, setRequestId } from './log-patch.mjs';
import { RuntimeApiClient } from './runtime-api-client.mjs';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const EXEC_ENV = process.env.AWS_EXECUTION_ENV ?? '';
const RUNTIME_MAJOR = Number(/nodejs(\d+)/.exec(EXEC_ENV)?.[1] ?? NODE_MAJOR);
// Node 24's runtime dropped callback handlers and the legacy context methods, and awaits sync handlers.
const MODERN = RUNTIME_MAJOR >= 24;
const API = process.env.AWS_LAMBDA_RUNTIME_API ?? '';
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
const HANDLER = process.env._HANDLER ?? '';

// ---- the Runtime API client ------------------------------------------------------------------------------
const [apiHost, apiPort] = API.split(':');
// Cumulus serves the same API on a Unix socket to its own runtimes; the handler never sees the variable
const API_SOCKET = process.env._CUMULUS_RUNTIME_API_SOCKET;
delete process.env._CUMULUS_RUNTIME_API_SOCKET;
const client = new RuntimeApiClient(API, API_SOCKET);
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

function call(method, p) {
  return client.request(method, p);
}

function post(p, bodyString, extraHeaders = '') {
  return client.request('POST', p, bodyString, 'Content-Type: application/json\r\n' + extraHeaders);
}

function errorTypeHeader(type) {
  return typeof type === 'string' && /^[\x21-\x7e]{1,200}$/.test(type) ? `${ERROR_TYPE_HEADER}: ${type}\r\n` : '';
}

function serialize(result) {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch {
    throw MODERN ? runtimeError('JSONStringifyError', 'Unable to stringify response body') : new Error('Unable to stringify response body');
  }
}

const invocationPath = (id, what) => `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/${what}`;
const NEXT_PATH = '/2018-06-01/runtime/invocation/next';

/** invocation/next, already asked for together with the last answer */
let nextAsked;

/** Posts an invocation's answer and asks for the next event in the same write (HTTP/1.1 pipelining): the
 *  Runtime API answers both together when that event is there, so a warm invoke is one round trip. */
function postAnswer(p, bodyString, extraHeaders = '') {
  if (nextAsked) return post(p, bodyString, extraHeaders);
  const [posted, next] = client.pipeline([
    { method: 'POST', path: p, body: bodyString, extraHeaders: 'Content-Type: application/json\r\n' + extraHeaders },
    { method: 'GET', path: NEXT_PATH },
  ]);
  next.catch(() => {}); // a failure is seen where the next event is awaited
  nextAsked = next;
  return posted;
}

function postResponse(id, result) {
  return postAnswer(invocationPath(id, 'response'), serialize(result));
}

function postError(id, error) {
  const body = toRapidResponse(error);
  return postAnswer(invocationPath(id, 'error'), JSON.stringify(body), errorTypeHeader(body.errorType));
}

/** The answer of an invocation whose process is about to exit: nothing more to ask for. */
function postLastError(id, error) {
  const body = toRapidResponse(error);
  return post(invocationPath(id, 'error'), JSON.stringify(body), errorTypeHeader(body.errorType));
}

function postInitError(error) {
  const body = toRapidResponse(error);
  return post('/2018-06-01/runtime/init/error', JSON.stringify(body), errorTypeHeader(body.errorType));
}

function fatal(err) {
  // The Runtime API is gone (the environment is being torn down) or answered nonsense: nothing to report to.
  process.stderr.write(`Cumulus Node.js runtime: ${err?.message ?? err}\n`);
  process.exit(1);
}

// ---- loading the handler -----------------------------------------------------------------------------
const taskRequire = createRequire(path.join(TASK_ROOT, '__cumulus_lambda__.js'));

function typeModuleFolder(folder) {
  // The nearest package.json decides whether .js is an ES module; a node_modules boundary or / ends the search.
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith('/node_modules')) return false;
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8'))?.type === 'module';
      } catch (e) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
        return false;
      }
    }
    if (dir === '/' || path.dirname(dir) === dir) return false;
  }
}

const tryRequire = (file) => (fs.existsSync(file) ? taskRequire(file) : undefined);
// ES modules load through esm-node-path.mjs, which lets them import from NODE_PATH as on AWS.
const tryImport = async (file) => (fs.existsSync(file) ? (await import('./esm-node-path.mjs')).importEsm(file) : undefined);

async function loadModule(moduleRoot, moduleName) {
  const file = path.resolve(TASK_ROOT, moduleRoot, moduleName);
  const extensionless = tryRequire(file);
  if (extensionless) return extensionless;
  const esm = typeModuleFolder(path.dirname(file));
  if (!esm) {
    const cjs = tryRequire(`${file}.js`);
    if (cjs) return cjs;
  }
  const ts = RUNTIME_MAJOR >= 24 && NODE_MAJOR >= 24; // Node 24 strips TypeScript types natively
  const loaded =
    (esm && (await tryImport(`${file}.js`))) ||
    (await tryImport(`${file}.mjs`)) ||
    tryRequire(`${file}.cjs`) ||
    (ts && !esm && tryRequire(`${file}.ts`)) ||
    (ts && esm && (await tryImport(`${file}.ts`))) ||
    (ts && (await tryImport(`${file}.mts`))) ||
    (ts && tryRequire(`${file}.cts`));
  if (loaded) return loaded;
  // Last, Node's own resolution (a package name in node_modules or NODE_PATH), as AWS's runtime does.
  return taskRequire(taskRequire.resolve(moduleName, { paths: [TASK_ROOT, moduleRoot] }));
}

async function loadHandler(full) {
  if (full.includes('..')) {
    throw runtimeError('MalformedHandlerName', `'${full}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const base = path.basename(full);
  const moduleRoot = full.substring(0, full.indexOf(base));
  const m = /^([^.]*)\.(.*)$/.exec(base);
  if (!m) throw runtimeError('MalformedHandlerName', 'Bad handler');
  const [, moduleName, handlerPath] = m;
  let app;
  try {
    app = await loadModule(moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw runtimeError('UserCodeSyntaxError', String(e), e.stack);
    if (e?.code === 'MODULE_NOT_FOUND') throw runtimeError('ImportModuleError', String(e));
    throw e;
  }
  const fn = handlerPath.split('.').reduce((o, k) => o && o[k], app);
  if (!fn) throw runtimeError('HandlerNotFound', `${full} is undefined or not exported`);
  if (typeof fn !== 'function') throw runtimeError('HandlerNotFound', `${full} is not a function`);
  return fn;
}

// ---- streaming (awslambda.streamifyResponse) -------------------------------------------------------
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
// The prelude a function URL reads from a streamed response: JSON, then 8 NUL bytes, then the body.
class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType('application/vnd.awslambda.http-integration-response');
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(JSON.stringify(prelude));
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}
let streaming; // ./streaming.mjs, loaded only for a streaming handler
globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[HANDLER_STREAMING] = 'response';
    if (typeof options?.highWaterMark === 'number') handler[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark);
    return handler;
  },
  HttpResponseStream,
};

// ---- the invoke loop ---------------------------------------------------------------------------------------
let beforeExit = () => {};
let onUncaught = (err) => postInitError(err).finally(() => process.exit(129));
let onRejection = (err) => postInitError(err).finally(() => process.exit(128));

process.on('uncaughtException', (error) => {
  logError('Uncaught Exception', error);
  onUncaught(error);
});
process.on('unhandledRejection', (reason) => {
  const error = runtimeError('UnhandledPromiseRejection', String(reason));
  error.reason = reason;
  logError('Unhandled Promise Rejection', error);
  onRejection(error);
});
process.on('beforeExit', () => beforeExit());

const NODEJS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

function environmentData() {
  const env = process.env;
  return {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
  };
}

function parseJsonHeader(value, name) {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

function headerData(h) {
  const deadline = Number(h['lambda-runtime-deadline-ms']);
  return {
    clientContext: parseJsonHeader(h['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJsonHeader(h['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
    awsRequestId: h['lambda-runtime-aws-request-id'],
    tenantId: h['lambda-runtime-aws-tenant-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

/** callback, the legacy context methods, and the flag that says whether a callback waits for an empty loop. */
function callbackContext(id, scheduleNext) {
  let completed = false;
  let finished = false;
  let waitForEmptyEventLoop = true;
  const fail = (err) => {
    logError('Invoke Error', err);
    postError(id, err).then(scheduleNext, fatal);
  };
  const complete = (result) => {
    if (completed) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    completed = true;
    const body = serialize(result);
    postAnswer(invocationPath(id, 'response'), body).then(scheduleNext, fatal);
  };
  const once = (fn) =>
    function (...args) {
      if (finished) return;
      fn(...args);
      finished = true; // after: a result that cannot be serialized lets fail() report it
    };
  const callback = (err, result) => {
    beforeExit = () => {};
    if (err !== undefined && err !== null) fail(err);
    else if (!waitForEmptyEventLoop) complete(result);
    else beforeExit = () => setImmediate(() => complete(result));
  };
  const done = (err, result) => {
    beforeExit = () => {};
    if (err !== undefined && err !== null) fail(err);
    else complete(result);
  };
  const ctx = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(v) {
      waitForEmptyEventLoop = v;
    },
    succeed: once((result) => done(null, result)),
    fail: once((err) => (err === undefined || err === null ? done('handled') : done(err, null))),
    done: once(done),
  };
  return { callback: once(callback), ctx, markCompleted: () => (completed = true) };
}

async function main() {
  if (!API) {
    process.stderr.write('Cumulus Node.js runtime: AWS_LAMBDA_RUNTIME_API is not set\n');
    process.exit(1);
  }
  patchConsole();
  if (TASK_ROOT && process.cwd() !== TASK_ROOT) {
    try {
      process.chdir(TASK_ROOT); // AWS runs functions from /var/task
    } catch {}
  }

  let handler;
  let isStreaming = false;
  try {
    handler = await loadHandler(HANDLER);
    const mode = handler[HANDLER_STREAMING];
    if (mode && mode !== 'response') throw runtimeError('MalformedStreamingHandler', 'Only response streaming is supported.');
    isStreaming = mode === 'response';
    if (isStreaming) streaming = await import('./streaming.mjs');
    if (MODERN && !isStreaming && handler.length >= 3) {
      throw runtimeError(
        'CallbackHandlerDeprecated',
        'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
      );
    }
  } catch (err) {
    logError('Uncaught Exception', err);
    await postInitError(err).catch(() => {});
    process.exit(129);
  }
  const isAsync = handler.constructor?.name === 'AsyncFunction';

  const scheduleNext = () => setImmediate(() => once().catch((err) => {
    console.log(`Unexpected Top Level Error: ${err}`);
    onUncaught(err);
  }));

  async function once() {
    let next;
    const asked = nextAsked;
    nextAsked = undefined;
    try {
      next = await (asked ?? call('GET', NEXT_PATH));
    } catch (err) {
      fatal(err);
    }
    if (next.status !== 200) fatal(new Error(`invocation/next answered ${next.status}: ${next.body}`));
    const h = next.headers;
    const id = h['lambda-runtime-aws-request-id'];
    setRequestId(id);
    if (h['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
    else delete process.env._X_AMZN_TRACE_ID;

    onUncaught = (err) => postLastError(id, err).finally(() => process.exit(129));
    onRejection = (err) => postLastError(id, err).finally(() => process.exit(128));

    if (isStreaming) {
      return streaming.invokeStreaming({ handler, id, event: next.body, context: () => Object.assign({}, environmentData(), headerData(h)), call: { host: apiHost, port: Number(apiPort) || 80 }, path: invocationPath(id, 'response'), highWaterMark: handler[HANDLER_HIGHWATERMARK], postError, logError, scheduleNext, setBeforeExit: (fn) => (beforeExit = fn) });
    }

    if (MODERN) {
      beforeExit = () => {
        beforeExit = () => {};
        const e = runtimeError('NodeJsExit', NODEJS_EXIT_MESSAGE);
        logError('Invoke Error', e);
        postError(id, e).then(scheduleNext, fatal);
      };
      let result;
      try {
        const context = Object.assign(environmentData(), headerData(h));
        result = await handler(JSON.parse(next.body), context);
      } catch (err) {
        beforeExit = () => {};
        logError('Invoke Error', err);
        return postError(id, err).then(scheduleNext, fatal);
      }
      beforeExit = () => {};
      let body;
      try {
        body = serialize(result);
      } catch (err) {
        logError('Invoke Error', err);
        return postError(id, err).then(scheduleNext, fatal);
      }
      return postAnswer(invocationPath(id, 'response'), body).then(scheduleNext, fatal);
    }

    const { callback, ctx, markCompleted } = callbackContext(id, scheduleNext);
    // Neither callback nor promise: when the loop empties, an async handler failed to settle; a sync one is done.
    beforeExit = () => {
      beforeExit = () => {};
      markCompleted();
      if (isAsync) {
        const e = runtimeError('NodeJsExit', NODEJS_EXIT_MESSAGE);
        logError('Invoke Error', e);
        postError(id, e).then(scheduleNext, fatal);
      } else {
        postResponse(id, null).then(scheduleNext, fatal);
      }
    };
    try {
      const context = Object.assign(ctx, environmentData(), headerData(h));
      const result = handler(JSON.parse(next.body), context, callback);
      if (result && typeof result.then === 'function') {
        result.then(ctx.succeed, ctx.fail).catch(ctx.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  scheduleNext();
}

await main();
