// The lines of a request's execution log that the data plane itself writes, in API Gateway's words: the usage
// plan check, the method request as received, the method response as answered, the final status.
import { bodyText, logData, logInfo, logOutcome, mapText } from './execution-log.js';
import type { Answer } from './gateway-errors.js';
import { headerMaps, type ApiRequest } from './request.js';

const masked = (key: string | undefined) => (key ? `${'*'.repeat(Math.max(0, key.length - 4))}${key.slice(-4)}` : '');

/** "Verifying Usage Plan …" around the API key check `check` (which throws when the key is refused). */
export function traceUsagePlan(req: ApiRequest, check: () => unknown): void {
  if (!req.execLog) {
    check();
    return;
  }
  const stage = `${req.apiId}/${req.stage.stageName}`;
  const m = req.route!.method;
  const given = req.def.apiKeySource === 'AUTHORIZER' ? req.usageIdentifierKey : req.headers['x-api-key'];
  const key = masked(Array.isArray(given) ? given[0] : given);
  logInfo(req, `Verifying Usage Plan for request: ${req.requestId}. API Key: ${key} API Stage: ${stage}`);
  if (!m.apiKeyRequired) {
    logInfo(req, `API Key ${key} authorized because method '${m.httpMethod} ${req.route!.resource.path}' does not require API Key. Request will not contribute to throttle or quota limits`);
  } else {
    try {
      check();
    } catch (e) {
      logInfo(req, `API Key ${key} not authorized because method '${m.httpMethod} ${req.route!.resource.path}' requires API Key and API Key is not associated with a Usage Plan for API Stage ${stage}`);
      throw e;
    }
    logInfo(req, `API Key ${key} authorized because method '${m.httpMethod} ${req.route!.resource.path}' requires API Key. Request will contribute to throttle or quota limits`);
  }
  logInfo(req, `Usage Plan check succeeded for API Key ${key} and API Stage ${stage}`);
}

export function traceMethodRequest(req: ApiRequest): void {
  if (!req.execLog) return;
  logInfo(req, `Starting execution for request: ${req.requestId}`);
  logInfo(req, `HTTP Method: ${req.httpMethod}, Resource Path: ${req.path}`);
  logInfo(req, `Method request path: ${mapText(req.route?.pathParameters ?? {})}`);
  const query: Record<string, string> = {};
  for (const [k, v] of req.query) query[k] = v;
  logInfo(req, `Method request query string: ${mapText(query)}`);
  logData(req, `Method request headers: ${mapText(headerMaps(req.rawHeaders).single)}`);
  logData(req, `Method request body before transformations: ${bodyText(req.body)}`);
}

export function traceMethodResponse(req: ApiRequest, answer: Answer): void {
  if (!req.execLog) return;
  if (!req.error) {
    logData(req, `Method response body after transformations: ${bodyText(answer.body)}`);
    logData(req, `Method response headers: ${mapText(answer.headers)}`);
    logInfo(req, 'Successfully completed execution');
    logInfo(req, `Method completed with status: ${answer.status}`);
  } else {
    logOutcome(req, `Method completed with status: ${answer.status}`);
  }
}
