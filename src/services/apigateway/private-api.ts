// Private APIs (endpointConfiguration PRIVATE) answer only requests that come through an interface VPC endpoint
// of com.amazonaws.{region}.execute-api: addressed as {api-id}-{vpce-id}.execute-api… (the Route 53 alias of an
// endpoint associated with the API) or at the endpoint's own DNS name (vpce-….execute-api…) with the API named by
// the x-apigw-api-id header. Anything else, and any other API reached through an endpoint, is 403 Forbidden.
// The endpoint and its VPC become aws:SourceVpce / aws:SourceVpc for the resource policy.
import type { Store } from '../../state/db.js';
import { RecordCache } from '../../state/record-cache.js';
import { vpcEndpointById } from '../ec2/index.js';
import { SERVICE, tables, type ApiLocation } from './store.js';

/** {api-id}-{vpce-id}.execute-api.(localhost | REGION.amazonaws.com) */
export const ALIAS_HOST = /^([a-z0-9]+)-(vpce-[0-9a-f]+)\.execute-api\.(?:localhost(?:\.localstack\.cloud)?|[a-z0-9-]+\.amazonaws\.com)(?::\d+)?$/;
/** vpce-ID-SUFFIX[-ZONE].execute-api.REGION.vpce.amazonaws.com (or .execute-api.localhost) */
export const ENDPOINT_HOST = /^(vpce-[0-9a-f]+)(?:-[a-z0-9-]+)?\.execute-api\.(?:[a-z0-9-]+\.vpce\.amazonaws\.com|localhost)(?::\d+)?$/;

export interface Via {
  vpceId: string;
  /** addressed by the alias name, which needs the endpoint associated with the API */
  alias: boolean;
}

export type Access = { allowed: true; private: boolean; sourceVpce?: { id: string; vpcId: string } } | { allowed: false };

interface EndpointConfig {
  private: boolean;
  vpcEndpointIds: string[];
}

/** Each API's endpoint configuration, read again only once an API Gateway record has changed (Store.generation). */
const endpointConfigs = new RecordCache<EndpointConfig>(SERVICE);

function configOf(store: Store, loc: ApiLocation, apiId: string): EndpointConfig {
  return endpointConfigs.get(store, `${loc.account}/${loc.region}/${apiId}`, () => {
    const api = tables(store).apis.get(loc, apiId);
    return { private: !!api?.endpointConfiguration.types?.includes('PRIVATE'), vpcEndpointIds: api?.endpointConfiguration.vpcEndpointIds ?? [] };
  });
}

export function privateAccess(store: Store, loc: ApiLocation, apiId: string, via: Via | undefined): Access {
  const api = configOf(store, loc, apiId);
  const isPrivate = api.private;
  if (!via) return isPrivate ? { allowed: false } : { allowed: true, private: false };
  if (!isPrivate) return { allowed: false };
  const found = vpcEndpointById(store, via.vpceId);
  const e = found?.endpoint;
  if (!found || !e || e.State !== 'available' || e.VpcEndpointType !== 'Interface' || e.ServiceName !== `com.amazonaws.${found.region}.execute-api` || found.region !== loc.region) {
    return { allowed: false };
  }
  if (via.alias && !api.vpcEndpointIds.includes(via.vpceId)) return { allowed: false };
  return { allowed: true, private: true, sourceVpce: { id: e.VpcEndpointId, vpcId: e.VpcId } };
}
