// EC2 Auto Scaling: launch configurations, groups kept at capacity by a controller on the clock, scaling
// policies run by alarms, activities. Launch templates are EC2's (services/ec2).
import type { AutoscalingOperations } from '../../generated/autoscaling.js';
import { defineService } from '../define.js';
import { activityHandlers } from './activities.js';
import { watchSpotNotices } from './capacity-rebalance.js';
import { startController, stopController } from './controller.js';
import { groupHandlers } from './groups-api.js';
import { instanceHandlers } from './instances-api.js';
import { lifecycleHookHandlers } from './lifecycle-hooks.js';
import { launchConfigurationHandlers } from './launch-configurations.js';
import { policyHandlers, policyTarget } from './policies.js';
import { predictiveHandlers } from './predictive.js';
import { loadBalancerHandlers } from './load-balancers.js';
import { instanceRefreshHandlers } from './instance-refresh.js';
import { scheduledActionHandlers } from './scheduled-actions.js';
import { tagHandlers } from './tags-api.js';
import { warmPoolHandlers } from './warm-pool-api.js';

const unwatch = new WeakMap<object, () => void>();

export default defineService<AutoscalingOperations>(
  'autoscaling',
  { ...launchConfigurationHandlers, ...groupHandlers, ...instanceHandlers, ...lifecycleHookHandlers, ...policyHandlers, ...predictiveHandlers, ...activityHandlers, ...tagHandlers, ...scheduledActionHandlers, ...instanceRefreshHandlers, ...loadBalancerHandlers, ...warmPoolHandlers },
  {
    validationErrorCode: 'ValidationError',
    init(runtime) {
      const target = policyTarget(runtime);
      runtime.targets.register('autoscaling-policy', target.matches, target.handle);
      startController(runtime);
      unwatch.set(runtime.clock, watchSpotNotices(runtime));
    },
    stop(runtime) {
      stopController(runtime);
      unwatch.get(runtime.clock)?.();
      unwatch.delete(runtime.clock);
    },
  },
);
