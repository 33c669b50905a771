// Records of the Cognito user pools service: pools (with their RS256 signing key, so tokens stay valid across
// a restart), app clients, users, refresh tokens; and an index from client id and pool id to the account and
// region that own them, because the public (unsigned) operations — SignUp, InitiateAuth, GetUser … — carry no
// credential scope, only a client id or a token.
import type { Store } from '../../state/db.js';
import type { Scope } from '../../state/db.js';
import { AwsError } from '../../protocol/errors.js';
import type { AttributeType, PasswordPolicyType, SchemaAttributeType, TokenValidityUnitsType, UserPoolClientType, UserPoolType } from '../../generated/cognito-idp.js';

export interface PoolRecord {
  Id: string;
  Name: string;
  Arn: string;
  CreationDate: number;
  LastModifiedDate: number;
  PasswordPolicy: Required<Pick<PasswordPolicyType, 'MinimumLength' | 'RequireUppercase' | 'RequireLowercase' | 'RequireNumbers' | 'RequireSymbols' | 'TemporaryPasswordValidityDays'>>;
  /** the rest of what CreateUserPool was given, echoed by DescribeUserPool */
  config: Omit<UserPoolType, 'Id' | 'Name' | 'Arn' | 'CreationDate' | 'LastModifiedDate' | 'Policies' | 'SchemaAttributes' | 'EstimatedNumberOfUsers'>;
  Schema: SchemaAttributeType[];
  /** the signing key pair: PEM private key, public JWK parts, kid */
  key: { kid: string; privatePem: string; n: string; e: string };
}

export interface ClientRecord extends Omit<UserPoolClientType, 'CreationDate' | 'LastModifiedDate'> {
  UserPoolId: string;
  ClientId: string;
  ClientName: string;
  CreationDate: number;
  LastModifiedDate: number;
}

export interface UserRecord {
  poolId: string;
  Username: string;
  sub: string;
  Attributes: AttributeType[];
  UserCreateDate: number;
  UserLastModifiedDate: number;
  Enabled: boolean;
  UserStatus: 'UNCONFIRMED' | 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD' | 'RESET_REQUIRED';
  /** scrypt hash, hex salt:hash */
  password?: string;
  /** SRP salt and verifier of the same password (srp.ts), for USER_SRP_AUTH */
  srp?: { salt: string; verifier: string };
  /** the confirmation code of a SignUp (Cumulus sends no mail: served at /_aws/cognito/codes/{pool}/{user}) */
  confirmationCode?: string;
  /** origin_jti of the sign-ins GlobalSignOut revoked (their access tokens answer 'revoked'); the latest 50 */
  revokedOrigins?: string[];
}

export interface RefreshRecord {
  token: string;
  poolId: string;
  clientId: string;
  username: string;
  originJti: string;
  authTime: number;
  expires: number;
  /** revoked by RevokeToken or a global sign-out: kept until it expires so a refresh answers 'revoked' */
  revoked?: boolean;
}

export interface SessionRecord {
  session: string;
  poolId: string;
  clientId: string;
  username: string;
  expires: number;
}

export interface Owner {
  account: string;
  region: string;
  poolId: string;
}

const SVC = 'cognito-idp';
export const pools = (s: Store) => s.table<PoolRecord>(SVC, 'pool');
export const clients = (s: Store) => s.table<ClientRecord>(SVC, 'client');
/** id: `${poolId}/${username}` */
export const users = (s: Store) => s.table<UserRecord>(SVC, 'user');
export const refreshTokens = (s: Store) => s.table<RefreshRecord>(SVC, 'refresh');
export const sessions = (s: Store) => s.table<SessionRecord>(SVC, 'session');
/** global index (scope account '' region ''): id `client/<id>` or `pool/<id>` */
export const owners = (s: Store) => s.table<Owner>(SVC, 'owner');
export const GLOBAL: Scope = { account: '', region: '' };

export const userKey = (poolId: string, username: string) => `${poolId}/${username}`;

export function notFound(message: string): AwsError {
  return new AwsError('ResourceNotFoundException', message);
}

export function poolOf(store: Store, scope: Scope, poolId: string): PoolRecord {
  const p = pools(store).get(scope, poolId);
  if (!p) throw notFound(`User pool ${poolId} does not exist.`);
  return p;
}

export function clientOf(store: Store, scope: Scope, poolId: string, clientId: string): ClientRecord {
  const c = clients(store).get(scope, clientId);
  if (!c || c.UserPoolId !== poolId) throw notFound(`User pool client ${clientId} does not exist.`);
  return c;
}

export function userOf(store: Store, scope: Scope, poolId: string, username: string): UserRecord {
  const u = findUser(store, scope, poolId, username);
  if (!u) throw new AwsError('UserNotFoundException', 'User does not exist.');
  return u;
}

/** A user by username or sub, or by email in pools where email is the username or an alias. */
export function findUser(store: Store, scope: Scope, poolId: string, name: string): UserRecord | undefined {
  const direct = users(store).get(scope, userKey(poolId, name));
  if (direct) return direct;
  const pool = pools(store).get(scope, poolId);
  const byEmail = !!(pool?.config.UsernameAttributes?.includes('email') || pool?.config.AliasAttributes?.includes('email'));
  const lower = name.toLowerCase();
  return usersOfPool(store, scope, poolId).find((u) => u.sub === name || (byEmail && attr(u, 'email')?.toLowerCase() === lower));
}

export function usersOfPool(store: Store, scope: Scope, poolId: string): UserRecord[] {
  return users(store).list(scope).filter((u) => u.poolId === poolId);
}

export const attr = (u: { Attributes: AttributeType[] }, name: string) => u.Attributes.find((a) => a.Name === name)?.Value;

/** Account, region and pool of a client id (for the unsigned operations). */
export function ownerOfClient(store: Store, clientId: string): Owner {
  const o = owners(store).get(GLOBAL, `client/${clientId}`);
  if (!o) throw notFound(`User pool client ${clientId} does not exist.`);
  return o;
}

export type { TokenValidityUnitsType };
