// Lambda's errors as AWS words them. Lambda's error bodies carry `Type: "User"` beside the message.
import { AwsError } from '../../protocol/errors.js';

export function lambdaError(code: string, message: string, status?: number): AwsError {
  return new AwsError(code, message, { status, fields: { Type: 'User' } });
}

export const invalidParameter = (message: string) => lambdaError('InvalidParameterValueException', message, 400);
export const notFound = (message: string) => lambdaError('ResourceNotFoundException', message, 404);
export const conflict = (message: string) => lambdaError('ResourceConflictException', message, 409);

export function functionNotFound(arn: string): AwsError {
  return notFound(`Function not found: ${arn}`);
}

/** The generic "does not exist" of Lambda's sub-resources (policies, URL configs, layers). */
export function resourceNotFound(): AwsError {
  return notFound('The resource you requested does not exist.');
}

export function revisionMismatch(what = 'GetFunction/GetAlias'): AwsError {
  return lambdaError(
    'PreconditionFailedException',
    `The Revision Id provided does not match the latest Revision Id. Call the ${what} API to retrieve the latest Revision Id`,
    412,
  );
}

/** Model-style validation for limits the model does not state (it allows 32,768 MB and any timeout). */
export function validation(value: unknown, member: string, constraint: string): AwsError {
  return new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`,
    { status: 400 },
  );
}
