// The event envelope EventBridge delivers: version, id, detail-type, source, account, time, region, resources, detail.
import { randomUUID } from 'node:crypto';

export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** 2024-01-05T21:04:12Z: no fraction of a second, as EventBridge writes it */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
  /** set on events a replay puts back on their bus */
  'replay-name'?: string;
}

export function eventTime(d: Date | number): string {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function envelope(e: {
  account: string;
  region: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources?: string[];
  time: Date | number;
  id?: string;
}): EventEnvelope {
  return {
    version: '0',
    id: e.id ?? randomUUID(),
    'detail-type': e.detailType,
    source: e.source,
    account: e.account,
    time: eventTime(e.time),
    region: e.region,
    resources: e.resources ?? [],
    detail: e.detail,
  };
}
