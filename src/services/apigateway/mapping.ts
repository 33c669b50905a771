// API Gateway's mapping-template variables ($input, $util, $context, $stageVariables, $method) and its
// parameter mappings (integration.request.header.X = method.request.querystring.y, 'literal' …).
import { HostObject, jsonPath, renderTemplate, toText } from './vtl/index.js';
import { header, requestContext, type ApiRequest } from './request.js';

function safeParse(body: string): unknown {
  if (!body.trim()) return {};
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** $input: the body a template maps (the request's, or the integration response's) and the request parameters. */
export class InputVariable extends HostObject {
  private parsed?: { v: unknown };

  constructor(readonly bodyText: string, private readonly req: ApiRequest) {
    super();
  }

  get body(): string {
    return this.bodyText;
  }

  private doc(): unknown {
    if (!this.parsed) this.parsed = { v: safeParse(this.bodyText) };
    return this.parsed.v;
  }

  path(p: string): unknown {
    const d = this.doc();
    if (d === undefined) return p.trim() === '$' ? this.bodyText : undefined;
    return structuredClone(jsonPath(d, toText(p)));
  }

  json(p: string): string {
    const v = this.path(p);
    return v === undefined ? '' : JSON.stringify(v);
  }

  params(name?: string): unknown {
    const all = methodParams(this.req);
    if (name === undefined) return all;
    const n = toText(name);
    return all.path[n] ?? all.querystring[n] ?? headerLookup(all.header, n) ?? '';
  }

  size(): number {
    return this.bodyText.length;
  }
}

function headerLookup(h: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function methodParams(req: ApiRequest): { path: Record<string, string>; querystring: Record<string, string>; header: Record<string, string> } {
  const querystring: Record<string, string> = {};
  for (const [k, v] of req.query) querystring[k] = v;
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(',') : v;
  return { path: { ...(req.route?.pathParameters ?? {}) }, querystring, header: h };
}

/** Java's URLEncoder: spaces as '+', and *-._ kept. */
function urlEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export class UtilVariable extends HostObject {
  escapeJavaScript(s: unknown): string {
    return toText(s).replace(/[\\"'\n\r\t\b\f\u2028\u2029]/g, (c) => {
      switch (c) {
        case '\n': return '\\n';
        case '\r': return '\\r';
        case '\t': return '\\t';
        case '\b': return '\\b';
        case '\f': return '\\f';
        case '\u2028': return '\\u2028';
        case '\u2029': return '\\u2029';
        default: return '\\' + c;
      }
    });
  }
  parseJson(s: unknown): unknown {
    try {
      return JSON.parse(toText(s));
    } catch {
      return undefined;
    }
  }
  urlEncode(s: unknown): string {
    return urlEncode(toText(s));
  }
  urlDecode(s: unknown): string {
    try {
      return decodeURIComponent(toText(s).replace(/\+/g, ' '));
    } catch {
      return toText(s);
    }
  }
  base64Encode(s: unknown): string {
    return Buffer.from(toText(s), 'utf8').toString('base64');
  }
  base64Decode(s: unknown): string {
    return Buffer.from(toText(s), 'base64').toString('utf8');
  }
}

const UTIL = new UtilVariable();

/** $context with error details when the request is being answered with an error. */
export function contextVariable(req: ApiRequest): Record<string, unknown> {
  const ctx = requestContext(req);
  const authorizer = (req.authorizer ?? {}) as Record<string, unknown>;
  return {
    ...ctx,
    authorizer: { ...authorizer, principalId: authorizer.principalId },
    error: req.error
      ? { message: req.error.message, messageString: JSON.stringify(req.error.message), responseType: req.error.responseType, validationErrorString: req.validationError ?? '' }
      : { message: '', messageString: '""', responseType: '', validationErrorString: '' },
    awsEndpointRequestId: req.requestId,
    isCanaryRequest: !!req.isCanaryRequest,
  };
}

/** The variables of a template; $context (the costly one) only when the template mentions it. */
export function templateVars(req: ApiRequest, body: string, template?: string): Record<string, unknown> {
  const vars: Record<string, unknown> = { input: new InputVariable(body, req), util: UTIL, stageVariables: { ...req.stage.variables } };
  if (template === undefined || template.includes('context')) vars.context = contextVariable(req);
  return vars;
}

export function renderMapping(template: string, req: ApiRequest, body: string): string {
  if (!template.includes('$') && !template.includes('#')) return template;
  return renderTemplate(template, templateVars(req, body, template));
}

/** A mapping source for request parameters: 'literal', method.request.…, stageVariables.x, context.x. */
export function requestSource(req: ApiRequest, source: string): string | undefined {
  if (source.startsWith("'") && source.endsWith("'")) return source.slice(1, -1);
  const p = methodParams(req);
  let m = /^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(.+)$/.exec(source);
  if (m) {
    const [, where, name] = m;
    if (where === 'path') return p.path[name!];
    if (where === 'querystring') return req.query.get(name!) ?? undefined;
    if (where === 'multivaluequerystring') return req.query.getAll(name!).join(',') || undefined;
    return header(req, name!);
  }
  if (source === 'method.request.body') return req.body.toString('utf8');
  m = /^method\.request\.body\.(.+)$/.exec(source);
  if (m) {
    const v = new InputVariable(req.body.toString('utf8'), req).path('$.' + m[1]);
    return v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v);
  }
  m = /^stageVariables\.(.+)$/.exec(source);
  if (m) return req.stage.variables[m[1]!];
  m = /^context\.(.+)$/.exec(source);
  if (m) {
    let v: unknown = contextVariable(req);
    for (const part of m[1]!.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v === undefined || v === null ? undefined : toText(v);
  }
  return undefined;
}

/** ${stageVariables.x} in an integration URI. */
export function withStageVariables(uri: string, req: ApiRequest): string {
  return uri.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, n: string) => req.stage.variables[n] ?? '');
}
