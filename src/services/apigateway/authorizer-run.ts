// Lambda authorizers at request time. TOKEN: the identity source header (checked against the identity
// validation expression) as authorizationToken; REQUEST: the request itself, every identity source required.
// The returned IAM policy is evaluated against the method ARN (explicit Deny wins, then Allow); results are
// cached per identity for authorizerResultTtlInSeconds. COGNITO_USER_POOLS: tokens of the user pools service.
import type { Authorizer } from '../../generated/apigateway.js';
import { cachedPolicy, cachePolicy, type CachedPolicy } from './authorizer-cache.js';
import { lambdaArnOf } from './integrations.js';
import { GatewayError } from './gateway-errors.js';
import { callLambda } from './lambda-call.js';
import { requestSource } from './mapping.js';
import { proxyEvent } from './proxy-event.js';
import { executeApiArn, header, type ApiRequest } from './request.js';
import { verifyToken } from '../cognito-idp/index.js';

const unauthorized = () => new GatewayError('UNAUTHORIZED', 'Unauthorized');
const configError = () => new GatewayError('AUTHORIZER_CONFIGURATION_ERROR', 'Internal server error', 500);
const failure = () => new GatewayError('AUTHORIZER_FAILURE', 'Internal server error', 500);

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(value);
}

function normalize(policy: unknown): CachedPolicy['statements'] | undefined {
  if (!policy || typeof policy !== 'object') return undefined;
  const st = (policy as { Statement?: unknown }).Statement;
  const list = Array.isArray(st) ? st : st && typeof st === 'object' ? [st] : undefined;
  if (!list) return undefined;
  const out: CachedPolicy['statements'] = [];
  for (const s of list as Record<string, unknown>[]) {
    const effect = s.Effect;
    if (effect !== 'Allow' && effect !== 'Deny') return undefined;
    const arr = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
    out.push({ effect, actions: arr(s.Action), resources: arr(s.Resource) });
  }
  return out;
}

