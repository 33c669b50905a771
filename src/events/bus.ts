// In-process event bus: state changes and API calls flow from services to EventBridge, CloudTrail, metrics.

export interface ApiCallEvent {
  requestId: string;
  time: Date;
  service: string;
  eventSource: string;
  operation: string;
  account: string;
  region: string;
  caller: import('../server/context.js').Caller;
  sourceIp: string;
  userAgent: string;
  readOnly: boolean;
  /** false for calls CloudTrail records as data events (Invoke, PutMetricData, PutLogEvents …) */
  managementEvent: boolean;
  requestParameters: unknown;
  responseElements: unknown;
  errorCode?: string;
  errorMessage?: string;
  status: number;
}

/** One CloudWatch datapoint as PutMetricData takes it (Value, or Values+Counts, or StatisticValues). */
export interface MetricDatum {
  MetricName: string;
  Dimensions?: { Name: string; Value: string }[];
  Timestamp: Date;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Unit?: string;
  StorageResolution?: number;
}

/** Metrics a service publishes (AWS/EC2, AWS/Lambda, AWS/ApiGateway …); CloudWatch stores them. */
export interface MetricEvent {
  account: string;
  region: string;
  namespace: string;
  datums: MetricDatum[];
}

/** An event a service emits onto the account's default EventBridge bus, in EventBridge's envelope terms. */
export interface AwsEvent {
  account: string;
  region: string;
  /** e.g. aws.ec2 */
  source: string;
  /** e.g. EC2 Instance State-change Notification */
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
  time: Date;
}

/** Lines a workload wrote, for CloudWatch Logs (a Lambda environment's output, an ECS task's awslogs). */
export interface LogEventsEvent {
  account: string;
  region: string;
  logGroupName: string;
  logStreamName: string;
  /** timestamps in epoch ms, ascending */
  events: { timestamp: number; message: string }[];
}

export interface BusEvents {
  'api-call': ApiCallEvent;
  reset: { service?: string };
  metric: MetricEvent;
  'aws-event': AwsEvent;
  'log-events': LogEventsEvent;
}

type Handler<T> = (event: T) => void;

export class EventBus {
  private handlers = new Map<keyof BusEvents, Handler<any>[]>();

  on<K extends keyof BusEvents>(name: K, handler: Handler<BusEvents[K]>): () => void {
    const list = this.handlers.get(name) ?? [];
    list.push(handler);
    this.handlers.set(name, list);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<K extends keyof BusEvents>(name: K, event: BusEvents[K]): void {
    for (const handler of this.handlers.get(name) ?? []) {
      try {
        handler(event);
      } catch (err) {
        console.error(`[events] handler for ${String(name)} failed:`, err);
      }
    }
  }
}
