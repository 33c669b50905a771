// The pool's tokens: RS256 JWTs signed with the pool's own key (kid in the header), issuer
// https://cognito-idp.REGION.amazonaws.com/POOL exactly as AWS writes it, and the JWKS that publishes the key.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import type { PoolRecord } from './store.js';

export function newSigningKey(): PoolRecord['key'] {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return { kid: randomBytes(32).toString('base64'), privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), n: jwk.n, e: jwk.e };
}

export function issuerOf(poolId: string): string {
  const region = poolId.slice(0, poolId.indexOf('_'));
  return `https://cognito-idp.${region}.amazonaws.com/${poolId}`;
}

/** The pool id in a Cognito issuer, or undefined. */
export function poolIdOfIssuer(iss: unknown): string | undefined {
  if (typeof iss !== 'string') return undefined;
  return /^https:\/\/cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/(\1_[0-9A-Za-z]+)$/.exec(iss)?.[2];
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function signJwt(key: PoolRecord['key'], claims: Record<string, unknown>): string {
  const head = `${b64({ kid: key.kid, alg: 'RS256' })}.${b64(claims)}`;
  const sig = sign('RSA-SHA256', Buffer.from(head), createPrivateKey(key.privatePem));
  return `${head}.${sig.toString('base64url')}`;
}

export interface Decoded {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** The header and claims of a compact JWT, or undefined when it is not one. */
export function decodeJwt(token: string): Decoded | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object' || Array.isArray(claims)) return undefined;
    return { header: header as Record<string, unknown>, claims: claims as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** True when `token` carries a valid RS256 signature of the pool's key. */
export function signatureValid(key: PoolRecord['key'], token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const d = decodeJwt(token);
  if (!d || d.header.alg !== 'RS256' || d.header.kid !== key.kid) return false;
  const pub = createPublicKey({ key: { kty: 'RSA', n: key.n, e: key.e }, format: 'jwk' });
  return verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), pub, Buffer.from(parts[2]!, 'base64url'));
}

export function jwks(pool: PoolRecord): { keys: Record<string, string>[] } {
  return { keys: [{ alg: 'RS256', e: pool.key.e, kid: pool.key.kid, kty: 'RSA', n: pool.key.n, use: 'sig' }] };
}

/** The discovery document; jwks_uri names where this Cumulus serves the keys (`base` = http://host:port), so
 * verifiers that follow it (API Gateway's JWT authorizers, OIDC libraries) stay on this machine. */
export function openIdConfiguration(pool: PoolRecord, base: string): Record<string, unknown> {
  return {
    issuer: issuerOf(pool.Id),
    jwks_uri: `${base}/${pool.Id}/.well-known/jwks.json`,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'token'],
    scopes_supported: ['openid', 'email', 'phone', 'profile'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    claims_supported: ['aud', 'auth_time', 'cognito:username', 'email', 'email_verified', 'exp', 'iat', 'iss', 'sub', 'token_use'],
  };
}

export const newJti = () => randomUUID();
export const newRefreshToken = () => randomBytes(300).toString('base64url');
