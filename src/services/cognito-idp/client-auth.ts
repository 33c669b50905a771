// What the public (unsigned) operations start from: the app client named in the request, found through the
// global index since the request carries no credential scope, and its SECRET_HASH when it has a secret.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../../protocol/errors.js';
import type { Store } from '../../state/db.js';
import type { Scope } from '../../state/db.js';
import { clientOf, ownerOfClient, poolOf, type ClientRecord, type PoolRecord } from './store.js';

export interface ClientContext {
  scope: Scope;
  pool: PoolRecord;
  client: ClientRecord;
}

export function clientContext(store: Store, clientId: string): ClientContext {
  const o = ownerOfClient(store, clientId);
  const scope = { account: o.account, region: o.region };
  const pool = poolOf(store, scope, o.poolId);
  return { scope, pool, client: clientOf(store, scope, pool.Id, clientId) };
}

export function secretHash(secret: string, username: string, clientId: string): string {
  return createHmac('sha256', secret).update(username + clientId).digest('base64');
}

/** Clients with a secret require base64(HMAC-SHA256(secret, username + clientId)); where a user goes by more
 *  than one name (SRP's USER_ID_FOR_SRP and the name typed), the hash of any of them is accepted. */
export function checkSecretHash(client: ClientRecord, username: string | string[], given: string | undefined): void {
  if (!client.ClientSecret) return;
  if (!given) throw new AwsError('NotAuthorizedException', `Client ${client.ClientId} is configured with secret but SECRET_HASH was not received`);
  const got = Buffer.from(given);
  const matches = (name: string) => {
    const want = Buffer.from(secretHash(client.ClientSecret!, name, client.ClientId));
    return want.length === got.length && timingSafeEqual(want, got);
  };
  if (!(Array.isArray(username) ? username : [username]).some(matches)) {
    throw new AwsError('NotAuthorizedException', `Unable to verify secret hash for client ${client.ClientId}`);
  }
}
