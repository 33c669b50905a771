// ELBv2 records: load balancers, listeners, rules and target groups (with their registered targets),
// scoped per account and region. Health is not stored: it is what the health checker last saw (health.ts).
import type { Action, RuleCondition } from '../../generated/elbv2.js';
import type { TagMap } from '../../protocol/tags.js';
import { regional } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';

export const SERVICE = 'elbv2';

export type LbType = 'application' | 'network';
export type Protocol = 'HTTP' | 'HTTPS' | 'TCP' | 'TLS' | 'UDP' | 'TCP_UDP';

export interface LoadBalancerRecord {
  LoadBalancerArn: string;
  LoadBalancerName: string;
  /** the 16 hex digits at the end of the ARN */
  Id: string;
  Type: LbType;
  Scheme: 'internet-facing' | 'internal';
  IpAddressType: 'ipv4' | 'dualstack' | 'dualstack-without-public-ipv4';
  VpcId: string;
  Zones: { ZoneName: string; SubnetId: string; AllocationId?: string; PrivateIPv4Address?: string }[];
  SecurityGroups: string[];
  DNSName: string;
  CreatedTime: string;
  /** virtual epoch ms at which provisioning ends */
  ActiveAt: number;
  Attributes: Record<string, string>;
  Tags: TagMap;
}

export interface ListenerRecord {
  ListenerArn: string;
  LoadBalancerArn: string;
  Port: number;
  Protocol: Protocol;
  SslPolicy?: string;
  Certificates: { CertificateArn: string }[];
  DefaultActions: Action[];
  AlpnPolicy?: string[];
  Attributes: Record<string, string>;
  Tags: TagMap;
}

export interface RuleRecord {
  RuleArn: string;
  ListenerArn: string;
  Priority: number;
  Conditions: RuleCondition[];
  Actions: Action[];
  Tags: TagMap;
}

export interface HealthCheck {
  Enabled: boolean;
  Protocol: Protocol;
  /** 'traffic-port' or a number */
  Port: string;
  Path?: string;
  IntervalSeconds: number;
  TimeoutSeconds: number;
  HealthyThreshold: number;
  UnhealthyThreshold: number;
  Matcher?: { HttpCode?: string; GrpcCode?: string };
}

export interface RegisteredTarget {
  Id: string;
  Port?: number;
  AvailabilityZone?: string;
  /** virtual epoch ms */
  RegisteredAt: number;
}

export interface TargetGroupRecord {
  TargetGroupArn: string;
  TargetGroupName: string;
  TargetType: 'instance' | 'ip' | 'lambda' | 'alb';
  Protocol?: Protocol;
  ProtocolVersion?: string;
  Port?: number;
  VpcId?: string;
  IpAddressType?: 'ipv4' | 'ipv6';
  HealthCheck: HealthCheck;
  Attributes: Record<string, string>;
  Targets: RegisteredTarget[];
  Tags: TagMap;
}

export function tables(ctx: { store: Store }) {
  return {
    lbs: ctx.store.table<LoadBalancerRecord>(SERVICE, 'load-balancer'),
    listeners: ctx.store.table<ListenerRecord>(SERVICE, 'listener'),
    rules: ctx.store.table<RuleRecord>(SERVICE, 'rule'),
    tgs: ctx.store.table<TargetGroupRecord>(SERVICE, 'target-group'),
  };
}

export type ElbCtx = { store: Store; account: string; region: string };

export const scopeOf = (ctx: { account: string; region: string }): Scope => regional(ctx);

/** The key of a registration: the same instance may be registered on several ports. */
export const targetKey = (t: { Id: string; Port?: number }) => `${t.Id}:${t.Port ?? ''}`;
