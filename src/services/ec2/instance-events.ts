// What EC2 tells EventBridge about instances: every state change, as AWS sends "EC2 Instance State-change
// Notification" (pending, running, stopping, stopped, shutting-down, terminated) to the default bus.
import { arn } from '../../protocol/ids.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { StateName } from './instances.js';

export type EventRuntime = Pick<Runtime, 'bus' | 'clock'>;

export function instanceArn(scope: Scope, id: string): string {
  return arn({ service: 'ec2', region: scope.region, account: scope.account, resource: `instance/${id}` });
}

export function emitStateChange(runtime: EventRuntime, scope: Scope, instanceId: string, state: StateName): void {
  runtime.bus.emit('aws-event', {
    account: scope.account,
    region: scope.region,
    source: 'aws.ec2',
    detailType: 'EC2 Instance State-change Notification',
    detail: { 'instance-id': instanceId, state },
    resources: [instanceArn(scope, instanceId)],
    time: runtime.clock.date(),
  });
}

/** A spot instance's two-minute warning (EventBridge "EC2 Spot Instance Interruption Warning"). */
export function emitSpotInterruptionWarning(runtime: EventRuntime, scope: Scope, instanceId: string, action: 'terminate' | 'stop' | 'hibernate'): void {
  runtime.bus.emit('aws-event', {
    account: scope.account,
    region: scope.region,
    source: 'aws.ec2',
    detailType: 'EC2 Spot Instance Interruption Warning',
    detail: { 'instance-id': instanceId, 'instance-action': action },
    resources: [instanceArn(scope, instanceId)],
    time: runtime.clock.date(),
  });
}
