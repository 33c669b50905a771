// Auto Scaling plans acts on resources as the service itself (through its service-linked role), outside any
// user request: this builds the request context the other services' operations expect for such a call.
import { randomUUID } from 'node:crypto';
import type { RequestContext, Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';

export const SERVICE_ROLE = 'AWSServiceRoleForAutoScalingPlans_EC2AutoScaling';

export function serviceContext(rt: Runtime, scope: Scope, service: string, operation: string): RequestContext {
  return {
    clock: rt.clock,
    store: rt.store,
    bus: rt.bus,
    config: rt.config,
    log: rt.log,
    faults: rt.faults,
    targets: rt.targets,
    http: rt.http,
    requestId: randomUUID(),
    account: scope.account,
    region: scope.region,
    service,
    operation,
    caller: {
      arn: `arn:aws:sts::${scope.account}:assumed-role/${SERVICE_ROLE}/AutoScalingPlans`,
      userId: `AROA${scope.account}:AutoScalingPlans`,
      accessKeyId: 'ASIAAUTOSCALINGPLANS',
      type: 'AssumedRole',
      roleArn: `arn:aws:iam::${scope.account}:role/aws-service-role/autoscaling-plans.amazonaws.com/${SERVICE_ROLE}`,
      sessionName: 'AutoScalingPlans',
    },
    sourceIp: 'autoscaling-plans.amazonaws.com',
    userAgent: 'autoscaling-plans.amazonaws.com',
    headers: {},
    host: '',
    baseUrl: '',
  };
}
