// REQUEST Lambda authorizers: the identity sources must all be present (else 401); the function gets the 2.0
// or 1.0 authorizer event and answers a simple response ({isAuthorized, context}, with EnableSimpleResponses)
// or an IAM policy evaluated against the request's execute-api ARN. Denied → 403; a failed or malformed
// answer → 500. Results are cached per stage and identity for AuthorizerResultTtlInSeconds.
import { cacheDecision, cachedDecision, type CachedDecision } from './authorizer-cache.js';
import { eventV1, eventV2 } from './events.js';
import { identityValue } from './jwt-authorizer.js';
import { callLambda } from './lambda-call.js';
import { forbidden, internalError, routeArn, unauthorized, type HttpApiRequest } from './request.js';
import type { AuthorizerRecord } from './store.js';

function authorizerEvent(req: HttpApiRequest, a: AuthorizerRecord, identity: string[]): Record<string, unknown> {
  const arn = routeArn(req);
  if (a.AuthorizerPayloadFormatVersion === '2.0') {
    const e = eventV2(req);
    delete e.body;
    delete e.isBase64Encoded;
    return { version: '2.0', type: 'REQUEST', routeArn: arn, identitySource: identity, ...e };
  }
  const e = eventV1(req);
  delete e.body;
  delete e.isBase64Encoded;
  return { version: '1.0', type: 'REQUEST', methodArn: arn, identitySource: identity.join(','), authorizationToken: identity[0], ...e };
}

/** IAM wildcards: * any run, ? one character. */
function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(value);
}

function policyAllows(policy: unknown, arn: string): boolean {
  const doc = policy as { Statement?: unknown } | undefined;
  const statements = Array.isArray(doc?.Statement) ? doc!.Statement : doc?.Statement ? [doc.Statement] : [];
  let allowed = false;
  for (const s of statements as { Effect?: string; Action?: string | string[]; Resource?: string | string[] }[]) {
    const actions = ([] as string[]).concat(s.Action ?? []);
    const resources = ([] as string[]).concat(s.Resource ?? []);
    if (!actions.some((x) => wildcard(x.toLowerCase(), 'execute-api:invoke'))) continue;
    if (!resources.some((r) => wildcard(r, arn))) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

function decide(a: AuthorizerRecord, payload: string, expires: number): CachedDecision {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    throw internalError();
  }
  if (!v || typeof v !== 'object') throw internalError();
  const r = v as { isAuthorized?: unknown; context?: unknown; principalId?: unknown; policyDocument?: unknown };
  const context = r.context && typeof r.context === 'object' ? (r.context as Record<string, unknown>) : undefined;
  if (a.EnableSimpleResponses) {
    if (typeof r.isAuthorized !== 'boolean') throw internalError();
    return { allowed: r.isAuthorized, context, expires };
  }
  if (!r.policyDocument || typeof r.policyDocument !== 'object') throw internalError();
  return { allowed: false, policy: r.policyDocument, principalId: typeof r.principalId === 'string' ? r.principalId : undefined, context, expires };
}

export async function authorizeLambda(req: HttpApiRequest, a: AuthorizerRecord): Promise<void> {
  const identity: string[] = [];
  for (const s of a.IdentitySource) {
    const v = identityValue(req, s);
    if (v === undefined || v === '') throw unauthorized();
    identity.push(v);
  }
  const ttl = a.AuthorizerResultTtlInSeconds ?? 0;
  const key = `${req.api.ApiId}/${req.stage.StageName}/${a.AuthorizerId}/${JSON.stringify(identity)}`;
  let d = ttl > 0 ? cachedDecision(req.runtime, key) : undefined;
  if (!d) {
    const payload = await callLambda(req, a.AuthorizerUri!, a.AuthorizerCredentialsArn, authorizerEvent(req, a, identity), 'authorizer');
    d = decide(a, payload, req.runtime.clock.now() + ttl * 1000);
    if (ttl > 0) cacheDecision(req.runtime, key, d);
  }
  const allowed = d.policy !== undefined ? policyAllows(d.policy, routeArn(req)) : d.allowed;
  if (!allowed) throw forbidden();
  req.authorizer = { lambda: d.context ?? {}, principalId: d.principalId };
}
