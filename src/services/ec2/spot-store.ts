// Spot instance requests: the records behind RequestSpotInstances and RunInstances' spot market options,
// and the status transitions EC2 shows for them (open → active → closed/disabled/cancelled).
import type { LaunchSpecification } from '../../generated/ec2.js';
import type { TagMap } from '../../protocol/tags.js';
import type { Scope } from '../../state/db.js';
import { SERVICE } from './instances.js';
import type { Ec2Ctx } from './network.js';

export type SpotState = 'open' | 'active' | 'closed' | 'cancelled' | 'failed' | 'disabled';

export interface SpotRequestRecord {
  SpotInstanceRequestId: string;
  SpotPrice: string;
  Type: 'one-time' | 'persistent';
  State: SpotState;
  StatusCode: string;
  StatusMessage: string;
  StatusUpdateTime: string;
  CreateTime: string;
  InstanceInterruptionBehavior: 'hibernate' | 'stop' | 'terminate';
  InstanceId?: string;
  LaunchedAvailabilityZone?: string;
  LaunchSpecification: LaunchSpecification;
  ValidUntil?: string;
  Tags: TagMap;
}

export function spotTable(ctx: { store: Ec2Ctx['store'] }) {
  return ctx.store.table<SpotRequestRecord>(SERVICE, 'spot-request');
}

/** AWS's status messages for the codes Cumulus uses. */
export const SPOT_STATUS: Record<string, string> = {
  'pending-evaluation': 'Your Spot request has been submitted for review, and is pending evaluation.',
  fulfilled: 'Your spot request is fulfilled.',
  'request-canceled-and-instance-running': 'Spot Instance termination request is pending.',
  'canceled-before-fulfillment': 'Your Spot request was canceled before it was fulfilled.',
  'instance-terminated-by-user': 'Spot Instance terminated due to user-initiated termination.',
  'instance-stopped-by-user': 'Spot Instance stopped due to user-initiated stop.',
  'marked-for-termination': 'Spot Instance is marked for termination.',
  'marked-for-stop': 'Spot Instance is marked for stop.',
  'instance-terminated-by-price': 'Spot Instance terminated because the Spot price exceeded your maximum price.',
  'instance-terminated-no-capacity': 'Spot Instance terminated due to no available capacity.',
  'instance-stopped-by-price': 'Spot Instance stopped because the Spot price exceeded your maximum price.',
  'instance-stopped-no-capacity': 'Spot Instance stopped due to no available capacity.',
  'price-too-low': 'Your Spot request price is lower than the minimum required Spot request fulfillment price.',
  'schedule-expired': 'Your Spot request has expired.',
  'capacity-not-available': 'There is not enough capacity available for the instances that you requested.',
};

export function setSpotStatus(ctx: Ec2Ctx, scope: Scope, r: SpotRequestRecord, state: SpotState, code: string): void {
  r.State = state;
  r.StatusCode = code;
  r.StatusMessage = SPOT_STATUS[code] ?? code;
  r.StatusUpdateTime = ctx.clock.date().toISOString();
  spotTable(ctx).put(scope, r.SpotInstanceRequestId, r);
}
