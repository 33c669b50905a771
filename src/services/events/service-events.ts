// Events the other services produce, onto the default bus of their account and region: state changes they
// emit as 'aws-event' (EC2 instance state, CloudWatch alarm state …), and every mutating API call as an
// "AWS API Call via CloudTrail" event (read-only calls only reach rules in
// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS state).
import type { ApiCallEvent } from '../../events/bus.js';
import type { Runtime } from '../../server/context.js';
import { cloudTrailDetail, recordedRegion } from '../cloudtrail/index.js';
import { publish } from './delivery.js';
import { envelope } from './envelope.js';
import { DEFAULT_BUS, rulesTable } from './store.js';

export function startServiceEvents(runtime: Runtime): Array<() => void> {
  return [
    runtime.bus.on('aws-event', (e) => {
      const scope = { account: e.account, region: e.region };
      const event = envelope({ ...e, time: e.time });
      publish(runtime, scope, DEFAULT_BUS, event);
    }),
    runtime.bus.on('api-call', (e) => onApiCall(runtime, e)),
  ];
}

function onApiCall(runtime: Runtime, e: ApiCallEvent): void {
  if (!e.managementEvent) return;
  const region = recordedRegion(e.eventSource, e.region);
  // most accounts have no rules: skip building the record at all
  if (rulesTable(runtime.store).count({ account: e.account, region }) === 0) return;
  const event = envelope({
    account: e.account,
    region,
    source: `aws.${e.eventSource.replace(/\.amazonaws\.com$/, '')}`,
    detailType: 'AWS API Call via CloudTrail',
    detail: cloudTrailDetail(e),
    resources: [],
    time: e.time,
  });
  publish(runtime, { account: e.account, region }, DEFAULT_BUS, event, { readOnlyManagement: e.readOnly });
}
