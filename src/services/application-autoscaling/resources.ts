// The resources a scalable target names, per namespace: what a valid ResourceId looks like, and how its
// capacity is read and set. custom-resource calls the HTTP endpoint of the ResourceId as AWS does (GET for
// the capacity, PATCH {"desiredCapacity": n}); Lambda's provisioned concurrency is set through Lambda
// (setProvisionedConcurrency); namespaces whose service Cumulus lacks keep the capacity in the target's record.
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { setProvisionedConcurrency } from '../lambda/index.js';
import type { Dimension, Namespace, TargetRecord } from './store.js';

const validation = (m: string) => new AwsError('ValidationException', m);

/** The ResourceId shapes AWS accepts, per namespace. */
const SHAPES: Partial<Record<Namespace, RegExp>> = {
  ecs: /^service\/[^/]+\/[^/]+$/,
  lambda: /^function:[A-Za-z0-9_-]+:[A-Za-z0-9_$.-]+$/,
  dynamodb: /^table\/[^/]+(\/index\/[^/]+)?$/,
  'custom-resource': /^https?:\/\/\S+$/,
  rds: /^cluster:\S+$/,
  'ec2': /^spot-fleet-request\/sfr-[0-9a-f-]+$/,
  sagemaker: /^(endpoint\/[^/]+\/variant\/[^/]+|inference-component\/[^/]+)$/,
  elasticache: /^(replication-group|cache-cluster)\/\S+$/,
};

export function checkResource(ns: Namespace, resourceId: string, dim: Dimension): void {
  if (!dim.startsWith(`${ns}:`)) throw validation(`Unsupported scalable dimension: '${dim}' for service namespace: '${ns}'`);
  const shape = SHAPES[ns];
  if (shape && !shape.test(resourceId)) throw validation(`Unsupported resource ID '${resourceId}' for service namespace: '${ns}'`);
  if (ns === 'lambda' && /:\$LATEST$/.test(resourceId)) throw validation('Provisioned concurrency cannot be configured on $LATEST.');
}

/** The URL to call for a custom resource: API Gateway's execute-api hosts are served by this Cumulus. */
function endpointOf(rt: Pick<Runtime, 'config'>, resourceId: string): { url: string; headers: Record<string, string> } {
  const u = new URL(resourceId);
  if (/\.execute-api\.[a-z0-9-]+\.amazonaws\.com$/.test(u.hostname)) {
    return { url: `http://127.0.0.1:${rt.config.port}${u.pathname}${u.search}`, headers: { host: u.host } };
  }
  return { url: resourceId, headers: {} };
}

/** The capacity now: the custom resource's answer, else the record's. */
export async function readCapacity(rt: Pick<Runtime, 'config'>, t: TargetRecord): Promise<number> {
  if (t.ServiceNamespace === 'custom-resource') {
    const { url, headers } = endpointOf(rt, t.ResourceId);
    const res = await fetch(url, { headers });
    if (!res.ok) throw new Error(`GET ${t.ResourceId}: HTTP ${res.status}`);
    const body = (await res.json()) as { actualCapacity?: number; desiredCapacity?: number };
    return Number(body.actualCapacity ?? body.desiredCapacity ?? 0);
  }
  return t.capacity ?? t.MinCapacity;
}

/** Sets the capacity (the record's, the custom resource's through PATCH, or the Lambda alias's or version's). */
export async function writeCapacity(rt: Runtime, scope: Scope, t: TargetRecord, n: number): Promise<void> {
  if (t.ServiceNamespace === 'lambda' && t.ScalableDimension === 'lambda:function:ProvisionedConcurrency') {
    const [, fn, qualifier] = t.ResourceId.split(':');
    await setProvisionedConcurrency(rt, scope, fn!, qualifier!, n);
    return;
  }
  if (t.ServiceNamespace === 'custom-resource') {
    const { url, headers } = endpointOf(rt, t.ResourceId);
    const res = await fetch(url, { method: 'PATCH', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ desiredCapacity: n }) });
    if (!res.ok) throw new Error(`PATCH ${t.ResourceId}: HTTP ${res.status}`);
  }
}

/** AWS's word for the capacity of a dimension, in activity descriptions. */
export function capacityWord(dim: Dimension): string {
  if (dim === 'lambda:function:ProvisionedConcurrency') return 'provisioned concurrency';
  if (dim === 'ecs:service:DesiredCount') return 'desired count';
  return 'desired capacity';
}
