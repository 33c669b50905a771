// IAM's records. Global service: every record is scoped by account only (region ''). Names are unique
// case-insensitively within an account, so records are keyed by the lower-cased name.
import type { Scope, Store, Table } from '../../state/db.js';
import type { TagMap } from '../../protocol/tags.js';

export const SERVICE = 'iam';

/** Inline policies: name → document text as the client sent it. */
export type InlinePolicies = Record<string, string>;

export interface UserRecord {
  UserName: string;
  UserId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  Tags: TagMap;
  PermissionsBoundary?: string;
  InlinePolicies: InlinePolicies;
  AttachedPolicies: string[];
  /** lower-cased group names */
  Groups: string[];
  AccessKeys: string[];
  LoginProfile?: { CreateDate: string; PasswordResetRequired: boolean };
}

export interface GroupRecord {
  GroupName: string;
  GroupId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  InlinePolicies: InlinePolicies;
  AttachedPolicies: string[];
}

export interface RoleRecord {
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  PermissionsBoundary?: string;
  Tags: TagMap;
  InlinePolicies: InlinePolicies;
  AttachedPolicies: string[];
  RoleLastUsed?: { LastUsedDate: string; Region: string };
  /** the service principal of a service-linked role */
  ServiceLinked?: string;
}

export interface PolicyVersionRecord {
  VersionId: string;
  Document: string;
  CreateDate: string;
}

export interface ManagedPolicyRecord {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  Description?: string;
  CreateDate: string;
  UpdateDate: string;
  DefaultVersionId: string;
  Versions: PolicyVersionRecord[];
  NextVersion: number;
  Tags: TagMap;
}

export interface InstanceProfileRecord {
  InstanceProfileName: string;
  InstanceProfileId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  /** lower-cased role names */
  Roles: string[];
  Tags: TagMap;
}

export interface AccessKeyRecord {
  AccessKeyId: string;
  SecretAccessKey: string;
  account: string;
  UserName: string;
  Status: 'Active' | 'Inactive';
  CreateDate: string;
}

export interface DeletionTaskRecord {
  DeletionTaskId: string;
  Status: 'SUCCEEDED' | 'IN_PROGRESS' | 'FAILED' | 'NOT_STARTED';
}

/** Access keys live in one fixed scope so that a request's key id finds its account in one lookup. */
export const KEY_SCOPE: Scope = { account: '*', region: '' };

export interface IamTables {
  users: Table<UserRecord>;
  groups: Table<GroupRecord>;
  roles: Table<RoleRecord>;
  policies: Table<ManagedPolicyRecord>;
  profiles: Table<InstanceProfileRecord>;
  keys: Table<AccessKeyRecord>;
  deletionTasks: Table<DeletionTaskRecord>;
}

const cache = new WeakMap<Store, IamTables>();

export function tables(store: Store): IamTables {
  let t = cache.get(store);
  if (!t) {
    t = {
      users: store.table<UserRecord>(SERVICE, 'user'),
      groups: store.table<GroupRecord>(SERVICE, 'group'),
      roles: store.table<RoleRecord>(SERVICE, 'role'),
      policies: store.table<ManagedPolicyRecord>(SERVICE, 'policy'),
      profiles: store.table<InstanceProfileRecord>(SERVICE, 'instance-profile'),
      keys: store.table<AccessKeyRecord>(SERVICE, 'access-key'),
      deletionTasks: store.table<DeletionTaskRecord>(SERVICE, 'slr-deletion-task'),
    };
    cache.set(store, t);
  }
  return t;
}

export const keyOf = (name: string) => name.toLowerCase();

/** The store scope of IAM for an account. */
export function iamScope(account: string): Scope {
  return { account, region: '' };
}
