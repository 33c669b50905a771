// STS's public API for other services: the session behind a temporary key, and role credentials for
// workloads (Lambda execution roles, EC2 instance profiles, ECS task roles).
import { AwsError } from '../../protocol/errors.js';
import type { Store } from '../../state/db.js';
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
