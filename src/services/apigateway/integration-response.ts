// Non-proxy integrations: the request mapping (template chosen by Content-Type, passthrough behaviours) and the
// response mapping (integration response chosen by selection pattern, response parameters, response template).
import type { Integration, IntegrationResponse } from '../../generated/apigateway.js';
import { integrationRequestPayload, methodResponsePayload } from './binary.js';
import { logError } from './execution-log.js';
import { GatewayError, internalError, type Answer } from './gateway-errors.js';
import { InputVariable, renderMapping, requestSource } from './mapping.js';
import { header, type ApiRequest } from './request.js';
import { VtlError } from './vtl/index.js';

const mediaType = (ct: string | undefined) => (ct ?? '').split(';')[0]!.trim().toLowerCase();

/** The integration request body: a rendered template, the body passed through, or 415. */
export function mapRequestBody(req: ApiRequest, integ: Integration, body = req.body.toString('utf8')): string {
  const templates = integ.requestTemplates ?? {};
  const type = mediaType(header(req, 'content-type')) || 'application/json';
  const key = Object.keys(templates).find((k) => k.toLowerCase() === type);
  if (key !== undefined) return render(templates[key]!, req, body);
  const behaviour = integ.passthroughBehavior ?? 'WHEN_NO_MATCH';
  const none = Object.keys(templates).length === 0;
  if (behaviour === 'WHEN_NO_MATCH' || (behaviour === 'WHEN_NO_TEMPLATES' && none)) return body;
  throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type');
}

/** The integration request payload, with the integration's contentHandling conversion. */
export function integrationBody(req: ApiRequest, integ: Integration): Buffer {
  return integrationRequestPayload(req.def.binaryMediaTypes, header(req, 'content-type'), req.body, integ.contentHandling, (text) => mapRequestBody(req, integ, text));
}

function render(template: string, req: ApiRequest, body: string): string {
  try {
    return renderMapping(template, req, body);
  } catch (e) {
    if (e instanceof VtlError) {
      logError(req, `Execution failed due to configuration error: Unable to transform request: ${e.message}`);
      throw internalError(500);
    }
    throw e;
  }
}

/** Selection patterns, compiled once (null: not a valid expression, matches nothing). */
const patterns = new Map<string, RegExp | null>();

/** Java's String.matches: the whole input. */
function fullMatch(pattern: string, input: string): boolean {
  let re = patterns.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`, 's');
    } catch {
      re = null;
    }
    if (patterns.size >= 1000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re ? re.test(input) : false;
}

/** The integration response for a status code (HTTP, MOCK) or a Lambda error message; the default otherwise. */
export function selectResponse(integ: Integration, subject: string | undefined): IntegrationResponse {
  const all = Object.values(integ.integrationResponses ?? {});
  if (subject !== undefined) {
    const hit = all.find((r) => r.selectionPattern && fullMatch(r.selectionPattern, subject));
    if (hit) return hit;
  }
  const fallback = all.find((r) => !r.selectionPattern);
  if (!fallback) throw internalError(500);
  return fallback;
}

export interface BackendResult {
  body: Buffer | string;
  headers: Record<string, string | string[]>;
}

/** Builds the method response from the chosen integration response. */
export function mapResponse(req: ApiRequest, r: IntegrationResponse, backend: BackendResult): Answer {
  const headers: Record<string, string> = {};
  for (const [target, source] of Object.entries(r.responseParameters ?? {})) {
    const name = /^method\.response\.header\.(.+)$/.exec(target)?.[1];
    if (!name) continue;
    const v = responseSource(req, source, backend);
    if (v !== undefined) headers[name.toLowerCase()] = v;
  }
  const templates = r.responseTemplates ?? {};
  const keys = Object.keys(templates);
  const raw = typeof backend.body === 'string' ? Buffer.from(backend.body) : backend.body;
  const backendType = backend.headers['content-type'];
  let contentType = 'application/json';
  let template: string | undefined;
  if (keys.length) {
    const accept = (header(req, 'accept') ?? '').split(',').map(mediaType);
    const key = keys.find((k) => accept.includes(k.toLowerCase())) ?? keys.find((k) => k.toLowerCase() === 'application/json') ?? keys[0]!;
    contentType = key;
    template = templates[key] || undefined;
  }
  const map = (text: string): string => {
    if (!template) return text;
    try {
      return renderMapping(template, req, text);
    } catch (e) {
      if (!(e instanceof VtlError)) throw e;
      logError(req, `Execution failed due to configuration error: Unable to transform response: ${e.message}`);
      throw internalError(500);
    }
  };
  const body = methodResponsePayload(req.def.binaryMediaTypes, typeof backendType === 'string' ? backendType : undefined, header(req, 'accept'), raw, r.contentHandling, map);
  return { status: Number(r.statusCode ?? 200), headers: { 'content-type': contentType, ...headers }, body };
}

function responseSource(req: ApiRequest, source: string, backend: BackendResult): string | undefined {
  if (source.startsWith("'") && source.endsWith("'")) return source.slice(1, -1);
  let m = /^integration\.response\.(header|multivalueheader)\.(.+)$/.exec(source);
  if (m) {
    const v = backend.headers[m[2]!.toLowerCase()];
    return Array.isArray(v) ? v.join(',') : v;
  }
  const text = typeof backend.body === 'string' ? backend.body : backend.body.toString('utf8');
  if (source === 'integration.response.body') return text;
  m = /^integration\.response\.body\.(.+)$/.exec(source);
  if (m) {
    const v = new InputVariable(text, req).path('$.' + m[1]);
    return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
  }
  return requestSource(req, source);
}
