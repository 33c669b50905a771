// EC2 networking records. Regional: every record is scoped by account and region.
import type { TagMap } from '../../protocol/tags.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Scope, Table } from '../../state/db.js';

export const SERVICE = 'ec2';

/** The slice of a request context the networking module needs (instances call it with the same). */
export type Ec2Ctx = Pick<RequestContext, 'account' | 'region' | 'store' | 'clock' | 'config'>;

export interface VpcRecord {
  VpcId: string;
  CidrBlock: string;
  CidrAssociationId: string;
  IsDefault: boolean;
  InstanceTenancy: 'default' | 'dedicated' | 'host';
  DhcpOptionsId: string;
  EnableDnsSupport: boolean;
  EnableDnsHostnames: boolean;
  Tags: TagMap;
}

export interface SubnetRecord {
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  AvailabilityZoneId: string;
  CidrBlock: string;
  MapPublicIpOnLaunch: boolean;
  DefaultForAz: boolean;
  /** offset of the next address to try */
  Cursor: number;
  /** addresses in use */
  Used: number;
  Tags: TagMap;
}

export interface RuleRecord {
  SecurityGroupRuleId: string;
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIpv4?: string;
  CidrIpv6?: string;
  ReferencedGroupId?: string;
  PrefixListId?: string;
  Description?: string;
}

export interface GroupRecord {
  GroupId: string;
  GroupName: string;
  Description: string;
  VpcId: string;
  Ingress: RuleRecord[];
  Egress: RuleRecord[];
  Tags: TagMap;
}

export interface KeyPairRecord {
  KeyName: string;
  KeyPairId: string;
  KeyFingerprint: string;
  KeyType: 'rsa' | 'ed25519';
  /** OpenSSH one-line public key */
  PublicKey: string;
  CreateTime: string;
  Tags: TagMap;
}

export interface AddressRecord {
  AllocationId: string;
  PublicIp: string;
  Domain: 'vpc' | 'standard';
  NetworkBorderGroup: string;
  InstanceId?: string;
  AssociationId?: string;
  NetworkInterfaceId?: string;
  PrivateIpAddress?: string;
  Tags: TagMap;
}

export interface IgwRecord {
  InternetGatewayId: string;
  Attachments: { VpcId: string; State: 'attached' }[];
  Tags: TagMap;
}

export interface RouteRecord {
  DestinationCidrBlock: string;
  GatewayId?: string;
  InstanceId?: string;
  NetworkInterfaceId?: string;
  NatGatewayId?: string;
  Origin: 'CreateRouteTable' | 'CreateRoute';
  State: 'active' | 'blackhole';
}

export interface RouteTableRecord {
  RouteTableId: string;
  VpcId: string;
  Routes: RouteRecord[];
  Associations: { RouteTableAssociationId: string; Main: boolean; SubnetId?: string; GatewayId?: string }[];
  Tags: TagMap;
}

export interface MetaRecord {
  defaultVpcCreated: boolean;
}

/** A private address in use: id `${subnetId}|${ip}`. */
export interface PrivateIpRecord {
  owner?: string;
}

export interface NetTables {
  vpcs: Table<VpcRecord>;
  subnets: Table<SubnetRecord>;
  groups: Table<GroupRecord>;
  keys: Table<KeyPairRecord>;
  addresses: Table<AddressRecord>;
  igws: Table<IgwRecord>;
  routeTables: Table<RouteTableRecord>;
  privateIps: Table<PrivateIpRecord>;
  publicIps: Table<{ ip: string }>;
  meta: Table<MetaRecord>;
}

export function tables(ctx: Ec2Ctx): NetTables {
  const s = ctx.store;
  return {
    vpcs: s.table<VpcRecord>(SERVICE, 'vpc'),
    subnets: s.table<SubnetRecord>(SERVICE, 'subnet'),
    groups: s.table<GroupRecord>(SERVICE, 'security-group'),
    keys: s.table<KeyPairRecord>(SERVICE, 'key-pair'),
    addresses: s.table<AddressRecord>(SERVICE, 'address'),
    igws: s.table<IgwRecord>(SERVICE, 'internet-gateway'),
    routeTables: s.table<RouteTableRecord>(SERVICE, 'route-table'),
    privateIps: s.table<PrivateIpRecord>(SERVICE, 'private-ip'),
    publicIps: s.table<{ ip: string }>(SERVICE, 'public-ip'),
    meta: s.table<MetaRecord>(SERVICE, 'network-meta'),
  };
}

export function scope(ctx: Ec2Ctx): Scope {
  return regional(ctx);
}