/** Allow, explicit deny, or no statement that applies (an implicit deny). */
function evaluate(statements: CachedPolicy['statements'], methodArn: string): 'allow' | 'deny' | 'none' {
  let allowed = false;
  for (const s of statements) {
    const action = s.actions.some((a) => wildcard(a.toLowerCase(), 'execute-api:invoke'));
    const resource = s.resources.some((r) => wildcard(r, methodArn));
    if (!action || !resource) continue;
    if (s.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** exp and iat as API Gateway passes them in claims: "Mon Nov 30 12:00:00 UTC 2026". */
function claimDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/**
 * COGNITO_USER_POOLS: the identity source header carries a token of one of the authorizer's user pools. Methods
 * without authorization scopes take an ID token; methods with scopes take an access token whose scope has one
 * of them. Any failure is 401 Unauthorized; the claims reach the integration as $context.authorizer.claims.
 */
function authorizeCognito(req: ApiRequest, a: Authorizer): void {
  const name = (a.identitySource || 'method.request.header.Authorization').replace(/^method\.request\.header\./, '');
  const raw = header(req, name);
  if (!raw) throw unauthorized();
  const token = raw.replace(/^Bearer\s+/i, '').trim();
  const v = verifyToken(req.runtime, a.providerARNs ?? [], token);
  if (!v.ok) throw unauthorized();
  const scopes = req.route?.method.authorizationScopes;
  if (scopes?.length) {
    const granted = typeof v.claims.scope === 'string' ? v.claims.scope.split(' ') : [];
    if (v.claims.token_use !== 'access' || !scopes.some((s) => granted.includes(s))) throw unauthorized();
  } else if (v.claims.token_use !== 'id') {
    throw unauthorized();
  }
  // every claim a string, as REST APIs pass them: dates as text, lists (cognito:groups) comma-separated
  const claims: Record<string, string> = {};
  for (const [k, val] of Object.entries(v.claims)) {
    claims[k] =
      (k === 'exp' || k === 'iat') && typeof val === 'number' ? claimDate(val) : typeof val === 'string' ? val : Array.isArray(val) ? val.join(',') : JSON.stringify(val);
  }
  req.authorizer = { claims };
}

/** Runs the method's authorizer; sets req.authorizer or throws the gateway error AWS answers. */
export async function authorize(req: ApiRequest, a: Authorizer): Promise<void> {
  if (a.type === 'COGNITO_USER_POOLS') return authorizeCognito(req, a);
  const methodArn = executeApiArn(req, req.httpMethod, req.path);
  let identity: string;
  let event: Record<string, unknown>;
  if (a.type === 'TOKEN') {
    const name = (a.identitySource ?? '').replace(/^method\.request\.header\./, '');
    const token = header(req, name);
    if (!token) throw unauthorized();
    if (a.identityValidationExpression) {
      let ok = false;
      try {
        ok = new RegExp(`^(?:${a.identityValidationExpression})$`).test(token);
      } catch {
        ok = false;
      }
      if (!ok) throw unauthorized();
    }
    identity = token;
    event = { type: 'TOKEN', methodArn, authorizationToken: token };
  } else {
    const sources = (a.identitySource ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const values: string[] = [];
    for (const s of sources) {
      const v = requestSource(req, s);
      if (v === undefined || v === '') throw unauthorized();
      values.push(v);
    }
    identity = values.join('\u0000');
    const e = proxyEvent(req);
    event = { type: 'REQUEST', methodArn, ...e };
  }
  const ttl = a.authorizerResultTtlInSeconds ?? 300;
  // REQUEST authorizers without identity sources cannot be cached: AWS requires sources when caching is on
  const cacheable = ttl > 0 && (a.type === 'TOKEN' || identity !== '');
  const cacheKey = `${req.apiId}/${req.stage.stageName}/${a.id}/${identity}`;
  const now = req.runtime.clock.now();
  let result = cacheable ? cachedPolicy(req.runtime.store, cacheKey, now) : undefined;
  if (!result) {
    const fn = lambdaArnOf(a.authorizerUri);
    if (!fn) throw configError();
    const sourceArn = `arn:aws:execute-api:${req.region}:${req.account}:${req.apiId}/authorizers/${a.id}`;
    const r = await callLambda(req, fn, JSON.stringify(event), sourceArn, { onConfigError: configError, payloadIsJson: true });
    if (r.functionError) {
      let message: unknown;
      try {
        message = (JSON.parse(r.payload) as { errorMessage?: unknown }).errorMessage;
      } catch {
        message = undefined;
      }
      if (message === 'Unauthorized') throw unauthorized();
      req.runtime.log.warn(`apigateway ${req.apiId} ${req.requestId}: authorizer ${a.id} failed: ${r.payload.slice(0, 300)}`);
      throw failure();
    }
    let out: Record<string, unknown>;
    try {
      out = JSON.parse(r.payload);
    } catch {
      throw failure();
    }
    const statements = out && typeof out === 'object' ? normalize(out.policyDocument) : undefined;
    if (!statements) {
      req.runtime.log.warn(`apigateway ${req.apiId} ${req.requestId}: authorizer ${a.id} returned no valid policyDocument`);
      throw failure();
    }
    const context: Record<string, unknown> = {};
    if (out.context && typeof out.context === 'object') {
      for (const [k, v] of Object.entries(out.context as Record<string, unknown>)) {
        // AWS takes only strings, numbers and booleans in the context
        if (v !== null && typeof v === 'object') throw failure();
        context[k] = v;
      }
    }
    result = {
      principalId: out.principalId === undefined ? undefined : String(out.principalId),
      statements,
      context,
      usageIdentifierKey: typeof out.usageIdentifierKey === 'string' ? out.usageIdentifierKey : undefined,
      expires: now + ttl * 1000,
    };
    if (cacheable) cachePolicy(req.runtime.store, cacheKey, result);
  }
  const verdict = evaluate(result.statements, methodArn);
  if (verdict === 'deny') throw new GatewayError('ACCESS_DENIED', 'User is not authorized to access this resource with an explicit deny');
  if (verdict === 'none') throw new GatewayError('ACCESS_DENIED', 'User is not authorized to access this resource');
  req.authorizer = { principalId: result.principalId, ...result.context, integrationLatency: 0 };
  req.usageIdentifierKey = result.usageIdentifierKey;
}
