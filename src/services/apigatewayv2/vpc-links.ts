// VPC links of HTTP APIs: ENIs in the named subnets (with the named security groups) that private
// integrations (ConnectionType VPC_LINK) reach their load balancer listener or Cloud Map service through.
// A new link is PENDING while API Gateway provisions it (two minutes on the clock), then AVAILABLE.
import type { Apigatewayv2Operations, VpcLink } from '../../generated/apigatewayv2.js';
import { mergeTags } from '../../protocol/tags.js';
import { regional, type RequestContext, type Runtime } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { securityGroupsOf, subnetForAttachment } from '../ec2/index.js';
import { badRequest, notFound } from './errors.js';
import { newId } from './ids.js';
import { page } from './lookup.js';
import { SERVICE } from './store.js';

export interface VpcLinkRecord {
  VpcLinkId: string;
  Name: string;
  SubnetIds: string[];
  SecurityGroupIds: string[];
  CreatedDate: number;
  /** virtual epoch ms at which provisioning ends */
  availableAt: number;
  Tags: Record<string, string>;
}

export const PROVISIONING_MS = 120_000;

export const vpcLinks = (store: Store) => store.table<VpcLinkRecord>(SERVICE, 'vpclinks');

function status(now: number, l: VpcLinkRecord): Pick<VpcLink, 'VpcLinkStatus' | 'VpcLinkStatusMessage'> {
  return now < l.availableAt
    ? { VpcLinkStatus: 'PENDING', VpcLinkStatusMessage: 'VPC link is provisioning ENIs' }
    : { VpcLinkStatus: 'AVAILABLE', VpcLinkStatusMessage: 'VPC link is ready to route traffic' };
}

function view(now: number, l: VpcLinkRecord): VpcLink {
  return {
    VpcLinkId: l.VpcLinkId,
    Name: l.Name,
    SubnetIds: l.SubnetIds,
    SecurityGroupIds: l.SecurityGroupIds,
    CreatedDate: new Date(l.CreatedDate),
    Tags: l.Tags,
    VpcLinkVersion: 'V2',
    ...status(now, l),
  };
}

function linkOf(ctx: RequestContext, id: string): VpcLinkRecord {
  const l = vpcLinks(ctx.store).get(regional(ctx), id);
  if (!l) throw notFound(`Unable to find VpcLink with id '${id}'.`, 'VpcLink');
  return l;
}

/** Whether a link exists and is AVAILABLE, for the data plane; a reason when not. */
export function vpcLinkProblem(runtime: Runtime, scope: Scope, id: string | undefined): string | undefined {
  const l = id ? vpcLinks(runtime.store).get(scope, id) : undefined;
  if (!l) return `VPC link ${id ?? ''} does not exist`;
  const s = status(runtime.clock.now(), l);
  return s.VpcLinkStatus === 'AVAILABLE' ? undefined : `VPC link ${id} is ${s.VpcLinkStatus}`;
}

export function vpcLinkExists(ctx: RequestContext, id: string): boolean {
  return vpcLinks(ctx.store).has(regional(ctx), id);
}

/** For tagging by ARN (arn:aws:apigateway:REGION::/vpclinks/ID). */
export function taggedVpcLink(ctx: RequestContext, id: string): { tags: Record<string, string>; save(tags: Record<string, string>): void } | undefined {
  const l = vpcLinks(ctx.store).get(regional(ctx), id);
  return l && { tags: l.Tags, save: (tags) => void vpcLinks(ctx.store).put(regional(ctx), id, { ...l, Tags: tags }) };
}

export const vpcLinkHandlers: Handlers<Apigatewayv2Operations> = {
  CreateVpcLink(ctx, { Name, SubnetIds, SecurityGroupIds, Tags }) {
    if (!SubnetIds.length) throw badRequest('SubnetIds must contain at least one subnet');
    let vpcId: string | undefined;
    try {
      for (const id of SubnetIds) {
        const s = subnetForAttachment(ctx, id);
        if (vpcId && s.VpcId !== vpcId) throw badRequest('All subnets of a VPC link must be in the same VPC');
        vpcId = s.VpcId;
      }
      if (SecurityGroupIds?.length) securityGroupsOf(ctx, vpcId!, SecurityGroupIds);
    } catch (e) {
      // EC2's NotFound errors, reported as API Gateway does
      if ((e as { code?: string }).code === 'BadRequestException') throw e;
      throw badRequest((e as Error).message);
    }
    const now = ctx.clock.now();
    const rec: VpcLinkRecord = {
      VpcLinkId: newId(6),
      Name,
      SubnetIds,
      SecurityGroupIds: SecurityGroupIds ?? [],
      CreatedDate: now,
      availableAt: now + PROVISIONING_MS,
      Tags: mergeTags({}, Tags ?? {}, { code: 'BadRequestException' }),
    };
    vpcLinks(ctx.store).put(regional(ctx), rec.VpcLinkId, rec);
    return view(now, rec);
  },
  GetVpcLink(ctx, { VpcLinkId }) {
    return view(ctx.clock.now(), linkOf(ctx, VpcLinkId));
  },
  GetVpcLinks(ctx, input) {
    const all = vpcLinks(ctx.store).list(regional(ctx)).sort((a, b) => a.CreatedDate - b.CreatedDate || a.VpcLinkId.localeCompare(b.VpcLinkId));
    return page(all.map((l) => view(ctx.clock.now(), l)), (l) => l.VpcLinkId, input);
  },
  UpdateVpcLink(ctx, { VpcLinkId, Name }) {
    const l = linkOf(ctx, VpcLinkId);
    if (Name !== undefined) l.Name = Name;
    vpcLinks(ctx.store).put(regional(ctx), VpcLinkId, l);
    return view(ctx.clock.now(), l);
  },
  DeleteVpcLink(ctx, { VpcLinkId }) {
    linkOf(ctx, VpcLinkId);
    vpcLinks(ctx.store).delete(regional(ctx), VpcLinkId);
    return {};
  },
};
