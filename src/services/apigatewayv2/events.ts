// The events a Lambda integration receives: payload format 2.0 (HTTP APIs' own) and 1.0 (the REST proxy shape).
import { clfTime, headerOf, type HttpApiRequest } from './request.js';

const TEXT = /^(text\/|application\/(json|xml|javascript|x-javascript|ecmascript)\b|application\/[^;]+\+(json|xml)\b)/i;

/** Bodies of text types are passed as text; anything else base64, as HTTP APIs do. */
export function bodyOf(req: HttpApiRequest): { body?: string; isBase64Encoded: boolean } {
  if (!req.body.length) return { isBase64Encoded: false };
  const ct = headerOf(req, 'content-type') ?? '';
  return TEXT.test(ct) ? { body: req.body.toString('utf8'), isBase64Encoded: false } : { body: req.body.toString('base64'), isBase64Encoded: true };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function joinedQuery(req: HttpApiRequest): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of req.query) out[k] = k in out ? `${out[k]},${v}` : v;
  return Object.keys(out).length ? out : undefined;
}

function authorizerV2(req: HttpApiRequest): Record<string, unknown> | undefined {
  const a = req.authorizer;
  if (!a) return undefined;
  if (a.jwt) return { jwt: { claims: a.jwt.claims, scopes: a.jwt.scopes ?? null } };
  if (a.lambda) return { lambda: a.lambda };
  if (a.iam) return { iam: a.iam };
  return undefined;
}

export function eventV2(req: HttpApiRequest): Record<string, unknown> {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [k, vs] of req.headers) {
    if (k === 'cookie') {
      cookies = vs.flatMap((v) => v.split(';')).map((c) => c.trim()).filter(Boolean);
      continue;
    }
    headers[k] = vs.join(',');
  }
  const routeKey = req.match!.route.RouteKey;
  const params = req.match!.pathParameters;
  const e: Record<string, unknown> = {
    version: '2.0',
    routeKey,
    rawPath: req.rawPath,
    rawQueryString: req.rawQueryString,
  };
  if (cookies?.length) e.cookies = cookies;
  e.headers = headers;
  const q = joinedQuery(req);
  if (q) e.queryStringParameters = q;
  const authorizer = authorizerV2(req);
  e.requestContext = {
    accountId: req.account,
    apiId: req.api.ApiId,
    ...(authorizer ? { authorizer } : {}),
    domainName: req.domainName,
    domainPrefix: req.domainPrefix,
    http: {
      method: req.method,
      path: decode(req.rawPath),
      protocol: 'HTTP/1.1',
      sourceIp: req.sourceIp,
      userAgent: headerOf(req, 'user-agent') ?? '',
    },
    requestId: req.requestId,
    routeKey,
    stage: req.stage.StageName,
    time: clfTime(req.timeEpoch),
    timeEpoch: req.timeEpoch,
  };
  const b = bodyOf(req);
  if (b.body !== undefined) e.body = b.body;
  if (Object.keys(params).length) e.pathParameters = params;
  e.isBase64Encoded = b.isBase64Encoded;
  if (Object.keys(req.stage.StageVariables).length) e.stageVariables = req.stage.StageVariables;
  return e;
}

function authorizerV1(req: HttpApiRequest): Record<string, unknown> | undefined {
  const a = req.authorizer;
  if (!a) return undefined;
  if (a.jwt) return { claims: a.jwt.claims, scopes: a.jwt.scopes ?? null };
  if (a.lambda) return { ...a.lambda, ...(a.principalId ? { principalId: a.principalId } : {}) };
  if (a.iam) return { iam: a.iam };
  return undefined;
}

export function eventV1(req: HttpApiRequest): Record<string, unknown> {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, vs] of req.headers) {
    headers[k] = vs.at(-1)!;
    multiValueHeaders[k] = [...vs];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of req.query) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const routeKey = req.match!.route.RouteKey;
  const resource = routeKey === '$default' ? '$default' : routeKey.slice(routeKey.indexOf(' ') + 1);
  const params = req.match!.pathParameters;
  const b = bodyOf(req);
  const path = decode(req.rawPath);
  const authorizer = authorizerV1(req);
  return {
    version: '1.0',
    resource,
    path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
    requestContext: {
      accountId: req.account,
      apiId: req.api.ApiId,
      ...(authorizer ? { authorizer } : {}),
      domainName: req.domainName,
      domainPrefix: req.domainPrefix,
      extendedRequestId: req.requestId,
      httpMethod: req.method,
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.sourceIp,
        user: null,
        userAgent: headerOf(req, 'user-agent') ?? '',
        userArn: null,
      },
      path,
      protocol: 'HTTP/1.1',
      requestId: req.requestId,
      requestTime: clfTime(req.timeEpoch),
      requestTimeEpoch: req.timeEpoch,
      resourceId: routeKey,
      resourcePath: resource,
      stage: req.stage.StageName,
    },
    pathParameters: Object.keys(params).length ? params : null,
    stageVariables: Object.keys(req.stage.StageVariables).length ? req.stage.StageVariables : null,
    body: b.body ?? null,
    isBase64Encoded: b.isBase64Encoded,
  };
}
