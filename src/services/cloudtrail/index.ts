// CloudTrail's public API for other services: the record of an API call (EventBridge's "AWS API Call via CloudTrail").
export { eventJson as cloudTrailDetail, recordedRegion } from './recorder.js';
