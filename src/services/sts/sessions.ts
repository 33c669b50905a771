// Temporary credentials issued by STS: stored durably, keyed by their access key id (ASIA…) in one fixed
// scope so that any request finds its session in one lookup, whatever the account.
import { randomBytes } from 'node:crypto';
import { AwsError } from '../../protocol/errors.js';
import { iamId, secretKey } from '../../protocol/ids.js';
import type { Caller } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';

export interface SessionRecord {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  /** epoch milliseconds on the virtual clock */
  Expiration: number;
  account: string;
  type: Caller['type'];
  arn: string;
  userId: string;
  roleArn?: string;
  sessionName?: string;
  sourceIdentity?: string;
  /** session tags (principal tags of the session) and which of them pass on through role chaining */
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  /** inline session policy and managed session policy ARNs that limit the session */
  sessionPolicy?: string;
  policyArns: string[];
  /** the credentials came from a role session (role chaining caps them at one hour) */
  chained?: boolean;
}

export const SESSION_SCOPE: Scope = { account: '*', region: '' };

export const sessions = (store: Store) => store.table<SessionRecord>('sts', 'session');

export interface IssueRequest extends Omit<SessionRecord, 'AccessKeyId' | 'SecretAccessKey' | 'SessionToken' | 'Expiration'> {
  durationSeconds: number;
}

/** Issues credentials: an ASIA key, its secret and a session token, expiring on the virtual clock. */
export function issueSession(rt: { store: Store; clock: { now(): number } }, req: IssueRequest): SessionRecord {
  const { durationSeconds, ...rest } = req;
  const record: SessionRecord = {
    ...rest,
    AccessKeyId: iamId('ASIA', 20),
    SecretAccessKey: secretKey(),
    // the shape of AWS's tokens: base64 that starts as theirs do
    SessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(300).toString('base64')}`,
    Expiration: rt.clock.now() + durationSeconds * 1000,
  };
  sessions(rt.store).put(SESSION_SCOPE, record.AccessKeyId, record);
  return record;
}

export function credentialsOf(s: SessionRecord) {
  return { AccessKeyId: s.AccessKeyId, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken, Expiration: new Date(s.Expiration) };
}

/** A session by its access key id (expired ones included: callers check `Expiration`). */
export function sessionByAccessKey(rt: { store: Store }, accessKeyId: string): SessionRecord | undefined {
  return sessions(rt.store).get(SESSION_SCOPE, accessKeyId);
}

/** The caller a session's credentials identify, or an AWS error when they are expired or the token is wrong. */
export function callerOfSession(s: SessionRecord, now: number, sessionToken: string | undefined): { account: string; caller: Caller } {
  if (sessionToken !== undefined && sessionToken !== s.SessionToken) {
    throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', { status: 403 });
  }
  if (now >= s.Expiration) throw new AwsError('ExpiredToken', 'The security token included in the request is expired', { status: 403 });
  return {
    account: s.account,
    caller: {
      arn: s.arn,
      userId: s.userId,
      accessKeyId: s.AccessKeyId,
      type: s.type,
      roleArn: s.roleArn,
      sessionName: s.sessionName,
      sessionToken: s.SessionToken,
    },
  };
}
