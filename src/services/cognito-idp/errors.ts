// The errors Cognito user pools answer most, worded as AWS words them.
import { AwsError } from '../../protocol/errors.js';

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
export const notAuthorized = (message: string) => new AwsError('NotAuthorizedException', message);
/** a wrong password, proof or user, without saying which */
export const badCredentials = () => notAuthorized('Incorrect username or password.');
