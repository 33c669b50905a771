// Auto Scaling's public API for other services: the cron evaluator scheduled actions use, and the alarms a
// target tracking policy owns (Application Auto Scaling's schedules and policies use both).
export { isValidTimeZone, nextRun, parseCron, type Cron } from './cron.js';
export { isHighAlarm, syncTrackingAlarms } from './tracking-alarms.js';
