// Every service Cumulus serves. A service not listed here answers NotImplemented for its operations.
import acm from './acm/provider.js';
import autoscaling from './autoscaling/provider.js';
import cloudtrail from './cloudtrail/provider.js';
import cloudwatch from './cloudwatch/provider.js';
import type { ServiceDefinition } from './define.js';
import ec2 from './ec2/provider.js';
import elb from './elb/provider.js';
import elbv2 from './elbv2/provider.js';
import events from './events/provider.js';
import iam from './iam/provider.js';
import lambda from './lambda/provider.js';
import logs from './logs/provider.js';
import sts from './sts/provider.js';

export function allServices(): ServiceDefinition[] {
  return [sts, iam, cloudtrail, cloudwatch, logs, events, lambda, ec2, autoscaling, elbv2, elb, acm];
}
