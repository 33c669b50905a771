// ELBv2's errors, with AWS's codes and messages.
import { AwsError } from '../../protocol/errors.js';

export const validation = (message: string) => new AwsError('ValidationError', message);
export const lbNotFound = () => new AwsError('LoadBalancerNotFound', 'One or more load balancers not found');
export const tgNotFound = () => new AwsError('TargetGroupNotFound', 'One or more target groups not found');
export const listenerNotFound = () => new AwsError('ListenerNotFound', 'One or more listeners not found');
export const ruleNotFound = () => new AwsError('RuleNotFound', 'One or more rules not found');
export const invalidConfig = (message: string) => new AwsError('InvalidConfigurationRequest', message);
export const invalidTarget = (message: string) => new AwsError('InvalidTarget', message);
export const resourceInUse = (message: string) => new AwsError('ResourceInUse', message);
