// A request context for EC2 work that no HTTP request carries: other services launching instances
// (Auto Scaling), alarm actions stopping or recovering them. The handlers run unchanged on it.
import { randomUUID } from 'node:crypto';
import { type Caller, type RequestContext, type Runtime, requestContext } from '../../server/context.js';
import * as iam from '../iam/index.js';

export interface Ec2Scope {
  account: string;
  region: string;
}

export function rootCaller(account: string): Caller {
  return { arn: `arn:aws:iam::${account}:root`, userId: account, accessKeyId: '', type: 'Root' };
}

/** The identity a service-linked role's session has (e.g. Auto Scaling acting for the account). */
export function serviceRoleCaller(runtime: Runtime, account: string, roleName: string, sessionName: string): Caller | undefined {
  const role = iam.roleByName(runtime, account, roleName);
  if (!role) return undefined;
  return {
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    userId: `${role.RoleId}:${sessionName}`,
    accessKeyId: '',
    type: 'AssumedRole',
    roleArn: role.Arn,
    sessionName,
  };
}

export function internalContext(runtime: Runtime, scope: Ec2Scope, operation: string, caller: Caller = rootCaller(scope.account)): RequestContext {
  const base = `http://127.0.0.1:${runtime.config.port}`;
  return requestContext(runtime, {
    requestId: randomUUID(),
    account: scope.account,
    region: scope.region,
    service: 'ec2',
    operation,
    caller,
    sourceIp: '127.0.0.1',
    userAgent: 'cumulus-internal',
    headers: {},
    host: base.slice('http://'.length),
    baseUrl: base,
  });
}
