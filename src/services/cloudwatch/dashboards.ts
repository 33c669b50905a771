// Dashboards: PutDashboard (the body validated as CloudWatch does: a JSON object with a widgets array of
// known widget types), GetDashboard, ListDashboards, DeleteDashboards. Dashboards are global to the account.
import type { DashboardValidationMessage, ListDashboardsInput, ListDashboardsOutput, PutDashboardInput, PutDashboardOutput } from '../../generated/cloudwatch.js';
import { AwsError } from '../../protocol/errors.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { type TagMap, mergeTags } from '../../protocol/tags.js';
import type { RequestContext } from '../../server/context.js';
import type { Table } from '../../state/db.js';

export interface DashboardRecord {
  DashboardName: string;
  DashboardBody: string;
  LastModified: string;
  tags: TagMap;
}

export const dashboardTable = (ctx: Pick<RequestContext, 'store'>): Table<DashboardRecord> => ctx.store.table<DashboardRecord>('cloudwatch', 'dashboard');
export const dashboardScope = (ctx: { account: string }) => ({ account: ctx.account, region: '' });
const dashboardArn = (ctx: { account: string }, name: string) => arn({ service: 'cloudwatch', region: '', account: ctx.account, resource: `dashboard/${name}` });

const WIDGET_TYPES = ['metric', 'text', 'log', 'alarm', 'explorer', 'custom'];

/** Problems with the body, in CloudWatch's data path / message terms; errors and warnings. */
function validateBody(body: string): { errors: DashboardValidationMessage[]; warnings: DashboardValidationMessage[] } {
  const errors: DashboardValidationMessage[] = [];
  const warnings: DashboardValidationMessage[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    errors.push({ DataPath: '', Message: 'The field DashboardBody must be a valid JSON object' });
    return { errors, warnings };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    errors.push({ DataPath: '', Message: 'Should be object' });
    return { errors, warnings };
  }
  const d = doc as Record<string, unknown>;
  if (!('widgets' in d)) errors.push({ DataPath: '', Message: "Should have required property 'widgets'" });
  else if (!Array.isArray(d.widgets)) errors.push({ DataPath: '/widgets', Message: 'Should be array' });
  else {
    d.widgets.forEach((w: unknown, i: number) => {
      const at = `/widgets/${i}`;
      if (typeof w !== 'object' || w === null || Array.isArray(w)) return errors.push({ DataPath: at, Message: 'Should be object' });
      const wd = w as Record<string, unknown>;
      if (!('type' in wd)) errors.push({ DataPath: at, Message: "Should have required property 'type'" });
      else if (!WIDGET_TYPES.includes(String(wd.type))) errors.push({ DataPath: `${at}/type`, Message: `Should be equal to one of the allowed values: ${WIDGET_TYPES.join(', ')}` });
      for (const k of ['x', 'y', 'width', 'height']) {
        if (k in wd && (typeof wd[k] !== 'number' || !Number.isInteger(wd[k]))) errors.push({ DataPath: `${at}/${k}`, Message: 'Should be integer' });
      }
      if (typeof wd.width === 'number' && (wd.width < 1 || wd.width > 24)) errors.push({ DataPath: `${at}/width`, Message: wd.width < 1 ? 'Should be >= 1' : 'Should be <= 24' });
      if (typeof wd.height === 'number' && (wd.height < 1 || wd.height > 1000)) errors.push({ DataPath: `${at}/height`, Message: wd.height < 1 ? 'Should be >= 1' : 'Should be <= 1000' });
      const p = wd.properties;
      if (wd.type === 'text') {
        if (typeof p !== 'object' || p === null) errors.push({ DataPath: at, Message: "Should have required property 'properties'" });
        else if (typeof (p as Record<string, unknown>).markdown !== 'string') errors.push({ DataPath: `${at}/properties`, Message: "Should have required property 'markdown'" });
      } else if (wd.type === 'metric') {
        if (typeof p !== 'object' || p === null) errors.push({ DataPath: at, Message: "Should have required property 'properties'" });
        else {
          const props = p as Record<string, unknown>;
          if (!('metrics' in props) && !('annotations' in props)) errors.push({ DataPath: `${at}/properties`, Message: 'Should match some schema in anyOf' });
          if ('metrics' in props && !Array.isArray(props.metrics)) errors.push({ DataPath: `${at}/properties/metrics`, Message: 'Should be array' });
          if (!('region' in props)) errors.push({ DataPath: `${at}/properties`, Message: "Should have required property 'region'" });
        }
      } else if (wd.type === 'alarm') {
        if (typeof p !== 'object' || p === null || !Array.isArray((p as Record<string, unknown>).alarms)) errors.push({ DataPath: `${at}/properties`, Message: "Should have required property 'alarms'" });
      }
    });
  }
  return { errors, warnings };
}

export function putDashboard(ctx: RequestContext, input: PutDashboardInput): PutDashboardOutput {
  const { errors, warnings } = validateBody(input.DashboardBody);
  if (errors.length) {
    throw new AwsError('InvalidParameterInput', 'The dashboard body is invalid, there are ' + errors.length + ' validation errors: ' + JSON.stringify(errors.map((e) => ({ dataPath: e.DataPath, message: e.Message }))), {
      status: 400,
      fields: { dashboardValidationMessages: errors },
    });
  }
  const table = dashboardTable(ctx);
  const existing = table.get(dashboardScope(ctx), input.DashboardName);
  table.put(dashboardScope(ctx), input.DashboardName, {
    DashboardName: input.DashboardName,
    DashboardBody: input.DashboardBody,
    LastModified: new Date(ctx.clock.now()).toISOString(),
    tags: mergeTags(existing?.tags ?? {}, input.Tags ?? [], { code: 'InvalidParameterValue' }),
  });
  return { DashboardValidationMessages: warnings };
}

export function getDashboard(ctx: RequestContext, name: string) {
  const d = dashboardTable(ctx).get(dashboardScope(ctx), name);
  if (!d) throw new AwsError('ResourceNotFound', `Dashboard ${name} does not exist`, { status: 404 });
  return { DashboardArn: dashboardArn(ctx, name), DashboardBody: d.DashboardBody, DashboardName: name };
}

export function listDashboards(ctx: RequestContext, input: ListDashboardsInput): ListDashboardsOutput {
  const list = dashboardTable(ctx)
    .list(dashboardScope(ctx))
    .filter((d) => !input.DashboardNamePrefix || d.DashboardName.startsWith(input.DashboardNamePrefix))
    .sort((a, b) => (a.DashboardName < b.DashboardName ? -1 : 1));
  const page = paginate(list, (d) => d.DashboardName, { token: input.NextToken, defaultMax: 1000, invalidTokenCode: 'InvalidNextToken' });
  return {
    DashboardEntries: page.items.map((d) => ({
      DashboardName: d.DashboardName,
      DashboardArn: dashboardArn(ctx, d.DashboardName),
      LastModified: new Date(d.LastModified),
      Size: Buffer.byteLength(d.DashboardBody, 'utf8'),
    })),
    NextToken: page.next,
  };
}

export function deleteDashboards(ctx: RequestContext, names: string[]): Record<string, never> {
  const table = dashboardTable(ctx);
  const missing = names.filter((n) => !table.has(dashboardScope(ctx), n));
  if (missing.length) throw new AwsError('ResourceNotFound', `Dashboard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist`, { status: 404 });
  for (const n of names) table.delete(dashboardScope(ctx), n);
  return {};
}
