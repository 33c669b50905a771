// Passwords: the pool's password policy (AWS's defaults: at least 8 characters with upper case, lower case,
// numbers and symbols) checked with AWS's messages, scrypt hashes, and generated temporary passwords.
import { randomBytes, randomInt, scryptSync, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../../protocol/errors.js';
import type { PoolRecord } from './store.js';

export const DEFAULT_POLICY: PoolRecord['PasswordPolicy'] = {
  MinimumLength: 8,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
};

// the special characters Cognito counts as symbols
const SYMBOLS = new Set('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ');

const invalid = (why: string) => new AwsError('InvalidPasswordException', `Password did not conform with policy: ${why}`);

export function checkPassword(policy: PoolRecord['PasswordPolicy'], password: string): void {
  if (password.length < policy.MinimumLength) throw invalid('Password not long enough');
  if (policy.RequireNumbers && !/[0-9]/.test(password)) throw invalid('Password must have numeric characters');
  if (policy.RequireLowercase && !/[a-z]/.test(password)) throw invalid('Password must have lowercase characters');
  if (policy.RequireUppercase && !/[A-Z]/.test(password)) throw invalid('Password must have uppercase characters');
  if (policy.RequireSymbols && ![...password].some((c) => SYMBOLS.has(c))) throw invalid('Password must have symbol characters');
}

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('hex')}:${scryptSync(password, salt, 32).toString('hex')}`;
}

export function passwordMatches(stored: string | undefined, password: string): boolean {
  if (!stored) return false;
  const [salt, hash] = stored.split(':');
  const got = scryptSync(password, Buffer.from(salt!, 'hex'), 32);
  return timingSafeEqual(got, Buffer.from(hash!, 'hex'));
}

/** A temporary password that satisfies the policy (AdminCreateUser without TemporaryPassword). */
export function generatePassword(policy: PoolRecord['PasswordPolicy']): string {
  const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '^$*.!@#%&-_=+'];
  const pick = (s: string) => s[randomInt(s.length)]!;
  const chars = sets.map(pick);
  const all = sets.join('');
  while (chars.length < Math.max(policy.MinimumLength, 12)) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
