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

/** The event as CloudTrail records it (the CloudTrailEvent JSON; EventBridge's "AWS API Call via CloudTrail" detail). */
export function eventJson(e: ApiCallEvent, eventId: string = randomUUID()): Record<string, unknown> {
  const failed = e.errorCode !== undefined;
  const json: Record<string, unknown> = {
    eventVersion: EVENT_VERSION,
    userIdentity: userIdentity(e.caller, e.account),
    eventTime: eventTime(e.time),
    eventSource: e.eventSource, // the signing name, as AWS writes it (ecr.amazonaws.com …)
    eventName: e.operation,
    awsRegion: recordedRegion(e.eventSource, e.region),
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
  return json;
}

export function toRecord(e: ApiCallEvent): { scope: Scope; record: EventRecord } {
  const region = recordedRegion(e.eventSource, e.region);
  const eventId = randomUUID();
  const json = eventJson(e, eventId);
  const record: EventRecord = {
    EventId: eventId,
    EventName: e.operation,
    EventSource: e.eventSource,
    EventTime: e.time.getTime(),
    ReadOnly: e.readOnly ? 'true' : 'false',
    AccessKeyId: (json.userIdentity as { accessKeyId?: string }).accessKeyId,
    Username: username(e.caller),
    Resources: resourcesOf(e.service, e.requestParameters, e.errorCode !== undefined ? undefined : e.responseElements),
    CloudTrailEvent: JSON.stringify(json),
  };
  return { scope: { account: e.account, region }, record };
}

/** Subscribes the recorder to the bus; returns the unsubscribe function. */
export function startRecorder(runtime: Runtime): () => void {
  const table = eventsTable(runtime.store);
  return runtime.bus.on('api-call', (e) => {
    if (!e.managementEvent) return; // data events are only recorded by trails that select them
    const { scope, record } = toRecord(e);
    table.put(scope, record.EventId, record);
  });
}
