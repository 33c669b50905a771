// Tags on any ELBv2 resource, the SSL policies and the account's limits.
import type { Elbv2Operations } from '../../generated/elbv2.js';
import { AwsError } from '../../protocol/errors.js';
import { mergeTags, removeTags, tagList, type TagMap } from '../../protocol/tags.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { lbNotFound, listenerNotFound, ruleNotFound, tgNotFound, validation } from './errors.js';
import { pageOf } from './lookup.js';
import { sslPolicies } from './ssl-policies.js';
import { scopeOf, tables } from './store.js';

type Tagged = { Tags: TagMap };

/** The record behind an ARN, and how to save it back. */
function resource(ctx: RequestContext, arn: string): { tags: TagMap; save: (tags: TagMap) => void } {
  const t = tables(ctx);
  const sc = scopeOf(ctx);
  const kinds: [RegExp, { get(s: typeof sc, id: string): Tagged | undefined; put(s: typeof sc, id: string, v: never): void }, () => AwsError][] = [
    [/:loadbalancer\//, t.lbs as never, lbNotFound],
    [/:targetgroup\//, t.tgs as never, tgNotFound],
    [/:listener\//, t.listeners as never, listenerNotFound],
    [/:listener-rule\//, t.rules as never, ruleNotFound],
  ];
  for (const [re, table, notFound] of kinds) {
    if (!re.test(arn)) continue;
    const rec = table.get(sc, arn);
    if (!rec) throw notFound();
    return { tags: rec.Tags, save: (tags) => table.put(sc, arn, { ...rec, Tags: tags } as never) };
  }
  throw validation(`'${arn}' is not a valid load balancer, target group, listener or rule ARN`);
}

const LIMITS: [string, string][] = [
  ['application-load-balancers', '50'],
  ['condition-values-per-alb-rule', '5'],
  ['condition-wildcards-per-alb-rule', '5'],
  ['gateway-load-balancers', '100'],
  ['listeners-per-application-load-balancer', '50'],
  ['listeners-per-network-load-balancer', '50'],
  ['network-load-balancers', '50'],
  ['rules-per-application-load-balancer', '100'],
  ['target-groups', '3000'],
  ['target-groups-per-action-on-application-load-balancer', '5'],
  ['target-groups-per-action-on-network-load-balancer', '1'],
  ['target-groups-per-application-load-balancer', '100'],
  ['targets-per-application-load-balancer', '1000'],
  ['targets-per-availability-zone-per-network-load-balancer', '500'],
  ['targets-per-network-load-balancer', '3000'],
  ['certificates-per-application-load-balancer', '25'],
  ['certificates-per-network-load-balancer', '25'],
];

export const miscHandlers: Handlers<Elbv2Operations> = {
  AddTags(ctx, input) {
    const targets = input.ResourceArns.map((arn) => resource(ctx, arn));
    for (const r of targets) r.save(mergeTags(r.tags, input.Tags, { code: 'ValidationError', limitCode: 'TooManyTags' }));
    return {};
  },

  RemoveTags(ctx, input) {
    const targets = input.ResourceArns.map((arn) => resource(ctx, arn));
    for (const r of targets) r.save(removeTags(r.tags, input.TagKeys));
    return {};
  },

  DescribeTags(ctx, input) {
    if (input.ResourceArns.length > 20) throw validation('You can specify at most 20 resource ARNs');
    return { TagDescriptions: input.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: tagList(resource(ctx, arn).tags) })) };
  },

  DescribeSSLPolicies(_ctx, input) {
    let all = sslPolicies();
    if (input.LoadBalancerType) all = all.filter((p) => p.SupportedLoadBalancerTypes!.includes(input.LoadBalancerType!));
    if (input.Names?.length) {
      const missing = input.Names.filter((n) => !all.some((p) => p.Name === n));
      if (missing.length) throw new AwsError('SSLPolicyNotFound', `SSL policy '${missing[0]}' not found`);
      all = all.filter((p) => input.Names!.includes(p.Name!));
    }
    const page = pageOf(all, (p) => p.Name!, input.Marker, input.PageSize);
    return { SslPolicies: page.items, NextMarker: page.NextMarker };
  },

  DescribeAccountLimits(_ctx, input) {
    const page = pageOf(LIMITS.map(([Name, Max]) => ({ Name, Max })), (l) => l.Name, input.Marker, input.PageSize);
    return { Limits: page.items, NextMarker: page.NextMarker };
  },
};
