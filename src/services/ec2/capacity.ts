// Capacity EC2 does not have: an Availability Zone under an 'az-outage' fault refuses launches and starts
// with InsufficientInstanceCapacity, naming the zones that still have capacity, as AWS's message does.
import { AwsError } from '../../protocol/errors.js';
import type { Runtime } from '../../server/context.js';
import { availabilityZones } from './regions.js';
import { azDown } from './status-checks.js';

export function zoneHasCapacity(runtime: Pick<Runtime, 'faults'>, region: string, zone: string): boolean {
  return !azDown(runtime, region, zone);
}

export function checkCapacity(ctx: Pick<Runtime, 'faults'> & { region: string }, zone: string, instanceType: string): void {
  if (zoneHasCapacity(ctx, ctx.region, zone)) return;
  const others = availabilityZones(ctx.region)
    .map((z) => z.ZoneName)
    .filter((z) => z !== zone && zoneHasCapacity(ctx, ctx.region, z));
  throw new AwsError(
    'InsufficientInstanceCapacity',
    `We currently do not have sufficient ${instanceType} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. You can currently get ${instanceType} capacity by not specifying an Availability Zone in your request${others.length ? ` or choosing ${others.join(', ')}` : ''}.`,
    { status: 500 },
  );
}
