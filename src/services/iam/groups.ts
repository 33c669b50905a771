// Groups and their members.
import type { IamOperations } from '../../generated/iam.js';
import { iamId } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import {
  alreadyExists,
  byPathPrefix,
  deleteConflict,
  findGroup,
  getGroup,
  getUser,
  iamArn,
  limitExceeded,
  noSuchEntity,
  nowIso,
  page,
  putGroup,
  putUser,
  sortBy,
  type IamCtx,
} from './lookup.js';
import { type GroupRecord, iamScope, keyOf, tables } from './store.js';
import { groupView, userView } from './views.js';

const MAX_GROUPS = 300;
const MAX_GROUPS_PER_USER = 10;

export function membersOf(ctx: IamCtx, groupName: string) {
  const key = keyOf(groupName);
  return tables(ctx.store).users.list(iamScope(ctx.account)).filter((u) => u.Groups.includes(key));
}

export const groupHandlers: Handlers<IamOperations> = {
  CreateGroup(ctx, { GroupName, Path = '/' }) {
    if (findGroup(ctx, GroupName)) throw alreadyExists(`Group with name ${GroupName} already exists.`);
    if (tables(ctx.store).groups.count(iamScope(ctx.account)) >= MAX_GROUPS) throw limitExceeded(`Cannot exceed quota for GroupsPerAccount: ${MAX_GROUPS}`);
    const group: GroupRecord = {
      GroupName,
      GroupId: iamId('AGPA'),
      Arn: iamArn(ctx.account, 'group', Path, GroupName),
      Path,
      CreateDate: nowIso(ctx),
      InlinePolicies: {},
      AttachedPolicies: [],
    };
    putGroup(ctx, group);
    return { Group: groupView(group) };
  },

  GetGroup(ctx, input) {
    const group = getGroup(ctx, input.GroupName);
    const users = sortBy(membersOf(ctx, group.GroupName), (u) => u.UserName);
    const p = page(users, (u) => keyOf(u.UserName), input);
    return { Group: groupView(group), Users: p.items.map((u) => userView(u, false)), IsTruncated: p.IsTruncated, Marker: p.Marker };
  },

  ListGroups(ctx, input) {
    const groups = sortBy(byPathPrefix(tables(ctx.store).groups.list(iamScope(ctx.account)), input.PathPrefix), (g) => g.GroupName);
    const p = page(groups, (g) => keyOf(g.GroupName), input);
    return { Groups: p.items.map(groupView), IsTruncated: p.IsTruncated, Marker: p.Marker };
  },

  ListGroupsForUser(ctx, input) {
    const user = getUser(ctx, input.UserName);
    const groups = user.Groups.map((key) => findGroup(ctx, key)).filter((g): g is GroupRecord => g !== undefined);
    const p = page(groups, (g) => keyOf(g.GroupName), input);
    return { Groups: p.items.map(groupView), IsTruncated: p.IsTruncated, Marker: p.Marker };
  },

  UpdateGroup(ctx, { GroupName, NewGroupName, NewPath }) {
    const group = getGroup(ctx, GroupName);
    const name = NewGroupName ?? group.GroupName;
    const path = NewPath ?? group.Path;
    const renamed = keyOf(name) !== keyOf(group.GroupName);
    if (renamed && findGroup(ctx, name)) throw alreadyExists(`Group with name ${name} already exists.`);
    if (renamed) {
      for (const u of membersOf(ctx, group.GroupName)) putUser(ctx, { ...u, Groups: u.Groups.map((g) => (g === keyOf(GroupName) ? keyOf(name) : g)) });
      tables(ctx.store).groups.delete(iamScope(ctx.account), keyOf(group.GroupName));
    }
    putGroup(ctx, { ...group, GroupName: name, Path: path, Arn: iamArn(ctx.account, 'group', path, name) });
  },

  DeleteGroup(ctx, { GroupName }) {
    const group = getGroup(ctx, GroupName);
    if (membersOf(ctx, GroupName).length) throw deleteConflict('Cannot delete entity, must remove users from group first.');
    if (Object.keys(group.InlinePolicies).length) throw deleteConflict('Cannot delete entity, must delete policies first.');
    if (group.AttachedPolicies.length) throw deleteConflict('Cannot delete entity, must detach all policies first.');
    tables(ctx.store).groups.delete(iamScope(ctx.account), keyOf(group.GroupName));
  },

  AddUserToGroup(ctx, { GroupName, UserName }) {
    const group = getGroup(ctx, GroupName);
    const user = getUser(ctx, UserName);
    const key = keyOf(group.GroupName);
    if (user.Groups.includes(key)) return;
    if (user.Groups.length >= MAX_GROUPS_PER_USER) throw limitExceeded(`Cannot exceed quota for GroupsPerUser: ${MAX_GROUPS_PER_USER}`);
    putUser(ctx, { ...user, Groups: [...user.Groups, key] });
  },

  RemoveUserFromGroup(ctx, { GroupName, UserName }) {
    const group = getGroup(ctx, GroupName);
    const user = getUser(ctx, UserName);
    const key = keyOf(group.GroupName);
    if (!user.Groups.includes(key)) throw noSuchEntity(`The user with name ${user.UserName} cannot be found in group ${group.GroupName}.`);
    putUser(ctx, { ...user, Groups: user.Groups.filter((g) => g !== key) });
  },
};
