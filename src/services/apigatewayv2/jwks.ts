// The signing keys of a JWT issuer, fetched over HTTP as API Gateway does: the issuer's OpenID discovery
// document names the jwks_uri ({issuer}/.well-known/jwks.json when there is none). Keys are kept for an hour;
// an unknown kid fetches them again (at most once a minute).
import { createPublicKey, type KeyObject } from 'node:crypto';

interface Jwk {
  kid?: string;
  kty: string;
  alg?: string;
  use?: string;
  n?: string;
  e?: string;
}

interface Entry {
  keys: Map<string, KeyObject>;
  fetchedAt: number;
}

const cache = new Map<string, Entry>();
const KEEP_MS = 3600_000;
const REFRESH_MS = 60_000;

async function getJson(url: string): Promise<unknown> {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), 5000);
  try {
    const res = await fetch(url, { signal: ctl.signal, headers: { accept: 'application/json' } });
    if (!res.ok) return undefined;
    return await res.json();
  } catch {
    return undefined;
  } finally {
    clearTimeout(t);
  }
}

async function fetchKeys(issuer: string): Promise<Map<string, KeyObject>> {
  const base = issuer.replace(/\/$/, '');
  const discovery = (await getJson(`${base}/.well-known/openid-configuration`)) as { jwks_uri?: string } | undefined;
  const jwksUri = typeof discovery?.jwks_uri === 'string' ? discovery.jwks_uri : `${base}/.well-known/jwks.json`;
  const doc = (await getJson(jwksUri)) as { keys?: Jwk[] } | undefined;
  const keys = new Map<string, KeyObject>();
  for (const k of doc?.keys ?? []) {
    if (k.kty !== 'RSA' || !k.n || !k.e || (k.use && k.use !== 'sig')) continue;
    try {
      keys.set(k.kid ?? '', createPublicKey({ key: { kty: 'RSA', n: k.n, e: k.e }, format: 'jwk' }));
    } catch {
      /* a key we cannot read is skipped */
    }
  }
  return keys;
}

/** The issuer's key for `kid`, or undefined when the issuer does not publish it. `now` is wall time for cache aging. */
export async function signingKey(issuer: string, kid: string | undefined): Promise<KeyObject | undefined> {
  const now = Date.now();
  let e = cache.get(issuer);
  const stale = !e || now - e.fetchedAt > KEEP_MS;
  const missing = e && !e.keys.has(kid ?? '') && now - e.fetchedAt > REFRESH_MS;
  if (stale || missing) {
    e = { keys: await fetchKeys(issuer), fetchedAt: now };
    cache.set(issuer, e);
  }
  return e!.keys.get(kid ?? '') ?? (kid === undefined && e!.keys.size === 1 ? [...e!.keys.values()][0] : undefined);
}
