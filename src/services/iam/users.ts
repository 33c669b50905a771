// Users: create, read, rename, delete (with IAM's conflicts), permissions boundary, login profile.
import type { IamOperations, User } from '../../generated/iam.js';
import { iamId } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import {
  alreadyExists,
  byPathPrefix,
  deleteConflict,
  findUser,
  getUser,
  iamArn,
  limitExceeded,
  noSuchEntity,
  nowIso,
  page,
  putUser,
  sortBy,
  userOrCaller,
} from './lookup.js';
import { boundaryArn } from './roles.js';
import { KEY_SCOPE, iamScope, keyOf, tables, type UserRecord } from './store.js';
import { iamTags } from './tagging.js';
import { userView } from './views.js';

const MAX_USERS = 5000;

export const userHandlers: Handlers<IamOperations> = {
  CreateUser(ctx, input) {
    if (findUser(ctx, input.UserName)) throw alreadyExists(`User with name ${input.UserName} already exists.`);
    if (tables(ctx.store).users.count(iamScope(ctx.account)) >= MAX_USERS) throw limitExceeded(`Cannot exceed quota for UsersPerAccount: ${MAX_USERS}`);
    const path = input.Path ?? '/';
    const user: UserRecord = {
      UserName: input.UserName,
      UserId: iamId('AIDA'),
      Arn: iamArn(ctx.account, 'user', path, input.UserName),
      Path: path,
      CreateDate: nowIso(ctx),
      Tags: iamTags({}, input.Tags),
      PermissionsBoundary: boundaryArn(ctx, input.PermissionsBoundary),
      InlinePolicies: {},
      AttachedPolicies: [],
      Groups: [],
      AccessKeys: [],
    };
    putUser(ctx, user);
    return { User: userView(user) };
  },

  GetUser(ctx, { UserName }) {
    if (!UserName && ctx.caller.type === 'Root') {
      // the account's root user: no name, the account id as its id
      const root = { Path: '/', UserId: ctx.account, Arn: `arn:aws:iam::${ctx.account}:root`, CreateDate: new Date(0).toISOString() };
      return { User: root as User };
    }
    return { User: userView(userOrCaller(ctx, UserName)) };
  },

  ListUsers(ctx, input) {
    const users = sortBy(byPathPrefix(tables(ctx.store).users.list(iamScope(ctx.account)), input.PathPrefix), (u) => u.UserName);
    const p = page(users, (u) => keyOf(u.UserName), input);
    return { Users: p.items.map((u) => userView(u, false)), IsTruncated: p.IsTruncated, Marker: p.Marker };
  },

  UpdateUser(ctx, { UserName, NewUserName, NewPath }) {
    const user = getUser(ctx, UserName);
    const name = NewUserName ?? user.UserName;
    const path = NewPath ?? user.Path;
    if (keyOf(name) !== keyOf(user.UserName) && findUser(ctx, name)) throw alreadyExists(`User with name ${name} already exists.`);
    const t = tables(ctx.store);
    t.users.delete(iamScope(ctx.account), keyOf(user.UserName));
    putUser(ctx, { ...user, UserName: name, Path: path, Arn: iamArn(ctx.account, 'user', path, name) });
    for (const id of user.AccessKeys) {
      const key = t.keys.get(KEY_SCOPE, id);
      if (key) t.keys.put(KEY_SCOPE, id, { ...key, UserName: name });
    }
  },

  DeleteUser(ctx, { UserName }) {
    const user = getUser(ctx, UserName);
    if (user.LoginProfile) throw deleteConflict('Cannot delete entity, must delete login profile first.');
    if (user.AccessKeys.length) throw deleteConflict('Cannot delete entity, must delete access keys first.');
    if (Object.keys(user.InlinePolicies).length) throw deleteConflict('Cannot delete entity, must delete policies first.');
    if (user.AttachedPolicies.length) throw deleteConflict('Cannot delete entity, must detach all policies first.');
    if (user.Groups.length) throw deleteConflict('Cannot delete entity, must remove users from group first.');
    tables(ctx.store).users.delete(iamScope(ctx.account), keyOf(user.UserName));
  },

  PutUserPermissionsBoundary(ctx, { UserName, PermissionsBoundary }) {
    const user = getUser(ctx, UserName);
    putUser(ctx, { ...user, PermissionsBoundary: boundaryArn(ctx, PermissionsBoundary) });
  },

  DeleteUserPermissionsBoundary(ctx, { UserName }) {
    putUser(ctx, { ...getUser(ctx, UserName), PermissionsBoundary: undefined });
  },

  CreateLoginProfile(ctx, { UserName, PasswordResetRequired = false }) {
    const user = userOrCaller(ctx, UserName);
    if (user.LoginProfile) throw alreadyExists(`Login Profile for user ${user.UserName} already exists.`);
    const LoginProfile = { CreateDate: nowIso(ctx), PasswordResetRequired };
    putUser(ctx, { ...user, LoginProfile });
    return { LoginProfile: { UserName: user.UserName, ...LoginProfile } };
  },

  GetLoginProfile(ctx, { UserName }) {
    const user = userOrCaller(ctx, UserName);
    if (!user.LoginProfile) throw noSuchEntity(`Login Profile for User ${user.UserName} cannot be found.`);
    return { LoginProfile: { UserName: user.UserName, ...user.LoginProfile } };
  },

  UpdateLoginProfile(ctx, { UserName, PasswordResetRequired }) {
    const user = getUser(ctx, UserName);
    if (!user.LoginProfile) throw noSuchEntity(`Login Profile for User ${user.UserName} cannot be found.`);
    putUser(ctx, { ...user, LoginProfile: { ...user.LoginProfile, PasswordResetRequired: PasswordResetRequired ?? user.LoginProfile.PasswordResetRequired } });
  },

  DeleteLoginProfile(ctx, { UserName }) {
    const user = userOrCaller(ctx, UserName);
    if (!user.LoginProfile) throw noSuchEntity(`Login Profile for User ${user.UserName} cannot be found.`);
    putUser(ctx, { ...user, LoginProfile: undefined });
  },
};
