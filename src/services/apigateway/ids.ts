// Identifiers as API Gateway issues them: 10 lowercase alphanumerics (APIs, resources, deployments, keys…).
import { randomBytes } from 'node:crypto';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newId(length = 10): string {
  const bytes = randomBytes(length);
  let s = '';
  for (let i = 0; i < length; i++) s += ALNUM[bytes[i]! % 36];
  return s;
}

/** API key values: 40 characters of letters and digits. */
export function newKeyValue(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(40);
  let s = '';
  for (const b of bytes) s += chars[b % chars.length];
  return s;
}
