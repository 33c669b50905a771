// AWS's error codes and messages for EC2 networking resources.
import { AwsError } from '../../protocol/errors.js';

export const vpcNotFound = (id: string) => new AwsError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
export const subnetNotFound = (id: string) => new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
export const groupNotFound = (id: string) => new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
export const groupNameNotFound = (name: string, vpcId: string, isDefault: boolean) =>
  new AwsError('InvalidGroup.NotFound', `The security group '${name}' does not exist in ${isDefault ? 'default ' : ''}VPC '${vpcId}'`);
export const keyNotFound = (name: string) => new AwsError('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);
export const allocationNotFound = (id: string) => new AwsError('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`);
export const associationNotFound = (id: string) => new AwsError('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);
export const igwNotFound = (id: string) => new AwsError('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`);
export const routeTableNotFound = (id: string) => new AwsError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
export const instanceNotFound = (id: string) => new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
export const dependency = (message: string) => new AwsError('DependencyViolation', message);
export const invalidParameter = (message: string) => new AwsError('InvalidParameterValue', message);
export const missingParameter = (name: string) => new AwsError('MissingParameter', `The request must contain the parameter ${name}`);

const MALFORMED: Record<string, string> = {
  vpc: 'InvalidVpcID.Malformed',
  subnet: 'InvalidSubnetID.Malformed',
  sg: 'InvalidGroupId.Malformed',
  eipalloc: 'InvalidAllocationID.Malformed',
  igw: 'InvalidInternetGatewayID.Malformed',
  rtb: 'InvalidRouteTableID.Malformed',
  i: 'InvalidInstanceID.Malformed',
  key: 'InvalidKeyPair.Malformed',
  eni: 'InvalidNetworkInterfaceId.Malformed',
};

/** Checks an id's shape: prefix-hex (8 or 17 digits), else the resource's Malformed error. */
export function checkId(prefix: string, id: string): void {
  if (!new RegExp(`^${prefix}-[0-9a-f]{8}([0-9a-f]{9})?$`).test(id)) {
    throw new AwsError(MALFORMED[prefix] ?? 'InvalidID', `Invalid id: "${id}" (expecting "${prefix}-...")`);
  }
}
