// Classic Load Balancer records (regional), keyed by name.
import type { TagMap } from '../../protocol/tags.js';
import type { Store } from '../../state/db.js';

export interface ClassicListener {
  Protocol: 'HTTP' | 'HTTPS' | 'TCP' | 'SSL';
  LoadBalancerPort: number;
  InstanceProtocol: 'HTTP' | 'HTTPS' | 'TCP' | 'SSL';
  InstancePort: number;
  SSLCertificateId?: string;
}

export interface ClassicHealthCheck {
  Target: string;
  Interval: number;
  Timeout: number;
  UnhealthyThreshold: number;
  HealthyThreshold: number;
}

export interface ClassicRecord {
  LoadBalancerName: string;
  DNSName: string;
  Scheme: 'internet-facing' | 'internal';
  VpcId: string;
  Subnets: string[];
  AvailabilityZones: string[];
  SecurityGroups: string[];
  CreatedTime: string;
  Listeners: ClassicListener[];
  Instances: string[];
  HealthCheck: ClassicHealthCheck;
  CrossZone: boolean;
  Draining: { Enabled: boolean; Timeout: number };
  IdleTimeout: number;
  AccessLog: { Enabled: boolean; S3BucketName?: string; EmitInterval?: number; S3BucketPrefix?: string };
  Tags: TagMap;
}

export const classicTable = (ctx: { store: Store }) => ctx.store.table<ClassicRecord>('elb', 'load-balancer');

/** The key Classic health and in-flight counts are kept under in the shared engine. */
export const classicKey = (scope: { account: string; region: string }, name: string) => `classic:${scope.account}:${scope.region}:${name}`;
