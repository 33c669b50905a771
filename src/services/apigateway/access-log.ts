// Access logging: a stage with accessLogSettings writes one line per request, in its format with $context
// variables substituted (missing ones as "-"), to the CloudWatch Logs group its destinationArn names.
import { contextVariable } from './mapping.js';
import type { ApiRequest } from './request.js';

export function writeAccessLog(req: ApiRequest, status: number, responseLength: number, latencyMs: number, integrationLatencyMs: number | undefined): void {
  const s = req.stage.accessLogSettings;
  if (!s?.format || !s.destinationArn) return;
  const m = /^arn:[^:]+:logs:([^:]+):(\d{12}):log-group:([^:]+)(?::\*)?$/.exec(s.destinationArn);
  if (!m) return;
  const ctx: Record<string, unknown> = {
    ...contextVariable(req),
    status,
    responseLength,
    responseLatency: Math.round(latencyMs),
    integrationLatency: integrationLatencyMs === undefined ? undefined : Math.round(integrationLatencyMs),
    integrationStatus: undefined,
  };
  const line = s.format.replace(/\$context\.([A-Za-z0-9_.]+)/g, (_, path: string) => {
    let v: unknown = ctx;
    for (const p of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
    return v === undefined || v === null || v === '' ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
  req.runtime.bus.emit('log-events', {
    account: m[2]!,
    region: m[1]!,
    logGroupName: m[3]!,
    logStreamName: `${req.apiId}-${req.stage.stageName}`,
    events: [{ timestamp: req.requestTimeEpoch, message: line }],
  });
}
