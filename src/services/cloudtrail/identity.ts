// Who made a call, in CloudTrail's userIdentity shape, and the user name LookupEvents reports.
import type { Caller } from '../../server/context.js';

export interface UserIdentity {
  type: string;
  principalId: string;
  arn: string;
  accountId: string;
  accessKeyId?: string;
  userName?: string;
  sessionContext?: {
    sessionIssuer: { type: 'Role'; principalId: string; arn: string; accountId: string; userName: string };
    webIdFederationData: Record<string, never>;
    attributes: { mfaAuthenticated: 'false'; creationDate?: string };
  };
}

/** The last segment of an ARN's resource (user/path/alice → alice). */
function lastSegment(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource.slice(resource.lastIndexOf('/') + 1);
}

/** e.g. arn:aws:sts::A:assumed-role/R/S → ['R', 'S'] */
function assumedRoleParts(arn: string): [string, string] {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  return [parts[1] ?? '', parts.slice(2).join('/')];
}

export function userIdentity(caller: Caller, account: string): UserIdentity {
  const accessKeyId = caller.accessKeyId || undefined;
  switch (caller.type) {
    case 'IAMUser':
      return { type: 'IAMUser', principalId: caller.userId, arn: caller.arn, accountId: account, accessKeyId, userName: lastSegment(caller.arn) };
    case 'AssumedRole': {
      const [roleName, session] = assumedRoleParts(caller.arn);
      const sessionName = caller.sessionName ?? session;
      const roleId = caller.userId.split(':')[0]!;
      const partition = caller.arn.split(':')[1] ?? 'aws';
      return {
        type: 'AssumedRole',
        principalId: caller.userId.includes(':') ? caller.userId : `${caller.userId}:${sessionName}`,
        arn: caller.arn,
        accountId: account,
        accessKeyId,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: roleId,
            arn: caller.roleArn ?? `arn:${partition}:iam::${account}:role/${roleName}`,
            accountId: account,
            userName: caller.roleArn ? lastSegment(caller.roleArn) : roleName,
          },
          webIdFederationData: {},
          attributes: { mfaAuthenticated: 'false' },
        },
      };
    }
    case 'FederatedUser':
      return { type: 'FederatedUser', principalId: caller.userId, arn: caller.arn, accountId: account, accessKeyId };
    default:
      return { type: 'Root', principalId: account, arn: caller.arn, accountId: account, accessKeyId };
  }
}

/** LookupEvents' Username: "root", the IAM user's name, or the role session's name. */
export function username(caller: Caller): string {
  switch (caller.type) {
    case 'IAMUser':
      return lastSegment(caller.arn);
    case 'AssumedRole':
      return caller.sessionName ?? assumedRoleParts(caller.arn)[1];
    case 'FederatedUser':
      return lastSegment(caller.arn);
    default:
      return 'root';
  }
}
