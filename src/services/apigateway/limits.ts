// API Gateway's REST API quotas (defaults; AWS raises some on request): exceeding one is LimitExceededException.
import { limitExceeded } from './errors.js';

export const LIMITS = {
  regionalApis: 600,
  edgeApis: 120,
  privateApis: 600,
  resourcesPerApi: 300,
  stagesPerApi: 10,
  authorizersPerApi: 10,
  stageVariables: 100,
  apiKeys: 10_000,
  usagePlans: 300,
  usagePlansPerKey: 10,
  customDomains: 120,
  policyLength: 8192,
};

export function checkLimit(count: number, limit: number, what: string): void {
  if (count >= limit) throw limitExceeded(`Cannot create more than ${limit} ${what}`);
}
