// User pool groups: create, read, list, update, delete; membership (AdminAddUserToGroup, AdminRemoveUserFromGroup,
// AdminListGroupsForUser, ListUsersInGroup); and the claims a member's tokens carry — cognito:groups in the ID
// and access tokens, cognito:roles and cognito:preferred_role in the ID token.
import type { CognitoIdpOperations, GroupType } from '../../generated/cognito-idp.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { regional } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { poolOf, userKey, userOf, users, type UserRecord } from './store.js';
import { describeUser } from './users.js';

export interface GroupRecord {
  poolId: string;
  GroupName: string;
  Description?: string;
  RoleArn?: string;
  Precedence?: number;
  CreationDate: number;
  LastModifiedDate: number;
}

export interface MembershipRecord {
  poolId: string;
  groupName: string;
  /** the user's stored Username (not an alias or sub) */
  username: string;
}

const SVC = 'cognito-idp';
/** id: `${poolId}/${groupName}` */
export const groups = (s: Store) => s.table<GroupRecord>(SVC, 'group');
/** id: JSON [poolId, groupName, username] — group and user names may both hold '/' */
export const memberships = (s: Store) => s.table<MembershipRecord>(SVC, 'membership');

const groupKey = (poolId: string, name: string) => `${poolId}/${name}`;
const memberKey = (poolId: string, group: string, username: string) => JSON.stringify([poolId, group, username]);

function groupOf(store: Store, scope: Scope, poolId: string, name: string): GroupRecord {
  const g = groups(store).get(scope, groupKey(poolId, name));
  if (!g) throw new AwsError('ResourceNotFoundException', 'Group not found.');
  return g;
}

function describeGroup(g: GroupRecord): GroupType {
  return {
    GroupName: g.GroupName,
    UserPoolId: g.poolId,
    Description: g.Description,
    RoleArn: g.RoleArn,
    Precedence: g.Precedence,
    LastModifiedDate: new Date(g.LastModifiedDate),
    CreationDate: new Date(g.CreationDate),
  };
}

/** Highest precedence first: lower Precedence values, then groups without one; ties by name. */
function byPrecedence(a: GroupRecord, b: GroupRecord): number {
  const pa = a.Precedence ?? Number.POSITIVE_INFINITY;
  const pb = b.Precedence ?? Number.POSITIVE_INFINITY;
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.GroupName < b.GroupName ? -1 : a.GroupName > b.GroupName ? 1 : 0;
}

const byName = (a: GroupRecord, b: GroupRecord) => (a.GroupName < b.GroupName ? -1 : a.GroupName > b.GroupName ? 1 : 0);

function groupsOfPool(store: Store, scope: Scope, poolId: string): GroupRecord[] {
  return groups(store).list(scope).filter((g) => g.poolId === poolId);
}

/** The groups of a user, highest precedence first. */
export function groupsOfUser(store: Store, scope: Scope, poolId: string, username: string): GroupRecord[] {
  const names = memberships(store)
    .list(scope)
    .filter((m) => m.poolId === poolId && m.username === username)
    .map((m) => m.groupName);
  return names
    .map((n) => groups(store).get(scope, groupKey(poolId, n)))
    .filter((g): g is GroupRecord => !!g)
    .sort(byPrecedence);
}

/**
 * The group claims of a user's tokens. cognito:groups (ID and access tokens) lists every group, highest
 * precedence first. The ID token also carries cognito:roles (the groups' role ARNs, same order) and
 * cognito:preferred_role: the role of the highest-precedence group with a role — unless groups tied at that
 * precedence name different roles, when AWS sets no preferred role.
 */
export function groupClaims(store: Store, scope: Scope, u: UserRecord): { id: Record<string, unknown>; access: Record<string, unknown> } {
  const gs = groupsOfUser(store, scope, u.poolId, u.Username);
  if (!gs.length) return { id: {}, access: {} };
  const names = gs.map((g) => g.GroupName);
  const id: Record<string, unknown> = { 'cognito:groups': names };
  const withRole = gs.filter((g) => g.RoleArn);
  if (withRole.length) {
    id['cognito:roles'] = [...new Set(withRole.map((g) => g.RoleArn!))];
    const top = withRole[0]!.Precedence;
    const tied = new Set(withRole.filter((g) => g.Precedence === top).map((g) => g.RoleArn!));
    if (tied.size === 1) id['cognito:preferred_role'] = withRole[0]!.RoleArn;
  }
  return { id, access: { 'cognito:groups': names } };
}

/** AdminDeleteUser: the user leaves every group. */
export function removeUserMemberships(store: Store, scope: Scope, poolId: string, username: string): void {
  for (const m of memberships(store).list(scope)) {
    if (m.poolId === poolId && m.username === username) memberships(store).delete(scope, memberKey(poolId, m.groupName, username));
  }
}

/** DeleteUserPool: its groups and their memberships go with it. */
export function removePoolGroups(store: Store, scope: Scope, poolId: string): void {
  for (const m of memberships(store).list(scope)) if (m.poolId === poolId) memberships(store).delete(scope, memberKey(poolId, m.groupName, m.username));
  for (const g of groupsOfPool(store, scope, poolId)) groups(store).delete(scope, groupKey(poolId, g.GroupName));
}

