// InvokeWithResponseStream. Its answer is an AWS event stream (binary frames: PayloadChunk … InvokeComplete),
// which the generic REST serializer does not write, so it is served as a data plane on its REST route. A
// streaming handler's chunks (the runtime POSTs its response chunked, Lambda-Runtime-Function-Response-Mode:
// streaming) are sent as PayloadChunk events as they arrive from the Runtime API; a buffered handler's answer
// is one PayloadChunk. InvokeComplete then carries the error (if any, also one raised mid-stream) and the log tail.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { crc32 } from 'node:zlib';
import { AwsError } from '../../protocol/errors.js';
import { credentialOf, identify, type WireRequest } from '../../protocol/identify.js';
import { requestId as newRequestId } from '../../protocol/ids.js';
import { parseInput } from '../../protocol/wire.js';
import type { Runtime } from '../../server/context.js';
import { HANDLED } from '../../server/http-planes.js';
import { accessKeyById } from '../iam/index.js';
import { sessionByAccessKey } from '../sts/index.js';
import { eventPayload, target, tooLarge } from './invoke-api.js';
import { executionOf, type InvocationRequest, MAX_SYNC_PAYLOAD, runInvocation } from './invoke.js';

/** An invocation whose streamed response is handed over chunk by chunk as the runtime sends it (onChunk is
 *  honoured once invoke.ts passes it to the environment: see the report of this change). */
export type StreamingRequest = InvocationRequest & { onChunk?: (chunk: Buffer) => void };

const ROUTE = /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations\/?$/;

/** One event-stream frame: prelude (lengths + CRC), string headers, payload, message CRC. */
export function eventFrame(headers: Record<string, string>, payload: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name);
    const v = Buffer.from(value);
    const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(7, 1 + n.length); // string
    h.writeUInt16BE(v.length, 2 + n.length);
    v.copy(h, 4 + n.length);
    parts.push(h);
  }
  const hdr = Buffer.concat(parts);
  const total = 12 + hdr.length + payload.length + 4;
  const msg = Buffer.alloc(total);
  msg.writeUInt32BE(total, 0);
  msg.writeUInt32BE(hdr.length, 4);
  msg.writeUInt32BE(crc32(msg.subarray(0, 8)), 8);
  hdr.copy(msg, 12);
  payload.copy(msg, 12 + hdr.length);
  msg.writeUInt32BE(crc32(msg.subarray(0, total - 4)), total - 4);
  return msg;
}

function accountOf(runtime: Runtime, req: WireRequest): string {
  const key = credentialOf(req)?.accessKeyId ?? '';
  if (key.startsWith('ASIA')) return sessionByAccessKey(runtime, key)?.account ?? runtime.config.defaultAccount;
  if (key.startsWith('AKIA')) return accessKeyById(runtime, key)?.account ?? runtime.config.defaultAccount;
  return /^\d{12}$/.test(key) ? key : runtime.config.defaultAccount;
}

function sendError(res: http.ServerResponse, err: AwsError): typeof HANDLED {
  const body = Buffer.from(JSON.stringify({ message: err.message, ...(err.fields ?? {}) }));
  res.writeHead(err.status ?? 400, {
    'content-type': 'application/json',
    'x-amzn-errortype': err.code,
    'x-amzn-requestid': newRequestId(),
    'content-length': String(body.length),
    ...(err.headers ?? {}),
  });
  res.end(body);
  return HANDLED;
}

export function registerStreamInvoke(runtime: Runtime): void {
  runtime.http.addDataPlane((req, info) => {
    if (req.method !== 'POST') return undefined;
    const m = ROUTE.exec(req.path);
    if (!m) return undefined;
    return serve(runtime, req, info.res, decodeURIComponent(m[1]!));
  });
}

async function serve(runtime: Runtime, req: WireRequest, res: http.ServerResponse, functionName: string): Promise<typeof HANDLED> {
  const h = (n: string) => {
    const v = req.headers[n];
    return Array.isArray(v) ? v[0] : v;
  };
  try {
    // the model's validation first, as for every control-plane call (this one streams, so it is served here)
    const identified = identify(req, credentialOf(req), () => true);
    if (identified.op?.name === 'InvokeWithResponseStream') parseInput(identified, req);
    const scope = { store: runtime.store, account: accountOf(runtime, req), region: credentialOf(req)?.region ?? runtime.config.defaultRegion };
    if (req.body.length > MAX_SYNC_PAYLOAD) throw tooLarge(MAX_SYNC_PAYLOAD);
    const type = h('x-amz-invocation-type') ?? 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'DryRun') {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]`,
      );
    }
    const { fn, qualifier } = target(scope, functionName, req.query.get('Qualifier') ?? undefined);
    if (type === 'DryRun') {
      res.writeHead(204, { 'x-amzn-requestid': newRequestId(), 'content-length': '0' });
      res.end();
      return HANDLED;
    }
    const payload = eventPayload(req.body);
    const requestId = randomUUID();
    let started = false;
    const begin = () => {
      if (started) return;
      started = true;
      res.writeHead(200, {
        'content-type': 'application/vnd.amazon.eventstream',
        'x-amz-executed-version': fn.Version,
        'x-amzn-requestid': requestId,
        'transfer-encoding': 'chunked',
      });
    };
    const chunkFrame = (b: Buffer) => eventFrame({ ':event-type': 'PayloadChunk', ':content-type': 'application/octet-stream', ':message-type': 'event' }, b);
    let streamed = false;
    const invocation: StreamingRequest = {
      fn,
      payload,
      qualifier,
      requestId,
      tail: h('x-amz-log-type') === 'Tail',
      onChunk: (chunk) => {
        if (!chunk.length || res.destroyed) return;
        begin();
        streamed = true;
        res.write(chunkFrame(chunk));
      },
    };
    const result = await runInvocation(executionOf(runtime), invocation);
    begin();
    // a buffered answer (or a runtime that does not stream) arrives whole
    if (!streamed && !result.functionError && result.payload.length) res.write(chunkFrame(result.payload));
    const complete: Record<string, string> = {};
    if (result.functionError) {
      complete.ErrorCode = result.errorType ?? 'Unhandled';
      try {
        const p = JSON.parse(result.payload.toString('utf8')) as { errorMessage?: string };
        complete.ErrorDetails = p.errorMessage ?? result.payload.toString('utf8');
      } catch {
        complete.ErrorDetails = result.payload.toString('utf8');
      }
    }
    if (result.logResult) complete.LogResult = result.logResult;
    res.end(eventFrame({ ':event-type': 'InvokeComplete', ':content-type': 'application/json', ':message-type': 'event' }, Buffer.from(JSON.stringify(complete))));
    return HANDLED;
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return HANDLED;
    }
    if (err instanceof AwsError) return sendError(res, err);
    runtime.log.error(`lambda: InvokeWithResponseStream: ${(err as Error)?.stack ?? String(err)}`);
    return sendError(res, new AwsError('ServiceException', 'The AWS Lambda service encountered an internal error.', { status: 500, sender: false }));
  }
}
