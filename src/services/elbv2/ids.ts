// ELBv2 ARNs and DNS names in AWS's formats.
import { randomBytes } from 'node:crypto';
import { arn } from '../../protocol/ids.js';

export const hex16 = () => randomBytes(8).toString('hex');

const kind = (type: 'application' | 'network') => (type === 'application' ? 'app' : 'net');

export function lbArn(ctx: { account: string; region: string }, type: 'application' | 'network', name: string, id: string): string {
  return arn({ service: 'elasticloadbalancing', region: ctx.region, account: ctx.account, resource: `loadbalancer/${kind(type)}/${name}/${id}` });
}

export function listenerArn(lbArnValue: string): string {
  return lbArnValue.replace(':loadbalancer/', ':listener/') + `/${hex16()}`;
}

export function ruleArn(listenerArnValue: string): string {
  return listenerArnValue.replace(':listener/', ':listener-rule/') + `/${hex16()}`;
}

export function tgArn(ctx: { account: string; region: string }, name: string): string {
  return arn({ service: 'elasticloadbalancing', region: ctx.region, account: ctx.account, resource: `targetgroup/${name}/${hex16()}` });
}

/** The DNS zone load balancers live under: <name>-<digits>.<region>.elb.localhost (also answered under localhost.localstack.cloud). */
export const DNS_SUFFIX = 'elb.localhost';

export function dnsName(name: string, scheme: string, region: string): string {
  const digits = String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999));
  return `${scheme === 'internal' ? 'internal-' : ''}${name}-${digits}.${region}.${DNS_SUFFIX}`;
}

// Route 53 hosted zones of ELB endpoints (ALB/Classic, NLB), from AWS's endpoint table.
const ZONES: Record<string, [string, string]> = {
  'us-east-1': ['Z35SXDOTRQ7X7K', 'Z26RNL4JYFTOTI'],
  'us-east-2': ['Z3AADJGX6KTTL2', 'ZLMOA37VPKANP'],
  'us-west-1': ['Z368ELLRRE2KJ0', 'Z24FKFUX50B4VW'],
  'us-west-2': ['Z1H1FL5HABSF5', 'Z18D5FSROUN65G'],
  'eu-west-1': ['Z32O12XQLNTSW2', 'Z2IFOLAFXWLO4F'],
  'eu-central-1': ['Z215JYRZR1TBD5', 'Z3F0SRJ5LGBH90'],
  'ap-southeast-1': ['Z1LMS91P8CMLE5', 'ZKVM4W9LS7TM'],
  'ap-northeast-1': ['Z14GRHDCWA56QT', 'Z31USIVHYNEOWT'],
};

export function hostedZoneId(region: string, type: 'application' | 'network' | 'classic'): string {
  const z = ZONES[region] ?? ZONES['us-east-1']!;
  return type === 'network' ? z[1] : z[0];
}
