// API keys at request time: the key a method requires (x-api-key, or the authorizer's usageIdentifierKey), the
// usage plan that admits it on this stage, the plan's per-key throttle and its quota, then the count.
import type { UsagePlanRecord } from './store.js';
import { tables } from './store.js';
import { GatewayError } from './gateway-errors.js';
import { header, type ApiRequest } from './request.js';
import type { Buckets } from './throttle.js';
import { recordUse, remainingQuota } from './usage.js';

const forbidden = () => new GatewayError('INVALID_API_KEY', 'Forbidden');

/** Checks the request's API key against the usage plans of its stage; throws the gateway error AWS answers. */
export function meterApiKey(req: ApiRequest, buckets: Buckets): void {
  const value = req.def.apiKeySource === 'AUTHORIZER' ? req.usageIdentifierKey : header(req, 'x-api-key');
  if (!value) throw forbidden();
  const scope = { account: req.account, region: req.region };
  const t = tables(req.runtime.store);
  const key = t.keys.list(scope).find((k) => k.value === value);
  if (!key || !key.enabled) throw forbidden();
  const plan = t.plans
    .list(scope)
    .find((p) => p.keys.includes(key.id) && p.apiStages.some((s) => s.apiId === req.apiId && s.stage === req.stage.stageName));
  if (!plan) throw forbidden();
  req.apiKey = { id: key.id, value: key.value };
  throttlePlan(req, plan, key.id, buckets);
  const now = req.runtime.clock.now();
  if (plan.quota?.limit !== undefined) {
    if (remainingQuota(req.runtime.store, scope, plan.id, key.id, plan.quota, now) <= 0) {
      throw new GatewayError('QUOTA_EXCEEDED', 'Limit Exceeded');
    }
  }
  recordUse(req.runtime.store, scope, plan.id, key.id, now);
}

function throttlePlan(req: ApiRequest, plan: UsagePlanRecord, keyId: string, buckets: Buckets): void {
  const stage = plan.apiStages.find((s) => s.apiId === req.apiId && s.stage === req.stage.stageName);
  const methodKey = `${req.route!.resource.path}/${req.httpMethod}`;
  const perMethod = stage?.throttle?.[methodKey] ?? stage?.throttle?.[`${req.route!.resource.path}/${req.route!.method.httpMethod}`];
  if (perMethod && !buckets.take(`plan/${plan.id}/${keyId}/${methodKey}`, perMethod.rateLimit ?? 0, perMethod.burstLimit ?? 0)) {
    throw new GatewayError('THROTTLED', 'Too Many Requests');
  }
  if (plan.throttle && !buckets.take(`plan/${plan.id}/${keyId}`, plan.throttle.rateLimit ?? 0, plan.throttle.burstLimit ?? 0)) {
    throw new GatewayError('THROTTLED', 'Too Many Requests');
  }
}
