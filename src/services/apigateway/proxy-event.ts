// The Lambda proxy integration's event, payload format 1.0, exactly as API Gateway sends it.
import { isBinary } from './binary.js';
import { header, requestContext, type ApiRequest } from './request.js';

function decodePath(p: string): string {
  try {
    return decodeURI(p);
  } catch {
    return p;
  }
}

export function proxyEvent(req: ApiRequest): Record<string, unknown> {
  // the headers API Gateway adds on the way to the integration, replacing the client's of the same name
  const forwardedFor = header(req, 'x-forwarded-for');
  const added: [string, string | undefined][] = [
    ['X-Amzn-Trace-Id', req.traceId],
    ['X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${req.sourceIp}` : req.sourceIp],
    ['X-Forwarded-Port', req.port ? String(req.port) : undefined],
    ['X-Forwarded-Proto', 'http'],
  ];
  const replaced = new Set<string>();
  for (const [k, v] of added) if (v !== undefined) replaced.add(k.toLowerCase());
  // the client's headers in its case (the last value of each, and every value) in one pass: deleting the
  // replaced ones afterwards would turn both objects into slow dictionaries
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (replaced.has(name.toLowerCase())) continue;
    const value = raw[i + 1]!;
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  for (const [k, v] of added) {
    if (v === undefined) continue;
    single[k] = v;
    multi[k] = [v];
  }
  const qs: Record<string, string> = {};
  const mqs: Record<string, string[]> = {};
  for (const [k, v] of req.query) {
    qs[k] = v;
    (mqs[k] ??= []).push(v);
  }
  const hasQuery = Object.keys(qs).length > 0;
  const binary = isBinary(req.def.binaryMediaTypes, header(req, 'content-type'));
  const pathParameters = req.route?.pathParameters ?? {};
  return {
    resource: req.route?.resource.path,
    path: decodePath(req.path),
    httpMethod: req.httpMethod,
    headers: Object.keys(single).length ? single : null,
    multiValueHeaders: Object.keys(multi).length ? multi : null,
    queryStringParameters: hasQuery ? qs : null,
    multiValueQueryStringParameters: hasQuery ? mqs : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: Object.keys(req.stage.variables).length ? req.stage.variables : null,
    requestContext: requestContext(req),
    body: req.body.length ? (binary ? req.body.toString('base64') : req.body.toString('utf8')) : null,
    isBase64Encoded: binary && req.body.length > 0,
  };
}
