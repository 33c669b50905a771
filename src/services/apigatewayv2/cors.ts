// CORS as HTTP APIs do it: with a CorsConfiguration, API Gateway answers preflight requests itself (whatever the
// routes) and sets the CORS headers on every answer to an allowed origin, ignoring the backend's own.
import type { Cors } from '../../generated/apigatewayv2.js';
import { headerOf, type Answer, type HttpApiRequest } from './request.js';

function allowedOrigin(cors: Cors, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  const list = cors.AllowOrigins ?? [];
  if (list.includes('*')) return '*';
  return list.some((o) => o.toLowerCase() === origin.toLowerCase()) ? origin : undefined;
}

export function isPreflight(req: HttpApiRequest): boolean {
  return req.method === 'OPTIONS' && !!headerOf(req, 'origin') && !!headerOf(req, 'access-control-request-method');
}

export function preflight(req: HttpApiRequest, cors: Cors): Answer {
  const headers: Record<string, string> = {};
  const origin = allowedOrigin(cors, headerOf(req, 'origin'));
  const method = headerOf(req, 'access-control-request-method')!.toUpperCase();
  const methods = (cors.AllowMethods ?? []).map((m) => m.toUpperCase());
  const methodOk = methods.includes('*') || methods.includes(method);
  if (origin && methodOk) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-allow-methods'] = methods.join(',');
    if (cors.AllowHeaders?.length) headers['access-control-allow-headers'] = cors.AllowHeaders.join(',');
    if (cors.AllowCredentials) headers['access-control-allow-credentials'] = 'true';
    if (cors.MaxAge !== undefined && cors.MaxAge >= 0) headers['access-control-max-age'] = String(cors.MaxAge);
  }
  return { status: 204, headers, body: Buffer.alloc(0) };
}

export function addCorsHeaders(req: HttpApiRequest, cors: Cors, a: Answer): void {
  for (const k of Object.keys(a.headers)) if (k.toLowerCase().startsWith('access-control-')) delete a.headers[k];
  const origin = allowedOrigin(cors, headerOf(req, 'origin'));
  if (!origin) return;
  a.headers['access-control-allow-origin'] = origin;
  if (cors.AllowCredentials) a.headers['access-control-allow-credentials'] = 'true';
  if (cors.ExposeHeaders?.length) a.headers['access-control-expose-headers'] = cors.ExposeHeaders.join(',');
  if (origin !== '*') a.headers['vary'] = 'Origin';
}
