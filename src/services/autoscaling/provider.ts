// EC2 Auto Scaling: launch configurations, groups kept at capacity by a controller on the clock, scaling
// policies run by alarms, activities. Launch templates are EC2's (services/ec2).
import type { AutoscalingOperations } from '../../generated/autoscaling.js';
import { defineService } from '../define.js';
import { activityHandlers } from './activities.js';
import { startController, stopController } from './controller.js';
import { groupHandlers } from './groups-api.js';
import { instanceHandlers } from './instances-api.js';
import { lifecycleHookHandlers } from './lifecycle-hooks.js';
import { launchConfigurationHandlers } from './launch-configurations.js';
import { policyHandlers, policyTarget } from './policies.js';
import { tagHandlers } from './tags-api.js';

export default defineService<AutoscalingOperations>(
  'autoscaling',
  { ...launchConfigurationHandlers, ...groupHandlers, ...instanceHandlers, ...lifecycleHookHandlers, ...policyHandlers, ...activityHandlers, ...tagHandlers },
  {
    validationErrorCode: 'ValidationError',
    init(runtime) {
      const target = policyTarget(runtime);
      runtime.targets.register('autoscaling-policy', target.matches, target.handle);
      startController(runtime);
    },
    stop(runtime) {
      stopController(runtime);
    },
  },
);