export const groupHandlers: Handlers<CognitoIdpOperations> = {
  CreateGroup(ctx, { UserPoolId, GroupName, Description, RoleArn, Precedence }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    if (groups(ctx.store).has(scope, groupKey(pool.Id, GroupName))) {
      throw new AwsError('GroupExistsException', `A group with the name ${GroupName} already exists.`);
    }
    const now = ctx.clock.now();
    const g: GroupRecord = { poolId: pool.Id, GroupName, Description, RoleArn, Precedence, CreationDate: now, LastModifiedDate: now };
    groups(ctx.store).put(scope, groupKey(pool.Id, GroupName), g);
    return { Group: describeGroup(g) };
  },

  GetGroup(ctx, { UserPoolId, GroupName }) {
    const scope = regional(ctx);
    return { Group: describeGroup(groupOf(ctx.store, scope, poolOf(ctx.store, scope, UserPoolId).Id, GroupName)) };
  },

  ListGroups(ctx, { UserPoolId, Limit, NextToken }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    const all = groupsOfPool(ctx.store, scope, pool.Id).sort(byName);
    const page = paginate(all, (g) => g.GroupName, { token: NextToken, max: Limit, defaultMax: 60, invalidTokenCode: 'InvalidParameterException' });
    return { Groups: page.items.map(describeGroup), NextToken: page.next };
  },

  // Only the fields given change (the current API reference says nothing of resetting omitted ones).
  UpdateGroup(ctx, { UserPoolId, GroupName, Description, RoleArn, Precedence }) {
    const scope = regional(ctx);
    const g = groupOf(ctx.store, scope, poolOf(ctx.store, scope, UserPoolId).Id, GroupName);
    if (Description !== undefined) g.Description = Description;
    if (RoleArn !== undefined) g.RoleArn = RoleArn;
    if (Precedence !== undefined) g.Precedence = Precedence;
    g.LastModifiedDate = ctx.clock.now();
    groups(ctx.store).put(scope, groupKey(g.poolId, g.GroupName), g);
    return { Group: describeGroup(g) };
  },

  DeleteGroup(ctx, { UserPoolId, GroupName }) {
    const scope = regional(ctx);
    const g = groupOf(ctx.store, scope, poolOf(ctx.store, scope, UserPoolId).Id, GroupName);
    for (const m of memberships(ctx.store).list(scope)) {
      if (m.poolId === g.poolId && m.groupName === g.GroupName) memberships(ctx.store).delete(scope, memberKey(g.poolId, g.GroupName, m.username));
    }
    groups(ctx.store).delete(scope, groupKey(g.poolId, g.GroupName));
  },

  AdminAddUserToGroup(ctx, { UserPoolId, Username, GroupName }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    const u = userOf(ctx.store, scope, pool.Id, Username);
    const g = groupOf(ctx.store, scope, pool.Id, GroupName);
    // adding a member again is not an error in AWS
    memberships(ctx.store).put(scope, memberKey(pool.Id, g.GroupName, u.Username), { poolId: pool.Id, groupName: g.GroupName, username: u.Username });
  },

  AdminRemoveUserFromGroup(ctx, { UserPoolId, Username, GroupName }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    const u = userOf(ctx.store, scope, pool.Id, Username);
    const g = groupOf(ctx.store, scope, pool.Id, GroupName);
    memberships(ctx.store).delete(scope, memberKey(pool.Id, g.GroupName, u.Username));
  },

  AdminListGroupsForUser(ctx, { UserPoolId, Username, Limit, NextToken }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    const u = userOf(ctx.store, scope, pool.Id, Username);
    const all = groupsOfUser(ctx.store, scope, pool.Id, u.Username);
    const page = paginate(all, (g) => g.GroupName, { token: NextToken, max: Limit, defaultMax: 60, invalidTokenCode: 'InvalidParameterException' });
    return { Groups: page.items.map(describeGroup), NextToken: page.next };
  },

  ListUsersInGroup(ctx, { UserPoolId, GroupName, Limit, NextToken }) {
    const scope = regional(ctx);
    const pool = poolOf(ctx.store, scope, UserPoolId);
    const g = groupOf(ctx.store, scope, pool.Id, GroupName);
    const members = memberships(ctx.store)
      .list(scope)
      .filter((m) => m.poolId === pool.Id && m.groupName === g.GroupName)
      .map((m) => users(ctx.store).get(scope, userKey(pool.Id, m.username)))
      .filter((u): u is UserRecord => !!u)
      .sort((a, b) => (a.Username < b.Username ? -1 : a.Username > b.Username ? 1 : 0));
    const page = paginate(members, (u) => u.Username, { token: NextToken, max: Limit, defaultMax: 60, invalidTokenCode: 'InvalidParameterException' });
    return { Users: page.items.map(describeUser), NextToken: page.next };
  },
};
