// Metric filters as resources: PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter, TestMetricFilter.
// Their effect on ingestion lives in metric-publish.ts.
import type {
  DescribeMetricFiltersRequest,
  DescribeMetricFiltersResponse,
  MetricTransformation,
  PutMetricFilterRequest,
  TestMetricFilterResponse,
} from '../../generated/logs.js';
import { AwsError } from '../../protocol/errors.js';
import { paginate } from '../../protocol/pagination.js';
import { type RequestContext, regional } from '../../server/context.js';
import { compileFilterPattern } from './filter-pattern.js';
import { filterKey, metricFiltersTable, requireGroup } from './store.js';

/** Metric filters per log group (a hard quota on AWS). */
export const MAX_FILTERS_PER_GROUP = 100;

function checkTransformation(t: MetricTransformation): void {
  const value = t.metricValue.trim();
  if (!/^\$/.test(value) && !Number.isFinite(Number(value))) {
    throw new AwsError('InvalidParameterException', `Invalid metric value: ${t.metricValue}. It must be a number or a field reference such as $.field or $field.`);
  }
  const dims = Object.entries(t.dimensions ?? {});
  if (dims.length > 3) throw new AwsError('InvalidParameterException', 'A metric transformation can have at most 3 dimensions.');
  if (dims.length && t.defaultValue !== undefined && t.defaultValue !== null) {
    throw new AwsError('InvalidParameterException', 'Metric transformations with dimensions cannot have a default value.');
  }
  for (const [name, v] of dims) {
    if (!v.startsWith('$')) throw new AwsError('InvalidParameterException', `Invalid dimension value for ${name}: dimension values must be field references.`);
  }
}

export function putMetricFilter(ctx: RequestContext, input: PutMetricFilterRequest): void {
  const scope = regional(ctx);
  requireGroup(ctx.store, scope, input.logGroupName);
  compileFilterPattern(input.filterPattern);
  if (input.metricTransformations.length !== 1) {
    throw new AwsError('InvalidParameterException', 'Exactly one metric transformation is allowed.');
  }
  for (const t of input.metricTransformations) checkTransformation(t);
  const table = metricFiltersTable(ctx.store);
  const key = filterKey(input.logGroupName, input.filterName);
  if (!table.has(scope, key)) {
    const count = table.list(scope).filter((f) => f.logGroupName === input.logGroupName).length;
    if (count >= MAX_FILTERS_PER_GROUP) throw new AwsError('LimitExceededException', 'Resource limit exceeded.');
  }
  table.put(scope, key, {
    logGroupName: input.logGroupName,
    filterName: input.filterName,
    filterPattern: input.filterPattern,
    metricTransformations: input.metricTransformations,
    creationTime: ctx.clock.now(),
    applyOnTransformedLogs: input.applyOnTransformedLogs,
  });
}

export function describeMetricFilters(ctx: RequestContext, input: DescribeMetricFiltersRequest): DescribeMetricFiltersResponse {
  if (input.filterNamePrefix !== undefined && input.logGroupName === undefined) {
    throw new AwsError('InvalidParameterException', 'If you specify filterNamePrefix, you must also specify logGroupName.');
  }
  if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
    throw new AwsError('InvalidParameterException', 'metricName and metricNamespace must be specified together.');
  }
  const scope = regional(ctx);
  if (input.logGroupName !== undefined) requireGroup(ctx.store, scope, input.logGroupName);
  const filters = metricFiltersTable(ctx.store)
    .list(scope)
    .filter(
      (f) =>
        (input.logGroupName === undefined || f.logGroupName === input.logGroupName) &&
        (input.filterNamePrefix === undefined || f.filterName.startsWith(input.filterNamePrefix)) &&
        (input.metricName === undefined ||
          f.metricTransformations.some((t) => t.metricName === input.metricName && t.metricNamespace === input.metricNamespace)),
    )
    .sort((a, b) => (a.logGroupName + ':' + a.filterName < b.logGroupName + ':' + b.filterName ? -1 : 1));
  const page = paginate(filters, (f) => filterKey(f.logGroupName, f.filterName), { token: input.nextToken, max: input.limit, defaultMax: 50 });
  return {
    metricFilters: page.items.map((f) => ({
      filterName: f.filterName,
      filterPattern: f.filterPattern,
      metricTransformations: f.metricTransformations,
      creationTime: f.creationTime,
      logGroupName: f.logGroupName,
      applyOnTransformedLogs: f.applyOnTransformedLogs ?? false,
    })),
    nextToken: page.next,
  };
}

export function deleteMetricFilter(ctx: RequestContext, group: string, filterName: string): void {
  const scope = regional(ctx);
  requireGroup(ctx.store, scope, group);
  if (!metricFiltersTable(ctx.store).delete(scope, filterKey(group, filterName))) {
    throw new AwsError('ResourceNotFoundException', 'The specified metric filter does not exist.');
  }
}

export function testMetricFilter(filterPattern: string, messages: string[]): TestMetricFilterResponse {
  const pattern = compileFilterPattern(filterPattern);
  const matches: NonNullable<TestMetricFilterResponse['matches']> = [];
  messages.forEach((message, i) => {
    const m = pattern.match(message);
    if (m) matches.push({ eventNumber: i + 1, eventMessage: message, extractedValues: { ...m.extracted } });
  });
  return { matches };
}
