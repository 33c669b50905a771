// Launch templates: the records (a template and its numbered versions), version resolution ($Latest,
// $Default, numbers) with AWS's errors, and how a template's data becomes RunInstances parameters.
import type { RequestLaunchTemplateData, ResponseLaunchTemplateData, RunInstancesRequest } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { TagMap } from '../../protocol/tags.js';
import { regional } from '../../server/context.js';
import { SERVICE } from './instances.js';
import type { Ec2Ctx } from './network.js';

export interface LaunchTemplateRecord {
  LaunchTemplateId: string;
  LaunchTemplateName: string;
  CreateTime: string;
  CreatedBy: string;
  DefaultVersionNumber: number;
  LatestVersionNumber: number;
  Tags: TagMap;
}

export interface LaunchTemplateVersionRecord {
  LaunchTemplateId: string;
  VersionNumber: number;
  VersionDescription?: string;
  CreateTime: string;
  CreatedBy: string;
  LaunchTemplateData: ResponseLaunchTemplateData;
}

export function templateTable(ctx: { store: Ec2Ctx['store'] }) {
  return ctx.store.table<LaunchTemplateRecord>(SERVICE, 'launch-template');
}

export function versionTable(ctx: { store: Ec2Ctx['store'] }) {
  return ctx.store.table<LaunchTemplateVersionRecord>(SERVICE, 'launch-template-version');
}

export const versionKey = (id: string, n: number) => `${id}/${n}`;

export function versionsOf(ctx: Ec2Ctx, id: string): LaunchTemplateVersionRecord[] {
  return versionTable(ctx)
    .list(regional(ctx))
    .filter((v) => v.LaunchTemplateId === id)
    .sort((a, b) => a.VersionNumber - b.VersionNumber);
}

const TEMPLATE_ID = /^lt-[0-9a-f]{17}$/;

export function templateIdNotFound(id: string): AwsError {
  return new AwsError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
}

export function templateNameNotFound(name: string): AwsError {
  return new AwsError('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${name}, does not exist.`);
}

export function checkTemplateId(id: string): void {
  if (!TEMPLATE_ID.test(id)) {
    throw new AwsError('InvalidLaunchTemplateId.Malformed', `The specified ID for the launch template (${id}) is not valid. Launch template IDs must be in the form lt-xxxxxxxxxxxxxxxxx.`);
  }
}

export function templateByName(ctx: Ec2Ctx, name: string): LaunchTemplateRecord | undefined {
  return templateTable(ctx)
    .list(regional(ctx))
    .find((t) => t.LaunchTemplateName === name);
}

/** The template named by id or name (exactly one of them), with AWS's errors. */
export function findTemplate(ctx: Ec2Ctx, ref: { LaunchTemplateId?: string; LaunchTemplateName?: string }): LaunchTemplateRecord {
  if (ref.LaunchTemplateId && ref.LaunchTemplateName) {
    throw new AwsError('InvalidParameterCombination', 'Only one of launchTemplateId or launchTemplateName can be specified.');
  }
  if (ref.LaunchTemplateId) {
    checkTemplateId(ref.LaunchTemplateId);
    const t = templateTable(ctx).get(regional(ctx), ref.LaunchTemplateId);
    if (!t) throw templateIdNotFound(ref.LaunchTemplateId);
    return t;
  }
  if (ref.LaunchTemplateName) {
    const t = templateByName(ctx, ref.LaunchTemplateName);
    if (!t) throw templateNameNotFound(ref.LaunchTemplateName);
    return t;
  }
  throw new AwsError('MissingParameter', 'The request must contain the parameter launchTemplateName or launchTemplateId');
}

export function versionNotFound(t: LaunchTemplateRecord, version: string | number): AwsError {
  return new AwsError('InvalidLaunchTemplateId.VersionNotFound', `Could not find the specified version ${version} for the launch template with ID ${t.LaunchTemplateId}.`);
}

/** A version by number, '$Latest' or '$Default' (undefined: the default). */
export function findVersion(ctx: Ec2Ctx, t: LaunchTemplateRecord, version: string | undefined): LaunchTemplateVersionRecord {
  const n = version === undefined || version === '$Default' ? t.DefaultVersionNumber : version === '$Latest' ? t.LatestVersionNumber : /^\d+$/.test(version) ? Number(version) : NaN;
  if (Number.isNaN(n)) {
    throw new AwsError('InvalidLaunchTemplateId.VersionNotFound', `Could not find the specified version ${version} for the launch template with ID ${t.LaunchTemplateId}.`);
  }
  const v = versionTable(ctx).get(regional(ctx), versionKey(t.LaunchTemplateId, n));
  if (!v) throw versionNotFound(t, version ?? n);
  return v;
}

/** Request data as the template stores it (the response shape differs from the request only in names EC2 keeps). */
export function storedData(data: RequestLaunchTemplateData): ResponseLaunchTemplateData {
  const out = structuredClone(data) as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out as ResponseLaunchTemplateData;
}

/** A template's data as RunInstances parameters, with the call's own parameters winning (tags merged by key). */
export function mergeIntoRunInstances(data: ResponseLaunchTemplateData, input: RunInstancesRequest): RunInstancesRequest {
  const fromTemplate = structuredClone(data) as Record<string, unknown>;
  const merged = { ...fromTemplate } as Record<string, unknown>;
  for (const [k, v] of Object.entries(input)) if (v !== undefined && k !== 'TagSpecifications') merged[k] = v;
  // security groups named by the call replace the template's interface groups
  if ((input.SecurityGroupIds?.length || input.SecurityGroups?.length) && Array.isArray(merged.NetworkInterfaces) && !input.NetworkInterfaces) {
    merged.NetworkInterfaces = (merged.NetworkInterfaces as Record<string, unknown>[]).map(({ Groups: _g, ...rest }) => rest);
  }
  const specs = new Map<string, Map<string, string>>();
  for (const s of [...(data.TagSpecifications ?? []), ...(input.TagSpecifications ?? [])]) {
    const type = s.ResourceType ?? 'instance';
    const m = specs.get(type) ?? new Map<string, string>();
    for (const t of s.Tags ?? []) m.set(t.Key ?? '', t.Value ?? '');
    specs.set(type, m);
  }
  merged.TagSpecifications = [...specs].map(([ResourceType, m]) => ({ ResourceType, Tags: [...m].map(([Key, Value]) => ({ Key, Value })) }));
  delete merged.LaunchTemplate;
  return merged as unknown as RunInstancesRequest;
}
