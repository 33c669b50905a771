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
  requestParameters: unknown;
  responseElements: unknown;
  errorCode?: string;
  errorMessage?: string;
  status: number;
}

export interface BusEvents {
  'api-call': ApiCallEvent;
  reset: { service?: string };
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
