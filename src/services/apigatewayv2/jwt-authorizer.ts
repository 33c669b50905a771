// JWT authorizers: the token from the identity source (optionally "Bearer "-prefixed) must be an RS256/384/512
// JWT signed by a key of the issuer's JWKS, with the configured iss, an aud (or, without aud, a client_id) among
// the audiences, exp in the future and nbf/iat in the past (virtual clock). A route's authorization scopes
// need one of them in scope/scp. Failures are 401 Unauthorized; missing scopes 403 Forbidden.
import { verify } from 'node:crypto';
import { signingKey } from './jwks.js';
import { forbidden, headerOf, unauthorized, type HttpApiRequest } from './request.js';
import type { AuthorizerRecord } from './store.js';

const ALGS: Record<string, string> = { RS256: 'RSA-SHA256', RS384: 'RSA-SHA384', RS512: 'RSA-SHA512' };

function invalid(description: string) {
  return unauthorized({ 'www-authenticate': `Bearer scope="" error="invalid_token" error_description="${description}"` });
}

function b64json(part: string): Record<string, unknown> {
  const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
  return v as Record<string, unknown>;
}

/** Claims as API Gateway passes them on: strings (arrays as "[a b]"). */
function claimStrings(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    out[k] = typeof v === 'string' ? v : Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Cognito user pool issuers (https://cognito-idp.REGION.amazonaws.com/POOL) publish their keys on Cumulus's own
 * port, at /POOL/.well-known/jwks.json; any other issuer is fetched where it says it is. */
function keySource(req: HttpApiRequest, issuer: string): string {
  const m = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/(.+)$/.exec(issuer);
  if (!m) return issuer;
  const host = req.runtime.config.host;
  const local = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${local}:${req.runtime.config.port}/${m[1]}`;
}

/** The value of an identity source ($request.header.X, $request.querystring.x, $context.x, $stageVariables.x). */
export function identityValue(req: HttpApiRequest, source: string): string | undefined {
  if (source.startsWith('$request.header.')) return headerOf(req, source.slice(16));
  if (source.startsWith('$request.querystring.')) {
    const v = req.query.getAll(source.slice(21));
    return v.length ? v.join(',') : undefined;
  }
  if (source.startsWith('$stageVariables.')) return req.stage.StageVariables[source.slice(16)];
  if (source === '$context.routeKey') return req.match?.route.RouteKey;
  if (source === '$context.httpMethod') return req.method;
  if (source === '$context.identity.sourceIp') return req.sourceIp;
  return undefined;
}

export async function authorizeJwt(req: HttpApiRequest, a: AuthorizerRecord, scopes: string[] | undefined): Promise<void> {
  const raw = identityValue(req, a.IdentitySource[0]!);
  if (!raw) throw unauthorized();
  const token = raw.replace(/^Bearer\s+/i, '').trim();
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid('the token is malformed');
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = b64json(parts[0]!);
    claims = b64json(parts[1]!);
  } catch {
    throw invalid('the token is malformed');
  }
  const alg = ALGS[String(header.alg)];
  if (!alg) throw invalid(`signing method ${String(header.alg)} is invalid`);
  const issuer = a.JwtConfiguration!.Issuer!;
  const key = await signingKey(keySource(req, issuer), typeof header.kid === 'string' ? header.kid : undefined);
  if (!key) throw invalid('unable to find a signing key that matches the token');
  const ok = verify(alg, Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'));
  if (!ok) throw invalid('signature is invalid');
  if (claims.iss !== issuer) throw invalid(`the token has an invalid issuer`);
  const audiences = a.JwtConfiguration!.Audience ?? [];
  const aud = claims.aud === undefined ? undefined : Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud)];
  const presented = aud ?? (claims.client_id !== undefined ? [String(claims.client_id)] : []);
  if (!presented.some((x) => audiences.includes(x))) throw invalid(aud ? 'the token has an invalid audience' : 'the token has an invalid client_id');
  const now = req.runtime.clock.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw invalid('the token has expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now) throw invalid('the token is not valid yet');
  if (typeof claims.iat === 'number' && claims.iat > now + 1) throw invalid('the token was issued in the future');
  const tokenScopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : Array.isArray(claims.scp) ? claims.scp.map(String) : typeof claims.scp === 'string' ? claims.scp.split(' ') : [];
  if (scopes?.length && !scopes.some((s) => tokenScopes.includes(s))) throw forbidden();
  req.authorizer = { jwt: { claims: claimStrings(claims), scopes: tokenScopes.length ? tokenScopes : undefined } };
}
