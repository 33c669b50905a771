// EC2 networking operations: VPCs, subnets, security groups, key pairs, addresses, zones and regions.
import type { Ec2Operations } from '../../generated/ec2.js';
import type { Handlers } from '../define.js';
import { addressHandlers } from './addresses.js';
import { gatewayRouteHandlers } from './gateways-routes.js';
import { keyPairHandlers } from './key-pairs.js';
import { securityGroupHandlers } from './security-groups.js';
import { subnetHandlers } from './subnets.js';
import { vpcHandlers } from './vpcs.js';
import { tagHandlers } from './tags-api.js';
import { zoneHandlers } from './zones.js';
import { networkInterfaceHandlers } from './network-interfaces.js';

export const networkHandlers: Handlers<Ec2Operations> = {
  ...zoneHandlers,
  ...vpcHandlers,
  ...subnetHandlers,
  ...securityGroupHandlers,
  ...keyPairHandlers,
  ...addressHandlers,
  ...gatewayRouteHandlers,
  ...tagHandlers,
  ...networkInterfaceHandlers,
};
