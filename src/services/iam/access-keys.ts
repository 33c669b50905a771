// Access keys of IAM users (AKIA…): at most two per user, findable by key id from any account.
import type { IamOperations } from '../../generated/iam.js';
import { iamId, secretKey } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import { limitExceeded, noSuchEntity, nowIso, page, putUser, userOrCaller } from './lookup.js';
import { type AccessKeyRecord, KEY_SCOPE, tables } from './store.js';

const MAX_KEYS = 2;

function keyOfUser(ctx: { store: import('../../state/db.js').Store; account: string }, userName: string, id: string): AccessKeyRecord {
  const key = tables(ctx.store).keys.get(KEY_SCOPE, id);
  if (!key || key.account !== ctx.account || key.UserName.toLowerCase() !== userName.toLowerCase()) {
    throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
  }
  return key;
}

export const accessKeyHandlers: Handlers<IamOperations> = {
  CreateAccessKey(ctx, { UserName }) {
    const user = userOrCaller(ctx, UserName);
    if (user.AccessKeys.length >= MAX_KEYS) throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS}`);
    const key: AccessKeyRecord = {
      AccessKeyId: iamId('AKIA', 20),
      SecretAccessKey: secretKey(),
      account: ctx.account,
      UserName: user.UserName,
      Status: 'Active',
      CreateDate: nowIso(ctx),
    };
    tables(ctx.store).keys.put(KEY_SCOPE, key.AccessKeyId, key);
    putUser(ctx, { ...user, AccessKeys: [...user.AccessKeys, key.AccessKeyId] });
    const { account: _account, ...AccessKey } = key;
    return { AccessKey };
  },

  ListAccessKeys(ctx, input) {
    const user = userOrCaller(ctx, input.UserName);
    const keys = user.AccessKeys.map((id) => tables(ctx.store).keys.get(KEY_SCOPE, id)).filter((k): k is AccessKeyRecord => k !== undefined);
    const p = page(keys, (k) => k.AccessKeyId, input);
    return {
      AccessKeyMetadata: p.items.map((k) => ({ UserName: k.UserName, AccessKeyId: k.AccessKeyId, Status: k.Status, CreateDate: k.CreateDate })),
      IsTruncated: p.IsTruncated,
      Marker: p.Marker,
    };
  },

  UpdateAccessKey(ctx, { UserName, AccessKeyId, Status }) {
    const user = userOrCaller(ctx, UserName);
    const key = keyOfUser(ctx, user.UserName, AccessKeyId);
    tables(ctx.store).keys.put(KEY_SCOPE, key.AccessKeyId, { ...key, Status: Status === 'Inactive' ? 'Inactive' : 'Active' });
  },

  DeleteAccessKey(ctx, { UserName, AccessKeyId }) {
    const user = userOrCaller(ctx, UserName);
    const key = keyOfUser(ctx, user.UserName, AccessKeyId);
    tables(ctx.store).keys.delete(KEY_SCOPE, key.AccessKeyId);
    putUser(ctx, { ...user, AccessKeys: user.AccessKeys.filter((id) => id !== key.AccessKeyId) });
  },

  GetAccessKeyLastUsed(ctx, { AccessKeyId }) {
    const key = tables(ctx.store).keys.get(KEY_SCOPE, AccessKeyId);
    if (!key || key.account !== ctx.account) throw noSuchEntity(`The Access Key with id ${AccessKeyId} cannot be found.`);
    // Cumulus does not write on every request to remember a key's last use: it answers as for an unused key
    return { UserName: key.UserName, AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } };
  },
};
