// Calling a Lambda function as API Gateway does: as apigateway.amazonaws.com with the request's execute-api
// ARN as source, so the function's resource policy decides (unless the integration names credentials, a role
// API Gateway assumes). A refusal, a missing function or a function error is 500 Internal Server Error.
import { AwsError } from '../../protocol/errors.js';
import { invokeFunction } from '../lambda/index.js';
import { functionOfUri } from './integrations.js';
import { internalError, sourceArn, type HttpApiRequest } from './request.js';

/** ${stageVariables.x} in an integration or authorizer URI. */
export function withStageVariables(uri: string, vars: Record<string, string>): string {
  return uri.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, n: string) => vars[n] ?? '');
}

export async function callLambda(req: HttpApiRequest, uri: string, credentialsArn: string | undefined, event: unknown, what: string): Promise<string> {
  const fn = withStageVariables(functionOfUri(uri), req.stage.StageVariables);
  try {
    const r = await invokeFunction(req.runtime, {
      account: req.account,
      region: req.region,
      functionName: fn,
      payload: JSON.stringify(event),
      payloadIsJson: true,
      invocationType: 'RequestResponse',
      principal: credentialsArn ? undefined : 'apigateway.amazonaws.com',
      sourceArn: sourceArn(req),
    });
    if (r.functionError) {
      req.runtime.log.info(`apigatewayv2 ${req.api.ApiId}/${req.stage.StageName} ${req.requestId}: ${what} function error: ${r.payload.slice(0, 300)}`);
      throw internalError();
    }
    return r.payload;
  } catch (e) {
    if (e instanceof AwsError) {
      req.runtime.log.warn(`apigatewayv2 ${req.api.ApiId}/${req.stage.StageName} ${req.requestId}: ${what} failed: ${e.code}: ${e.message}`);
      throw internalError();
    }
    throw e;
  }
}
