// Every service Cumulus serves. A service not listed here answers NotImplemented for its operations.
import acm from './acm/provider.js';
import apigateway from './apigateway/provider.js';
import apigatewayv2 from './apigatewayv2/provider.js';
import applicationAutoscaling from './application-autoscaling/provider.js';
import autoscaling from './autoscaling/provider.js';
import autoscalingPlans from './autoscaling-plans/provider.js';
import cloudtrail from './cloudtrail/provider.js';
import cloudwatch from './cloudwatch/provider.js';
import cognitoIdp from './cognito-idp/provider.js';
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
  // apigatewayv2 before apigateway: both serve execute-api hosts and paths; HTTP APIs answer only for their own
  // ids, and REST APIs answer the rest (an unknown id gets REST's 403, as AWS answers).
  return [sts, iam, cloudtrail, cloudwatch, logs, events, lambda, ec2, autoscaling, applicationAutoscaling, autoscalingPlans, elbv2, elb, acm, apigatewayv2, apigateway, cognitoIdp];
}
