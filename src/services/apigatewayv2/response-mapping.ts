// Response parameter mappings of an integration: per backend status code ("200", "404" …), headers appended,
// overwritten or removed and the status code overwritten, with $response.header.*, $context.* and
// $stageVariables.* references.
import type { Answer, HttpApiRequest } from './request.js';
import type { IntegrationRecord } from './store.js';

function value(req: HttpApiRequest, a: Answer, v: string): string {
  return v.replace(/\$(response\.header\.[A-Za-z0-9_-]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)/g, (_, ref: string) => {
    if (ref.startsWith('response.header.')) {
      const h = a.headers[ref.slice(16).toLowerCase()];
      return Array.isArray(h) ? h.join(',') : (h ?? '');
    }
    if (ref.startsWith('stageVariables.')) return req.stage.StageVariables[ref.slice(15)] ?? '';
    const name = ref.slice(8);
    const context: Record<string, string> = { requestId: req.requestId, apiId: req.api.ApiId, stage: req.stage.StageName, routeKey: req.match?.route.RouteKey ?? '' };
    return context[name] ?? '';
  });
}

export function mapResponse(req: HttpApiRequest, integration: IntegrationRecord, a: Answer): Answer {
  const rules = integration.ResponseParameters?.[String(a.status)];
  if (!rules) return a;
  const out: Answer = { ...a, headers: { ...a.headers } };
  for (const [key, v] of Object.entries(rules)) {
    const op = key.slice(0, key.indexOf(':'));
    const target = key.slice(key.indexOf(':') + 1);
    if (target === 'statuscode') {
      const s = Number(value(req, a, v));
      if (op === 'overwrite' && Number.isInteger(s) && s >= 100 && s <= 599) out.status = s;
      continue;
    }
    if (!target.startsWith('header.')) continue;
    const name = target.slice(7).toLowerCase();
    if (op === 'remove') delete out.headers[name];
    else if (op === 'overwrite') out.headers[name] = value(req, a, v);
    else if (op === 'append') {
      const prior = out.headers[name];
      const nv = value(req, a, v);
      out.headers[name] = prior === undefined ? nv : `${Array.isArray(prior) ? prior.join(',') : prior},${nv}`;
    }
  }
  return out;
}
