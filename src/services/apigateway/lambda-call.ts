// Calling a Lambda function as API Gateway does: as apigateway.amazonaws.com with the method's execute-api
// ARN as source, so the function's resource policy decides. A refusal or a missing function is a
// configuration error: 500 "Internal server error" and a line in the log.
import { AwsError } from '../../protocol/errors.js';
import { invokeFunction } from '../lambda/index.js';
import { GatewayError, internalError } from './gateway-errors.js';
import type { ApiRequest } from './request.js';

export interface LambdaAnswer {
  payload: string;
  functionError?: string;
}

export async function callLambda(req: ApiRequest, functionArn: string, payload: string, sourceArn: string, onConfigError?: () => GatewayError): Promise<LambdaAnswer> {
  try {
    const r = await invokeFunction(req.runtime, {
      account: req.account,
      region: req.region,
      functionName: functionArn,
      payload,
      invocationType: 'RequestResponse',
      principal: 'apigateway.amazonaws.com',
      sourceArn,
    });
    return { payload: r.payload, functionError: r.functionError };
  } catch (e) {
    const why = e instanceof AwsError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
    req.runtime.log.warn(`apigateway ${req.apiId}/${req.stage.stageName} ${req.requestId}: Execution failed due to configuration error: ${why}`);
    if (e instanceof AwsError && e.code === 'TooManyRequestsException') throw new GatewayError('DEFAULT_5XX', 'Internal server error', 500);
    throw onConfigError ? onConfigError() : internalError(500);
  }
}
