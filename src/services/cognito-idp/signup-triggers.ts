// The sign-up triggers. PreSignUp (SignUp, AdminCreateUser) sees the attributes and validation data before the
// user exists and may auto-confirm the user and mark the email or phone number verified; it can reject the
// sign-up by failing. PostConfirmation (ConfirmSignUp, AdminConfirmSignUp, ConfirmForgotPassword) sees the
// confirmed user; as in AWS the confirmation stands even when it fails (the caller gets the error).
import type { AttributeType } from '../../generated/cognito-idp.js';
import type { RequestContext } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { PoolRecord, UserRecord } from './store.js';
import { eventAttributes, runTrigger, triggerArn } from './triggers.js';

export interface PreSignUpVerdict {
  autoConfirmUser?: boolean;
  autoVerifyEmail?: boolean;
  autoVerifyPhone?: boolean;
}

const mapOf = (list: AttributeType[] | undefined) => (list ? Object.fromEntries(list.map((a) => [a.Name, a.Value ?? ''])) : null);

/** Runs the PreSignUp trigger for a user about to be created; undefined when the pool has none. */
export async function preSignUp(
  ctx: RequestContext,
  scope: Scope,
  pool: PoolRecord,
  source: 'PreSignUp_SignUp' | 'PreSignUp_AdminCreateUser',
  id: { username: string; attributes: AttributeType[] },
  validationData: AttributeType[] | undefined,
  clientMetadata: Record<string, string> | undefined,
  clientId?: string,
): Promise<PreSignUpVerdict | undefined> {
  if (!triggerArn(pool, 'PreSignUp')) return undefined;
  // the user has no sub yet as far as the function is concerned
  const attrs = eventAttributes({ Attributes: id.attributes.filter((a) => a.Name !== 'sub') });
  const request: Record<string, unknown> = { userAttributes: attrs, validationData: mapOf(validationData) };
  if (clientMetadata) request.clientMetadata = clientMetadata;
  const r = await runTrigger(ctx, scope, pool, 'PreSignUp', {
    triggerSource: source,
    userName: id.username,
    clientId,
    request,
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  });
  return r && { autoConfirmUser: r.autoConfirmUser === true, autoVerifyEmail: r.autoVerifyEmail === true, autoVerifyPhone: r.autoVerifyPhone === true };
}

/** The verified flags a PreSignUp answer set, on attributes the user has. */
export function applyPreSignUp(u: UserRecord, v: PreSignUpVerdict | undefined): void {
  if (!v) return;
  const set = (name: string) => {
    u.Attributes = [...u.Attributes.filter((a) => a.Name !== name), { Name: name, Value: 'true' }];
  };
  if (v.autoVerifyEmail && u.Attributes.some((a) => a.Name === 'email' && a.Value)) set('email_verified');
  if (v.autoVerifyPhone && u.Attributes.some((a) => a.Name === 'phone_number' && a.Value)) set('phone_number_verified');
}

/** Runs the PostConfirmation trigger for a user just confirmed (its answer carries nothing). */
export async function postConfirmation(
  ctx: RequestContext,
  scope: Scope,
  pool: PoolRecord,
  source: 'PostConfirmation_ConfirmSignUp' | 'PostConfirmation_ConfirmForgotPassword',
  u: UserRecord,
  clientId: string | undefined,
  clientMetadata: Record<string, string> | undefined,
): Promise<void> {
  if (!triggerArn(pool, 'PostConfirmation')) return;
  const request: Record<string, unknown> = { userAttributes: eventAttributes(u, u.UserStatus) };
  if (clientMetadata) request.clientMetadata = clientMetadata;
  await runTrigger(ctx, scope, pool, 'PostConfirmation', { triggerSource: source, userName: u.Username, clientId, request });
}
