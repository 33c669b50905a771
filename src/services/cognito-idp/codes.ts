// The one-time codes Cognito would send by mail or SMS: password reset (ForgotPassword, AdminResetUserPassword),
// attribute verification (GetUserAttributeVerificationCode, an auto-verified email changed by
// UpdateUserAttributes) and re-sent sign-up codes. Cumulus sends nothing: every code is logged and served at
// GET /_aws/cognito/codes/{poolId}/{username}[?purpose=...] (well-known.ts), like SignUp's code.
// A SignUp code lives on the user record (confirmationCode, checked by ConfirmSignUp); the others live here, one
// per user and purpose (a new one replaces the old), with the user's sub so a user recreated under the same
// name cannot use an earlier user's code, and with their expiry on the virtual clock (AWS: a password-reset
// code lasts 1 hour, sign-up and attribute codes 24 hours).
import { randomInt } from 'node:crypto';
import type { CodeDeliveryDetailsType } from '../../generated/cognito-idp.js';
import { AwsError } from '../../protocol/errors.js';
import type { RequestContext } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';
import { attr, type PoolRecord, type UserRecord } from './store.js';

export type CodePurpose = 'signup' | 'forgot_password' | 'email' | 'phone_number';
export const PURPOSES: CodePurpose[] = ['signup', 'forgot_password', 'email', 'phone_number'];

export interface CodeRecord {
  poolId: string;
  username: string;
  sub: string;
  purpose: CodePurpose;
  code: string;
  /** the attribute value the code proves (attribute purposes): a code for an earlier value proves nothing */
  value?: string;
  issued: number;
  expires: number;
}

const HOUR = 3_600_000;
const LIFETIME: Record<CodePurpose, number> = { signup: 24 * HOUR, forgot_password: HOUR, email: 24 * HOUR, phone_number: 24 * HOUR };

const codes = (s: Store) => s.table<CodeRecord>('cognito-idp', 'code');
const keyOf = (poolId: string, username: string, purpose: CodePurpose) => `${poolId}/${username}/${purpose}`;

export const newCode = () => String(randomInt(1_000_000)).padStart(6, '0');

export const codeMismatch = () => new AwsError('CodeMismatchException', 'Invalid verification code provided, please try again.');
export const expiredCode = () => new AwsError('ExpiredCodeException', 'Invalid code provided, please request a code again.');

/** Issues (and logs) a fresh code of `purpose` for the user, replacing any earlier one. */
export function issueCode(ctx: RequestContext, scope: Scope, u: UserRecord, purpose: CodePurpose, value?: string): string {
  const code = newCode();
  const now = ctx.clock.now();
  codes(ctx.store).put(scope, keyOf(u.poolId, u.Username, purpose), { poolId: u.poolId, username: u.Username, sub: u.sub, purpose, code, value, issued: now, expires: now + LIFETIME[purpose] });
  ctx.log.info(`cognito-idp ${u.poolId}: ${purpose} code of ${u.Username}: ${code} (also at /_aws/cognito/codes/${u.poolId}/${u.Username}?purpose=${purpose})`);
  return code;
}

/**
 * Checks `given` against the user's pending code of `purpose` and consumes it. No code, another user's code, a
 * code for an earlier attribute value or a wrong code → CodeMismatchException; an expired one → ExpiredCodeException.
 */
export function useCode(ctx: RequestContext, scope: Scope, u: UserRecord, purpose: CodePurpose, given: string, value?: string): void {
  const key = keyOf(u.poolId, u.Username, purpose);
  const r = codes(ctx.store).get(scope, key);
  if (!r || r.sub !== u.sub || r.value !== value || r.code !== given) throw codeMismatch();
  if (r.expires <= ctx.clock.now()) throw expiredCode();
  codes(ctx.store).delete(scope, key);
}

/** Forgets a pending code (a sign-up confirmed another way, a reset completed). */
export function dropCode(store: Store, scope: Scope, u: UserRecord, purpose: CodePurpose): void {
  codes(store).delete(scope, keyOf(u.poolId, u.Username, purpose));
}

export interface PendingCode {
  purpose: CodePurpose;
  code: string;
  issued: number;
  expires?: number;
}

/**
 * The user's pending code of `purpose`, or without one the most recently issued of all (what the code endpoint
 * serves). A sign-up code is the user's confirmationCode, issued at sign-up or by the latest resend.
 */
export function pendingCode(store: Store, scope: Scope, u: UserRecord, purpose?: CodePurpose): PendingCode | undefined {
  const found: PendingCode[] = [];
  for (const p of purpose ? [purpose] : PURPOSES) {
    const r = codes(store).get(scope, keyOf(u.poolId, u.Username, p));
    const mine = r && r.sub === u.sub ? r : undefined;
    if (p === 'signup') {
      if (!u.confirmationCode) continue;
      const resent = mine?.code === u.confirmationCode ? mine : undefined;
      found.push({ purpose: p, code: u.confirmationCode, issued: resent?.issued ?? u.UserCreateDate, expires: resent?.expires });
    } else if (mine) {
      found.push({ purpose: p, code: mine.code, issued: mine.issued, expires: mine.expires });
    }
  }
  return found.sort((a, b) => b.issued - a.issued)[0];
}

/** AWS's masked destinations: "j***@e***" for an email, "+*******1234" for a phone number. */
export function maskEmail(email: string): string {
  return `${email[0]}***@${email.split('@')[1]?.[0] ?? ''}***`;
}
export function maskPhone(phone: string): string {
  return `+${'*'.repeat(Math.max(phone.length - 5, 0))}${phone.slice(-4)}`;
}

export function delivery(attribute: 'email' | 'phone_number', value: string): CodeDeliveryDetailsType {
  return attribute === 'email'
    ? { Destination: maskEmail(value), DeliveryMedium: 'EMAIL', AttributeName: 'email' }
    : { Destination: maskPhone(value), DeliveryMedium: 'SMS', AttributeName: 'phone_number' };
}

/**
 * Where a password-reset code goes: a verified email or phone number, in the order of the pool's
 * AccountRecoverySetting (without one, AWS's legacy order: phone number, then email).
 */
export function recoveryDestination(pool: PoolRecord, u: UserRecord): { attribute: 'email' | 'phone_number'; value: string } | undefined {
  const mechanisms = pool.config.AccountRecoverySetting?.RecoveryMechanisms;
  const order: ('email' | 'phone_number')[] = mechanisms?.length
    ? [...mechanisms].sort((a, b) => a.Priority - b.Priority).flatMap((m) => (m.Name === 'verified_email' ? ['email' as const] : m.Name === 'verified_phone_number' ? ['phone_number' as const] : []))
    : ['phone_number', 'email'];
  for (const a of order) {
    const value = attr(u, a);
    if (value && attr(u, `${a}_verified`) === 'true') return { attribute: a, value };
  }
  return undefined;
}
