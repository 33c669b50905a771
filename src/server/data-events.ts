// Calls CloudTrail treats as data events rather than management events: not in event history nor in
// management-event trails, and so not "AWS API Call via CloudTrail" events on EventBridge either.
// (Also the calls that carry bulk data, which would otherwise cost more to record than to serve.)
const DATA_EVENTS = new Set([
  'lambda:Invoke',
  'lambda:InvokeAsync',
  'lambda:InvokeWithResponseStream',
  'events:PutEvents',
  'logs:PutLogEvents',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
  'cloudwatch:PutMetricData',
  'cloudwatch:GetMetricData',
  'cloudwatch:GetMetricStatistics',
  'cloudwatch:ListMetrics',
]);

/** `service` is Cumulus's service id (cloudwatch, lambda …). */
export function isDataEvent(service: string, operation: string): boolean {
  return DATA_EVENTS.has(`${service}:${operation}`);
}
