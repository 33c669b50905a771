// Request validation of a method with a request validator: required parameters (400 "Missing required request
// parameters: [...]") and the body against the model of its content type (400 "Invalid request body").
import { GatewayError } from './gateway-errors.js';
import { SchemaValidator, type Schema } from './json-schema.js';
import { header, type ApiRequest } from './request.js';

function parsedModel(req: ApiRequest, name: string): Schema | undefined {
  const m = req.def.models[name];
  if (!m?.schema) return undefined;
  try {
    return JSON.parse(m.schema) as Schema;
  } catch {
    return undefined;
  }
}

export function validateRequest(req: ApiRequest): void {
  const m = req.route!.method;
  const v = m.requestValidatorId ? req.def.validators[m.requestValidatorId] : undefined;
  if (!v) return;
  if (v.validateRequestParameters) {
    const missing: string[] = [];
    for (const [p, required] of Object.entries(m.requestParameters ?? {})) {
      if (!required) continue;
      const hit = /^method\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.(.+)$/.exec(p);
      if (!hit) continue;
      const [, where, name] = hit;
      const present =
        where === 'path' ? !!req.route!.pathParameters[name!] : where!.endsWith('querystring') ? req.query.has(name!) : header(req, name!) !== undefined;
      if (!present) missing.push(name!);
    }
    if (missing.length) {
      req.validationError = `Missing required request parameters: [${missing.join(', ')}]`;
      throw new GatewayError('BAD_REQUEST_PARAMETERS', req.validationError);
    }
  }
  if (v.validateRequestBody) {
    const type = (header(req, 'content-type') ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    const models = m.requestModels ?? {};
    const name = models[type] ?? models['$default'] ?? (Object.keys(models).length === 1 && !header(req, 'content-type') ? Object.values(models)[0] : undefined);
    if (!name || name === 'Empty') return;
    const schema = parsedModel(req, name);
    if (!schema) return;
    let body: unknown;
    try {
      body = req.body.length ? JSON.parse(req.body.toString('utf8')) : {};
    } catch {
      req.validationError = 'Invalid request body: not JSON';
      throw new GatewayError('BAD_REQUEST_BODY', 'Invalid request body');
    }
    const errors = new SchemaValidator(schema, (n) => parsedModel(req, n)).validate(body);
    if (errors.length) {
      req.validationError = `[${errors.join(', ')}]`;
      throw new GatewayError('BAD_REQUEST_BODY', 'Invalid request body');
    }
  }
}
