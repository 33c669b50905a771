// Identifiers as API Gateway issues them: APIs and deployments 10 lowercase alphanumerics, routes,
// integrations and authorizers 7.
import { randomBytes } from 'node:crypto';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newId(length = 10): string {
  const bytes = randomBytes(length);
  let s = '';
  for (let i = 0; i < length; i++) s += ALNUM[bytes[i]! % 36];
  return s;
}
