// The arithmetic of Cognito's Secure Remote Password sign-in (SRP-6a), computed exactly as Cognito's clients
// (amazon-cognito-identity-js AuthenticationHelper, Amplify, pycognito) compute it, so their proofs verify:
// the 3072-bit group of RFC 5054 with g = 2 and SHA-256; numbers are hashed as "padHex" strings (even length,
// a leading 00 when the high bit is set — not padded to the length of N); x = H(salt || H(poolName || userId ||
// ':' || password)); the session key is HKDF(ikm = S, salt = u, info 'Caldera Derived Key') cut to 16 bytes.
// Passwords are stored as scrypt hashes, so the salt and verifier v = g^x are kept beside them when a password
// is set (srpMaterial).
import { createHash, createHmac, randomBytes } from 'node:crypto';

// RFC 5054 appendix A, 3072-bit group (the same prime as RFC 3526's MODP group 15)
const N_HEX =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
  'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
  '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
  '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
  'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';
export const N = BigInt(`0x${N_HEX}`);
export const G = 2n;

export interface SrpMaterial {
  /** padHex of the salt, as sent in SALT */
  salt: string;
  /** hex of g^x mod N */
  verifier: string;
}

/** A positive number as Cognito's clients hex-encode it before hashing. */
export function padHex(n: bigint): string {
  let h = n.toString(16);
  if (h.length % 2 === 1) h = `0${h}`;
  else if ('89abcdef'.includes(h[0]!)) h = `00${h}`;
  return h;
}

export const fromHex = (hex: string): bigint => BigInt(`0x${hex}`);
const hexHash = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');
const textHash = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** k = H(N || g) */
export const K = fromHex(hexHash(padHex(N) + padHex(G)));

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = ((base % mod) + mod) % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** The part of a pool id after the underscore, which Cognito mixes into x and the claim signature. */
export const poolNameOf = (poolId: string) => poolId.split('_')[1] ?? poolId;

function privateX(poolId: string, userId: string, password: string, salt: string): bigint {
  return fromHex(hexHash(padHex(fromHex(salt)) + textHash(`${poolNameOf(poolId)}${userId}:${password}`)));
}

/** The salt and verifier kept when a password is set; userId is what InitiateAuth answers as USER_ID_FOR_SRP. */
export function srpMaterial(poolId: string, userId: string, password: string): SrpMaterial {
  const salt = padHex(fromHex(randomBytes(16).toString('hex')) || 1n);
  return { salt, verifier: modPow(G, privateX(poolId, userId, password, salt), N).toString(16) };
}

/** The server's ephemeral pair: b random, B = k·v + g^b (mod N). */
export function serverEphemeral(verifier: bigint): { b: bigint; B: bigint } {
  for (;;) {
    const b = fromHex(randomBytes(32).toString('hex'));
    const B = (K * verifier + modPow(G, b, N)) % N;
    if (b > 0n && B !== 0n) return { b, B };
  }
}

/** u = H(A || B) */
export const scramble = (A: bigint, B: bigint) => fromHex(hexHash(padHex(A) + padHex(B)));

/** The 16-byte key both sides derive: S = (A·v^u)^b on the server. */
export function serverKey(A: bigint, B: bigint, b: bigint, verifier: bigint): Buffer {
  const u = scramble(A, B);
  const S = modPow(A * modPow(verifier, u, N), b, N);
  return deriveKey(S, u);
}

export function deriveKey(S: bigint, u: bigint): Buffer {
  const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex')).update(Buffer.from(padHex(S), 'hex')).digest();
  const info = Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]);
  return createHmac('sha256', prk).update(info).digest().subarray(0, 16);
}

/** PASSWORD_CLAIM_SIGNATURE: base64 HMAC-SHA256(key, poolName || userId || secretBlock bytes || timestamp). */
export function claimSignature(key: Buffer, poolId: string, userId: string, secretBlock: string, timestamp: string): string {
  return createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(poolNameOf(poolId), 'utf8'), Buffer.from(userId, 'utf8'), Buffer.from(secretBlock, 'base64'), Buffer.from(timestamp, 'utf8')]))
    .digest('base64');
}
