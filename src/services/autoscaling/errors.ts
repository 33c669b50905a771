// Auto Scaling's error wording (query protocol: ValidationError, AlreadyExists, ResourceInUse, ScalingActivityInProgress).
import { AwsError } from '../../protocol/errors.js';

export const validation = (message: string) => new AwsError('ValidationError', message);

export const groupNotFound = (name: string) => validation(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);

export const launchConfigurationNotFound = (name: string) => validation(`Launch configuration name not found - Launch configuration ${name} not found`);

export const alreadyExists = (message: string) => new AwsError('AlreadyExists', message);

export const resourceInUse = (message: string) => new AwsError('ResourceInUse', message);

export const scalingActivityInProgress = (message: string) => new AwsError('ScalingActivityInProgress', message);
