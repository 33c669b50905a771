// Auto Scaling's public API for other services: the cron evaluator scheduled actions use, the alarms a
// target tracking policy owns (Application Auto Scaling's schedules and policies use both), and predictive
// scaling's forecast model (AWS Auto Scaling plans use it).
export { isValidTimeZone, nextRun, parseCron, type Cron } from './cron.js';
export { isHighAlarm, syncTrackingAlarms } from './tracking-alarms.js';
export { capacityForecast, forecastSeries, FORECAST_LOOKBACK_MS, FORECAST_MIN_HISTORY_MS, type Datapoint } from './forecast.js';
// AWS Auto Scaling plans apply their scaling instructions through Auto Scaling's own operations (as the plan's
// service-linked role would call them) and read the groups and policies they manage.
export { groupHandlers } from './groups-api.js';
export { policyHandlers } from './policies.js';
export { scheduledActionHandlers } from './scheduled-actions.js';
export { groups, policies } from './store.js';
