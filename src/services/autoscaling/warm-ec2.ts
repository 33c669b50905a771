// Stopping and starting warm pool instances through EC2's own StopInstances/StartInstances, as Auto Scaling.
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { AwsError } from '../../protocol/errors.js';
import { startInstancesInternal, stopInstancesInternal } from '../ec2/index.js';

function run(rt: Runtime, scope: Scope, op: typeof stopInstancesInternal, name: string, ids: string[]): void {
  try {
    op(rt, scope, ids);
  } catch (err) {
    // EC2 refused (capacity, a state in between): the controller tries again on its next pass
    if (!(err instanceof AwsError)) throw err;
    rt.log.debug(`autoscaling: ${name} ${ids.join(',')}: ${err.message}`);
  }
}

export const stopInstances = (rt: Runtime, scope: Scope, ids: string[]) => run(rt, scope, stopInstancesInternal, 'StopInstances', ids);
export const startInstances = (rt: Runtime, scope: Scope, ids: string[]) => run(rt, scope, startInstancesInternal, 'StartInstances', ids);
