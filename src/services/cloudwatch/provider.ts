// CloudWatch: metrics (metrics-api.ts, metric-data.ts over metric-store.ts), alarms (alarms-api.ts, evaluated
// on the clock by alarm-scheduler.ts), dashboards, and the AWS/EC2 metrics of running instances.
// Served over smithy-rpc-v2-cbor, JSON 1.0 and query, whichever the client speaks.
import type { CloudwatchOperations } from '../../generated/cloudwatch.js';
import type { Runtime } from '../../server/context.js';
import { defineService } from '../define.js';
import { forgetAlarms } from './alarm-cache.js';
import { startAlarmScheduler } from './alarm-scheduler.js';
import { expireHistory } from './alarm-store.js';
import {
  deleteAlarms, describeAlarms, describeAlarmsForMetric, putCompositeAlarm, putMetricAlarm, setActionsEnabled, setAlarmState,
} from './alarms-api.js';
import { deleteDashboards, getDashboard, listDashboards, putDashboard } from './dashboards.js';
import { startEc2Metrics } from './ec2-metrics.js';
import { forgetAll } from './high-res.js';
import { describeAlarmHistory } from './history-api.js';
import { getMetricData } from './metric-data.js';
import { getMetricStatistics, listMetrics, putMetricData, toStored } from './metrics-api.js';
import { listTagsForResource, tagResource, untagResource } from './resource-tags.js';
import { metricsOf } from './state.js';

const stops = new WeakMap<Runtime['clock'], () => void>();

export default defineService<CloudwatchOperations>(
  'cloudwatch',
  {
    PutMetricData: (ctx, input) => void putMetricData(ctx, input),
    GetMetricStatistics: (ctx, input) => getMetricStatistics(ctx, input),
    GetMetricData: (ctx, input) => getMetricData(ctx, input),
    ListMetrics: (ctx, input) => listMetrics(ctx, input),
    PutMetricAlarm: (ctx, input) => void putMetricAlarm(ctx, input),
    PutCompositeAlarm: (ctx, input) => void putCompositeAlarm(ctx, input),
    DescribeAlarms: (ctx, input) => describeAlarms(ctx, input),
    DescribeAlarmsForMetric: (ctx, input) => describeAlarmsForMetric(ctx, input),
    DescribeAlarmHistory: (ctx, input) => describeAlarmHistory(ctx, input),
    DeleteAlarms: (ctx, { AlarmNames }) => void deleteAlarms(ctx, AlarmNames),
    SetAlarmState: (ctx, input) => void setAlarmState(ctx, input),
    EnableAlarmActions: (ctx, { AlarmNames }) => void setActionsEnabled(ctx, AlarmNames, true),
    DisableAlarmActions: (ctx, { AlarmNames }) => void setActionsEnabled(ctx, AlarmNames, false),
    TagResource: (ctx, { ResourceARN, Tags }) => tagResource(ctx, ResourceARN, Tags),
    UntagResource: (ctx, { ResourceARN, TagKeys }) => untagResource(ctx, ResourceARN, TagKeys),
    ListTagsForResource: (ctx, { ResourceARN }) => listTagsForResource(ctx, ResourceARN),
    PutDashboard: (ctx, input) => putDashboard(ctx, input),
    GetDashboard: (ctx, { DashboardName }) => getDashboard(ctx, DashboardName),
    ListDashboards: (ctx, input) => listDashboards(ctx, input),
    DeleteDashboards: (ctx, { DashboardNames }) => deleteDashboards(ctx, DashboardNames),
  },
  {
    validationErrorCode: 'ValidationError',
    init(runtime) {
      const metrics = metricsOf(runtime);
      const offMetric = runtime.bus.on('metric', (e) => {
        try {
          metrics.put(e.account, e.region, e.namespace, toStored(e.datums, runtime.clock.now(), false));
        } catch (err) {
          runtime.log.warn(`cloudwatch: dropped ${e.namespace} datapoints: ${(err as Error).message}`);
        }
      });
      const offReset = runtime.bus.on('reset', ({ service }) => {
        if (!service || service === 'cloudwatch') {
          metrics.clear();
          forgetAll(runtime);
          forgetAlarms(runtime.store);
        }
      });
      // EC2 publishes before alarms evaluate in the same minute, so an alarm sees the minute just ended
      const stopEc2 = startEc2Metrics(runtime);
      const alarms = startAlarmScheduler(runtime);
      const sweep = runtime.clock.setInterval(() => {
        metrics.sweep();
        expireHistory(runtime);
      }, 3600_000);
      stops.set(runtime.clock, () => {
        offMetric();
        offReset();
        stopEc2();
        alarms.cancel();
        sweep.cancel();
      });
    },
    stop(runtime) {
      stops.get(runtime.clock)?.();
      stops.delete(runtime.clock);
    },
  },
);
