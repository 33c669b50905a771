// Calling a Lambda function as API Gateway does: as apigateway.amazonaws.com with the method's execute-api
// ARN as source, so the function's resource policy decides, or as the integration's credentials role. A
// refusal or a missing function is a configuration error: 500 "Internal server error" and a line in the log.
import { AwsError } from '../../protocol/errors.js';
import { invokeFunction } from '../lambda/index.js';
import { assumable, cannotAssume } from './aws-call.js';
import { logError } from './execution-log.js';
import { GatewayError, internalError } from './gateway-errors.js';
import type { ApiRequest } from './request.js';

export interface LambdaAnswer {
  payload: string;
  functionError?: string;
}

/**
 * `credentialsRole`: the integration's credentials; API Gateway then invokes as that role (its own permissions
 * decide, not the function's resource policy), once it has checked it may assume it.
 */
export async function callLambda(
  req: ApiRequest,
  functionArn: string,
  payload: string,
  sourceArn: string,
  o: { onConfigError?: () => GatewayError; credentialsRole?: string; payloadIsJson?: boolean } = {},
): Promise<LambdaAnswer> {
  const { onConfigError, credentialsRole } = o;
  const asRole = credentialsRole !== undefined && /^arn:aws[a-z-]*:iam::\d{12}:role\//.test(credentialsRole);
  if (asRole && !assumable(req, credentialsRole!)) {
    logError(req, cannotAssume(credentialsRole!));
    throw onConfigError ? onConfigError() : internalError(500);
  }
  try {
    const r = await invokeFunction(req.runtime, {
      account: req.account,
      region: req.region,
      functionName: functionArn,
      payload,
      payloadIsJson: o.payloadIsJson,
      invocationType: 'RequestResponse',
      principal: asRole ? undefined : 'apigateway.amazonaws.com',
      sourceArn: asRole ? undefined : sourceArn,
    });
    return { payload: r.payload, functionError: r.functionError };
  } catch (e) {
    const why = e instanceof AwsError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
    logError(req, `Execution failed due to configuration error: ${/AccessDenied|not authorized/i.test(why) ? 'Invalid permissions on Lambda function' : why}`);
    if (e instanceof AwsError && e.code === 'TooManyRequestsException') throw new GatewayError('DEFAULT_5XX', 'Internal server error', 500);
    throw onConfigError ? onConfigError() : internalError(500);
  }
}
