// Response streaming for handlers wrapped in awslambda.streamifyResponse (InvokeWithResponseStream, function
// URLs in RESPONSE_STREAM mode): the response is POSTed chunked with Lambda-Runtime-Function-Response-Mode:
// streaming; an error after the stream started travels in the trailers Lambda-Runtime-Function-Error-Type
// and Lambda-Runtime-Function-Error-Body (base64 JSON), as the Runtime API defines.
import http from 'node:http';
import { Writable, finished } from 'node:stream';

function responseStream(opts) {
  let contentType = 'application/octet-stream';
  let req;
  let responded;
  const start = () => {
    if (req) return req;
    req = http.request({
      ...opts.call,
      method: 'POST',
      path: opts.path,
      headers: {
        'Content-Type': contentType,
        'Lambda-Runtime-Function-Response-Mode': 'streaming',
        'Transfer-Encoding': 'chunked',
        Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
      },
    });
    responded = new Promise((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
    });
    return req;
  };
  const stream = new Writable({
    highWaterMark: opts.highWaterMark,
    write(chunk, _enc, cb) {
      const r = start();
      if (stream._onBeforeFirstWrite) {
        const hook = stream._onBeforeFirstWrite;
        stream._onBeforeFirstWrite = undefined;
        hook((c) => r.write(c));
      }
      r.write(chunk, cb);
    },
    final(cb) {
      const r = start();
      if (stream._onBeforeFirstWrite) {
        const hook = stream._onBeforeFirstWrite;
        stream._onBeforeFirstWrite = undefined;
        hook((c) => r.write(c));
      }
      r.end(cb);
    },
  });
  stream.setContentType = (type) => {
    if (req) throw Object.assign(new Error('Cannot set content-type, too late.'), { name: 'Runtime.InvalidStreamingOperation' });
    contentType = type;
  };
  return {
    stream,
    started: () => !!req,
    responded: () => responded,
    failWith(body) {
      const r = start();
      r.addTrailers({
        'Lambda-Runtime-Function-Error-Type': body.errorType,
        'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(body)).toString('base64'),
      });
      r.end();
      return responded;
    },
  };
}

function rapidBody(error) {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, trace: String(error.stack ?? '').split('\n') };
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

export async function invokeStreaming(o) {
  const rs = responseStream(o);
  const fail = async (err) => {
    o.logError('Invoke Error', err);
    if (rs.started()) await rs.failWith(rapidBody(err)).catch(() => {});
    else await o.postError(o.id, err);
    o.scheduleNext();
  };
  o.setBeforeExit(() => o.scheduleNext());
  let result;
  try {
    result = o.handler(JSON.parse(o.event), rs.stream, o.context());
    if (!result || typeof result.then !== 'function') {
      return fail(new Error('Streaming does not support non-async handlers.'));
    }
    const value = await result;
    if (value !== undefined) console.warn('Streaming handlers ignore return values.');
    if (!rs.stream.writableEnded) return fail(new Error('Response stream is not finished.'));
    await new Promise((resolve, reject) => finished(rs.stream, (err) => (err ? reject(err) : resolve())));
    await rs.responded();
    o.setBeforeExit(() => {});
    o.scheduleNext();
  } catch (err) {
    o.setBeforeExit(() => {});
    return fail(err);
  }
}
