// The Lambda proxy integration's event, payload format 1.0, exactly as API Gateway sends it.
import { isBinary } from './binary.js';
import { header, headerMaps, requestContext, type ApiRequest } from './request.js';

function decodePath(p: string): string {
  try {
    return decodeURI(p);
  } catch {
    return p;
  }
}

export function proxyEvent(req: ApiRequest): Record<string, unknown> {
  const { single, multi } = headerMaps(req.rawHeaders);
  // the headers API Gateway adds on the way to the integration
  const added: Record<string, string | undefined> = {
    'X-Amzn-Trace-Id': req.traceId,
    'X-Forwarded-For': header(req, 'x-forwarded-for') ? `${header(req, 'x-forwarded-for')}, ${req.sourceIp}` : req.sourceIp,
    'X-Forwarded-Port': req.port ? String(req.port) : undefined,
    'X-Forwarded-Proto': 'http',
  };
  for (const [k, v] of Object.entries(added)) {
    if (v === undefined) continue;
    for (const existing of Object.keys(single)) if (existing.toLowerCase() === k.toLowerCase()) {
      delete single[existing];
      delete multi[existing];
    }
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
