// Every control-plane call becomes a management event: the control plane emits 'api-call' on the bus after
// each call (success or error); the recorder writes the event to the store before the response goes out.
import { randomUUID } from 'node:crypto';
import type { ApiCallEvent } from '../../events/bus.js';
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { elements } from './elements.js';
import { userIdentity, username } from './identity.js';
import { resourcesOf } from './resources.js';
import { type EventRecord, eventsTable } from './store.js';

export const EVENT_VERSION = '1.09';

/** Services whose events AWS records in us-east-1 whatever region the client named. */
const GLOBAL_SOURCES = new Set(['iam.amazonaws.com', 'cloudfront.amazonaws.com', 'route53.amazonaws.com', 'organizations.amazonaws.com', 'waf.amazonaws.com']);

/** 2024-01-05T21:04:12Z: CloudTrail's eventTime has no fraction of a second. */
export function eventTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The region an event is recorded in: the call's, or us-east-1 for global services. */
export function recordedRegion(eventSource: string, region: string): string {
  return GLOBAL_SOURCES.has(eventSource) ? 'us-east-1' : region;
}

export function toRecord(e: ApiCallEvent): { scope: Scope; record: EventRecord } {
  const eventSource = e.eventSource; // the signing name, as AWS writes it (ecr.amazonaws.com …)
  const region = recordedRegion(eventSource, e.region);
  const eventId = randomUUID();
  const failed = e.errorCode !== undefined;
  const identity = userIdentity(e.caller, e.account);
  const json: Record<string, unknown> = {
    eventVersion: EVENT_VERSION,
    userIdentity: identity,
    eventTime: eventTime(e.time),
    eventSource,
    eventName: e.operation,
    awsRegion: region,
    sourceIPAddress: e.sourceIp.replace(/^::ffff:/, ''),
    userAgent: e.userAgent,
  };
  if (failed) {
    json.errorCode = e.errorCode;
    json.errorMessage = e.errorMessage;
  }
  json.requestParameters = elements(e.requestParameters);
  // AWS records no response for reads and failed calls
  json.responseElements = e.readOnly || failed ? null : elements(e.responseElements);
  Object.assign(json, {
    requestID: e.requestId,
    eventID: eventId,
    readOnly: e.readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: e.account,
    eventCategory: 'Management',
  });
  const record: EventRecord = {
    EventId: eventId,
    EventName: e.operation,
    EventSource: eventSource,
    EventTime: e.time.getTime(),
    ReadOnly: e.readOnly ? 'true' : 'false',
    AccessKeyId: identity.accessKeyId,
    Username: username(e.caller),
    Resources: resourcesOf(e.service, e.requestParameters, failed ? undefined : e.responseElements),
    CloudTrailEvent: JSON.stringify(json),
  };
  return { scope: { account: e.account, region }, record };
}

/** Subscribes the recorder to the bus; returns the unsubscribe function. */
export function startRecorder(runtime: Runtime): () => void {
  const table = eventsTable(runtime.store);
  return runtime.bus.on('api-call', (e) => {
    const { scope, record } = toRecord(e);
    table.put(scope, record.EventId, record);
  });
}
