// VPC links of REST APIs: a link to a Network Load Balancer that private integrations (connectionType
// VPC_LINK, connectionId the link's id) send their requests through. A new link is PENDING while API Gateway
// provisions it (two minutes on the clock), then AVAILABLE — or FAILED when its load balancer is missing or
// not a Network Load Balancer.
import type { ApigatewayOperations, VpcLink } from '../../generated/apigateway.js';
import { parseArn } from '../../protocol/ids.js';
import { regional, type RequestContext, type Runtime } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { badRequest, notFound } from './errors.js';
import { newId } from './ids.js';
import { loadBalancerOf } from '../elbv2/index.js';
import { page } from './lookup.js';
import { applyPatches, scalars } from './patch.js';
import { SERVICE } from './store.js';

export interface VpcLinkRecord {
  id: string;
  name: string;
  description?: string;
  targetArns: string[];
  /** virtual epoch ms at which provisioning ends */
  availableAt: number;
  /** set when provisioning could not succeed */
  failure?: string;
  tags: Record<string, string>;
}

export const PROVISIONING_MS = 120_000;

export const vpcLinks = (store: Store) => store.table<VpcLinkRecord>(SERVICE, 'vpclinks');

export function vpcLinkStatus(now: number, l: VpcLinkRecord): { status: 'PENDING' | 'AVAILABLE' | 'FAILED'; statusMessage: string } {
  if (now < l.availableAt) return { status: 'PENDING', statusMessage: 'VPC link is provisioning ENIs' };
  if (l.failure) return { status: 'FAILED', statusMessage: l.failure };
  return { status: 'AVAILABLE', statusMessage: 'Your vpc link is ready for use' };
}

function view(now: number, l: VpcLinkRecord): VpcLink {
  return {
    id: l.id,
    name: l.name,
    description: l.description,
    targetArns: l.targetArns,
    ...vpcLinkStatus(now, l),
    tags: Object.keys(l.tags).length ? l.tags : undefined,
  };
}

export function vpcLinkOf(ctx: RequestContext, id: string): VpcLinkRecord {
  const l = vpcLinks(ctx.store).get(regional(ctx), id);
  if (!l) throw notFound('Invalid VPC link identifier specified');
  return l;
}

/** The Network Load Balancer an AVAILABLE link reaches, for the data plane; a reason when there is none. */
export function vpcLinkTarget(runtime: Runtime, scope: Scope, id: string): { loadBalancerArn: string } | { error: string } {
  const l = vpcLinks(runtime.store).get(scope, id);
  if (!l) return { error: `Invalid VPC link identifier specified: ${id}` };
  const s = vpcLinkStatus(runtime.clock.now(), l);
  if (s.status !== 'AVAILABLE') return { error: `VPC link ${id} is ${s.status}: ${s.statusMessage}` };
  return { loadBalancerArn: l.targetArns[0]! };
}

export const vpcLinkHandlers: Handlers<ApigatewayOperations> = {
  CreateVpcLink(ctx, { name, description, targetArns, tags }) {
    if (targetArns.length !== 1) throw badRequest('Exactly one target ARN must be specified');
    const arn = parseArn(targetArns[0]!);
    if (!arn || arn.service !== 'elasticloadbalancing' || !arn.resource.startsWith('loadbalancer/')) throw badRequest(`Invalid ARN specified in the request: ${targetArns[0]}`);
    const lb = arn.region === ctx.region && arn.account === ctx.account ? loadBalancerOf(ctx, regional(ctx), targetArns[0]!) : undefined;
    const failure = !lb
      ? `NLB ARN is malformed or the load balancer does not exist: ${targetArns[0]}`
      : lb.type !== 'network'
        ? `The load balancer ${targetArns[0]} is not a Network Load Balancer`
        : undefined;
    const rec: VpcLinkRecord = { id: newId(6), name, description, targetArns, availableAt: ctx.clock.now() + PROVISIONING_MS, failure, tags: tags ?? {} };
    vpcLinks(ctx.store).put(regional(ctx), rec.id, rec);
    return view(ctx.clock.now(), rec);
  },
  GetVpcLink(ctx, { vpcLinkId }) {
    return view(ctx.clock.now(), vpcLinkOf(ctx, vpcLinkId));
  },
  GetVpcLinks(ctx, { position, limit }) {
    const all = vpcLinks(ctx.store).list(regional(ctx)).sort((a, b) => a.availableAt - b.availableAt || a.id.localeCompare(b.id));
    const p = page(all, (l) => l.id, position, limit);
    return { items: p.items.map((l) => view(ctx.clock.now(), l)), position: p.position };
  },
  UpdateVpcLink(ctx, { vpcLinkId, patchOperations }) {
    const l = vpcLinkOf(ctx, vpcLinkId);
    applyPatches(l, patchOperations, scalars(['replace'], 'string', '/name', '/description'));
    if (!l.name) throw badRequest('VPC link name must not be empty');
    vpcLinks(ctx.store).put(regional(ctx), vpcLinkId, l);
    return view(ctx.clock.now(), l);
  },
  DeleteVpcLink(ctx, { vpcLinkId }) {
    vpcLinkOf(ctx, vpcLinkId);
    vpcLinks(ctx.store).delete(regional(ctx), vpcLinkId);
  },
};
