// EC2: handlers are grouped by concept in *-api.ts files and assembled here.
import type { Ec2Operations } from '../../generated/ec2.js';
import { defineService } from '../define.js';
import { instanceHandlers, instanceLifecycle } from './instances-api.js';
import { launchTemplateHandlers } from './launch-templates-api.js';
import { networkHandlers } from './network-api.js';
import { spotHandlers } from './spot-requests.js';
import { volumeHandlers } from './volumes-api.js';
import { hostHandlers } from './hosts.js';
import { reservedHandlers } from './reserved.js';
import { reservedModificationHandlers } from './reserved-modifications.js';
import { startUsageMetrics, stopUsageMetrics } from './usage-metrics.js';
import { vpcEndpointHandlers } from './vpc-endpoints.js';

export default defineService<Ec2Operations>(
  'ec2',
  { ...networkHandlers, ...instanceHandlers, ...volumeHandlers, ...launchTemplateHandlers, ...spotHandlers, ...reservedHandlers, ...reservedModificationHandlers, ...hostHandlers, ...vpcEndpointHandlers },
  {
    validationErrorCode: 'InvalidParameterValue',
    init: async (runtime) => {
      await instanceLifecycle.init(runtime);
      startUsageMetrics(runtime);
    },
    stop: async (runtime) => {
      stopUsageMetrics(runtime);
      await instanceLifecycle.stop(runtime);
    },
  },
);
