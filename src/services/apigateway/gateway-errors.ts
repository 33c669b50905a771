// Answers API Gateway gives itself (no route, throttled, unauthorized, integration failures), rendered through
// the stage's gateway responses: status, header mappings and the body template with $context.error.
import { DEFAULT_STATUS, effectiveResponse, type ResponseType } from './gateway-responses.js';
import { renderMapping, requestSource } from './mapping.js';
import type { ApiRequest } from './request.js';

/** x-amzn-ErrorType of each response type. */
const ERROR_TYPES: Partial<Record<ResponseType, string>> = {
  MISSING_AUTHENTICATION_TOKEN: 'MissingAuthenticationTokenException',
  ACCESS_DENIED: 'AccessDeniedException',
  UNAUTHORIZED: 'UnauthorizedException',
  THROTTLED: 'TooManyRequestsException',
  QUOTA_EXCEEDED: 'LimitExceededException',
  INVALID_API_KEY: 'ForbiddenException',
  UNSUPPORTED_MEDIA_TYPE: 'UnsupportedMediaTypeException',
  BAD_REQUEST_BODY: 'BadRequestException',
  BAD_REQUEST_PARAMETERS: 'BadRequestException',
  REQUEST_TOO_LARGE: 'RequestTooLargeException',
  INVALID_SIGNATURE: 'InvalidSignatureException',
  EXPIRED_TOKEN: 'ExpiredTokenException',
  AUTHORIZER_CONFIGURATION_ERROR: 'AuthorizerConfigurationException',
  AUTHORIZER_FAILURE: 'AuthorizerFailureException',
  INTEGRATION_TIMEOUT: 'InternalServerErrorException',
  INTEGRATION_FAILURE: 'InternalServerErrorException',
  API_CONFIGURATION_ERROR: 'InternalServerErrorException',
  DEFAULT_5XX: 'InternalServerErrorException',
  RESOURCE_NOT_FOUND: 'NotFoundException',
};

export class GatewayError extends Error {
  constructor(
    readonly type: ResponseType,
    message: string,
    /** the status when the type has none of its own (DEFAULT_4XX/5XX) or AWS answers otherwise */
    readonly status?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const missingToken = () => new GatewayError('MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token');
export const internalError = (status = 500) => new GatewayError(status === 502 ? 'DEFAULT_5XX' : 'API_CONFIGURATION_ERROR', 'Internal server error', status);

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function renderGatewayError(req: ApiRequest, e: GatewayError): Answer {
  const r = effectiveResponse(req.def, e.type, e.status ?? Number(DEFAULT_STATUS[e.type] ?? 500));
  const status = e.status !== undefined && !req.def.gatewayResponses[e.type] ? e.status : r.statusCode;
  req.error = { message: e.message, responseType: e.type };
  const headers: Record<string, string> = { 'content-type': 'application/json', ...e.headers };
  const errorType = ERROR_TYPES[e.type] ?? (status >= 500 ? 'InternalServerErrorException' : undefined);
  if (errorType) headers['x-amzn-errortype'] = errorType;
  for (const [target, source] of Object.entries(r.responseParameters)) {
    const m = /^gatewayresponse\.header\.(.+)$/.exec(target);
    if (!m) continue;
    const v = requestSource(req, source);
    if (v !== undefined) headers[m[1]!.toLowerCase()] = v;
  }
  const template = r.responseTemplates['application/json'] ?? Object.values(r.responseTemplates)[0] ?? '';
  let body: string;
  try {
    body = renderMapping(template, req, '');
  } catch {
    body = JSON.stringify({ message: e.message });
  }
  return { status, headers, body: Buffer.from(body) };
}
