// The values parameter mappings of HTTP APIs refer to: $request.header.x, $request.querystring.x,
// $request.path(.x), $request.body(.a.b[0]), $context.x and $stageVariables.x — used by HTTP_PROXY integrations'
// request parameters (http-proxy.ts) and AWS service integrations' (service-integrations.ts).
import { headerOf, type HttpApiRequest } from './request.js';

/** A body path (a.b[0].c) in the parsed JSON body; undefined when absent. */
function bodyValue(req: HttpApiRequest, path: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch {
    return undefined;
  }
  for (const m of path.matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[m[1] ?? m[2]!];
  }
  return v;
}

/** One reference's value: a string, a JSON value (body references), or undefined when the request lacks it. */
export function referenceValue(req: HttpApiRequest, ref: string): unknown {
  if (ref === 'request.body') return req.body.toString('utf8');
  if (ref.startsWith('request.body')) return bodyValue(req, ref.slice('request.body'.length));
  if (ref === 'request.path') return req.path;
  const [kind, sub, ...rest] = ref.split('.');
  const name = rest.join('.');
  if (kind === 'request' && sub === 'header') return headerOf(req, name);
  if (kind === 'request' && sub === 'querystring') return req.query.has(name) ? req.query.getAll(name).join(',') : undefined;
  if (kind === 'request' && sub === 'path') return req.match?.pathParameters[name];
  if (kind === 'stageVariables') return req.stage.StageVariables[sub!];
  const v = [sub, ...rest].join('.');
  const context: Record<string, string> = {
    requestId: req.requestId,
    apiId: req.api.ApiId,
    stage: req.stage.StageName,
    accountId: req.account,
    domainName: req.domainName,
    domainPrefix: req.domainPrefix,
    httpMethod: req.method,
    path: req.rawPath,
    routeKey: req.match?.route.RouteKey ?? '',
    requestTimeEpoch: String(req.timeEpoch),
    'identity.sourceIp': req.sourceIp,
    'identity.userAgent': headerOf(req, 'user-agent') ?? '',
    'authorizer.principalId': req.authorizer?.principalId ?? '',
  };
  if (v.startsWith('authorizer.claims.')) return req.authorizer?.jwt?.claims[v.slice(18)];
  if (v.startsWith('authorizer.')) return req.authorizer?.lambda?.[v.slice(11)];
  return context[v];
}

