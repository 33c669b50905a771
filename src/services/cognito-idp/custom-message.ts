// The CustomMessage trigger: when Cognito would send a code (sign-up, resend, password reset, attribute
// verification) the function may write the email subject and body and the SMS text, with the placeholders
// {####} for the code (and {username}). Cumulus sends no message: the rendered text is kept beside the code and
// served with it by the code endpoint (GET /_aws/cognito/codes/…, well-known.ts) as `message`.
// The code is issued (and the request's writes made) before the function runs: as in AWS, a failing function
// fails the request (UserLambdaValidationException) but what was done stands.
import type { RequestContext } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';
import type { CodePurpose } from './codes.js';
import type { PoolRecord, UserRecord } from './store.js';
import { eventAttributes, runTrigger, triggerArn, unrecognizable } from './triggers.js';

export type MessageSource = 'CustomMessage_SignUp' | 'CustomMessage_ResendCode' | 'CustomMessage_ForgotPassword' | 'CustomMessage_VerifyUserAttribute' | 'CustomMessage_UpdateUserAttribute';

export interface RenderedMessage {
  emailSubject?: string;
  emailMessage?: string;
  smsMessage?: string;
}

interface MessageRecord extends RenderedMessage {
  poolId: string;
  username: string;
  purpose: CodePurpose;
  /** the code the message carries: a message for an earlier code is not served with a newer one */
  code: string;
  triggerSource: MessageSource;
}

const messages = (s: Store) => s.table<MessageRecord>('cognito-idp', 'message');
const keyOf = (poolId: string, username: string, purpose: CodePurpose) => `${poolId}/${username}/${purpose}`;

/** Runs the pool's CustomMessage trigger for a code just issued and keeps the message it wrote. */
export async function customMessage(
  ctx: RequestContext,
  scope: Scope,
  pool: PoolRecord,
  u: UserRecord,
  source: MessageSource,
  purpose: CodePurpose,
  code: string,
  clientId?: string,
  clientMetadata?: Record<string, string>,
): Promise<void> {
  if (!triggerArn(pool, 'CustomMessage')) return;
  const request: Record<string, unknown> = { userAttributes: eventAttributes(u, u.UserStatus), codeParameter: '{####}', linkParameter: '{##Click Here##}', usernameParameter: null };
  if (clientMetadata) request.clientMetadata = clientMetadata;
  const r = await runTrigger(ctx, scope, pool, 'CustomMessage', {
    triggerSource: source,
    userName: u.Username,
    clientId,
    request,
    response: { smsMessage: null, emailMessage: null, emailSubject: null },
  });
  if (!r) return;
  const render = (v: unknown): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw unrecognizable();
    return v.split('{####}').join(code).split('{username}').join(u.Username);
  };
  const m: RenderedMessage = { emailSubject: render(r.emailSubject), emailMessage: render(r.emailMessage), smsMessage: render(r.smsMessage) };
  ctx.store.transaction(() => messages(ctx.store).put(scope, keyOf(u.poolId, u.Username, purpose), { poolId: u.poolId, username: u.Username, purpose, code, triggerSource: source, ...m }));
  if (m.emailMessage || m.smsMessage) ctx.log.info(`cognito-idp ${u.poolId}: ${source} message for ${u.Username} (not sent by Cumulus): ${m.emailSubject ?? ''} ${m.emailMessage ?? m.smsMessage}`);
}

/** The message a CustomMessage function wrote for the user's pending `code` of `purpose`, if any. */
export function messageFor(store: Store, scope: Scope, u: UserRecord, purpose: CodePurpose, code: string): RenderedMessage | undefined {
  const r = messages(store).get(scope, keyOf(u.poolId, u.Username, purpose));
  if (!r || r.code !== code) return undefined;
  return { emailSubject: r.emailSubject, emailMessage: r.emailMessage, smsMessage: r.smsMessage };
}
