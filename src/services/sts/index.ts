// STS's public API for other services: the session behind a temporary key, and role credentials for
// workloads (Lambda execution roles, EC2 instance profiles, ECS task roles).
import { AwsError } from '../../protocol/errors.js';
import type { Store } from '../../state/db.js';
import { accessKeyById, userByName } from '../iam/index.js';
import { issueRoleSession, roleOfArn } from './assume-role.js';
import { type SessionRecord, credentialsOf, sessionByAccessKey as byKey } from './sessions.js';

export type { SessionRecord } from './sessions.js';
export { encodeAuthorizationMessage, type AuthorizationDetails } from './authorization-message.js';

interface StsRuntime {
  store: Store;
  clock: { now(): number; date(): Date };
}

/** The session an ASIA… key belongs to (expired sessions too: compare `Expiration` with the clock). */
export function sessionByAccessKey(rt: { store: Store }, accessKeyId: string): SessionRecord | undefined {
  return byKey(rt, accessKeyId);
}

/**
 * Credentials for a role a service runs a workload as (no trust-policy check: the service is the
 * principal). `scope` gives the region recorded as the role's last use. Throws NoSuchEntity when the
 * role does not exist.
 */
export function issueRoleCredentials(runtime: StsRuntime, scope: { region: string }, roleArn: string, sessionName: string, durationSeconds = 3600) {
  const role = roleOfArn(runtime, roleArn);
  if (!role) throw new AwsError('NoSuchEntity', `The role with name ${roleArn.slice(roleArn.lastIndexOf('/') + 1)} cannot be found.`, { status: 404 });
  const session = issueRoleSession(runtime, role, sessionName, durationSeconds, {}, scope.region || 'us-east-1');
  return {
    Credentials: credentialsOf(session),
    AssumedRoleUser: { AssumedRoleId: session.userId, Arn: session.arn },
    /** the record behind the credentials */
    session,
  };
}

/** The owner of an access key that signed a request to a data plane (API Gateway, function URLs). */
export interface KeyOwner {
  accountId: string;
  arn: string;
  userId: string;
  accessKey: string;
}

/**
 * Who an access key belongs to, as the control plane resolves callers: an STS session (ASIA…), an IAM user's
 * active key (AKIA…), or a test key (12 digits name an account, anything else the default account's root).
 * Undefined for an unknown session or an unknown or inactive user key.
 */
export function ownerOfAccessKey(rt: { store: Store; config: { defaultAccount: string } }, key: string): KeyOwner | undefined {
  if (key.startsWith('ASIA')) {
    const s = byKey(rt, key);
    return s ? { accountId: s.account, arn: s.arn, userId: s.userId, accessKey: key } : undefined;
  }
  if (key.startsWith('AKIA')) {
    const k = accessKeyById(rt, key);
    const user = k ? userByName(rt, k.account, k.UserName) : undefined;
    if (!k || k.Status !== 'Active' || !user) return undefined;
    return { accountId: k.account, arn: user.Arn, userId: user.UserId, accessKey: key };
  }
  const account = /^\d{12}$/.test(key) ? key : rt.config.defaultAccount;
  return { accountId: account, arn: `arn:aws:iam::${account}:root`, userId: account, accessKey: key };
}
