// Auto Scaling's public API for other services: the cron evaluator scheduled actions use (Application Auto
// Scaling's schedules run on it too).
export { isValidTimeZone, nextRun, parseCron, type Cron } from './cron.js';
