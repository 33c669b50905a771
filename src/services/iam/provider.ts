// IAM: a global service (records per account, not per region). The handlers live one concept per file.
import type { IamOperations } from '../../generated/iam.js';
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import { defineService, type Handlers, type ResolvedIdentity } from '../define.js';
import { accessKeyHandlers } from './access-keys.js';
import { accountHandlers } from './account.js';
import { entityPolicyHandlers } from './entity-policies.js';
import { groupHandlers } from './groups.js';
import { instanceProfileHandlers } from './instance-profiles.js';
import { managedPolicyHandlers } from './managed-policies.js';
import { roleHandlers } from './roles.js';
import { serviceLinkedRoleHandlers } from './service-linked-roles.js';
import { simulateHandlers } from './simulate.js';
import { KEY_SCOPE, iamScope, keyOf, tables } from './store.js';
import { tagHandlers } from './tagging.js';
import { userHandlers } from './users.js';

const handlers: Handlers<IamOperations> = {
  ...userHandlers,
  ...groupHandlers,
  ...roleHandlers,
  ...managedPolicyHandlers,
  ...entityPolicyHandlers,
  ...instanceProfileHandlers,
  ...accessKeyHandlers,
  ...serviceLinkedRoleHandlers,
  ...tagHandlers,
  ...simulateHandlers,
  ...accountHandlers,
};

/** An IAM user's access key (AKIA…) → its account and user. */
function resolveCaller(runtime: Runtime, accessKeyId: string): ResolvedIdentity | undefined {
  if (!accessKeyId.startsWith('AKIA')) return undefined;
  const t = tables(runtime.store);
  const key = t.keys.get(KEY_SCOPE, accessKeyId);
  if (!key) return undefined;
  if (key.Status !== 'Active') {
    throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', { status: 403 });
  }
  const user = t.users.get(iamScope(key.account), keyOf(key.UserName));
  if (!user) return undefined;
  return { account: key.account, caller: { arn: user.Arn, userId: user.UserId, type: 'IAMUser', accessKeyId } };
}

function secretFor(runtime: Runtime, accessKeyId: string): string | undefined {
  if (!accessKeyId.startsWith('AKIA')) return undefined;
  const key = tables(runtime.store).keys.get(KEY_SCOPE, accessKeyId);
  return key?.Status === 'Active' ? key.SecretAccessKey : undefined;
}

export default defineService<IamOperations>('iam', handlers, { global: true, resolveCaller, secretFor });
