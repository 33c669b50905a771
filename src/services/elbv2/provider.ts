// ELBv2 (Application and Network Load Balancers): handlers grouped by concept, assembled here. Every
// change is followed by the engine's reconcile (health-check timers, listener sockets, routing snapshot).
import type { Elbv2Operations } from '../../generated/elbv2.js';
import type { Runtime } from '../../server/context.js';
import { defineService, type Handler, type Handlers } from '../define.js';
import { registerCertificateUser } from '../acm/index.js';
import { listenerHandlers } from './listeners.js';
import { loadBalancerHandlers } from './load-balancers.js';
import { miscHandlers } from './misc-api.js';
import type { TimerHandle } from '../../clock/clock.js';
import { onInstanceState } from './health.js';
import { publish } from './metrics.js';
import { installPlanes } from './plane.js';
import { ruleHandlers } from './rules.js';
import { dropEngine, engineFor } from './runtime.js';
import { tables } from './store.js';
import { targetGroupHandlers } from './target-groups.js';
import { targetHandlers } from './targets.js';

const all: Handlers<Elbv2Operations> = { ...loadBalancerHandlers, ...listenerHandlers, ...ruleHandlers, ...targetGroupHandlers, ...targetHandlers, ...miscHandlers };

const READ_ONLY = /^(Describe|Get)/;

/** Runs the handler (synchronously, inside its transaction), then reconciles once the change is committed. */
function reconciling(name: string, h: Handler<unknown, unknown>): Handler<unknown, unknown> {
  if (READ_ONLY.test(name)) return h;
  return (ctx, input) => {
    const out = h(ctx, input);
    return Promise.resolve(out).then(async (o) => {
      await engineFor(ctx).changed();
      return o;
    });
  };
}

const handlers = Object.fromEntries(Object.entries(all).map(([k, h]) => [k, reconciling(k, h as Handler<unknown, unknown>)])) as Handlers<Elbv2Operations>;

registerCertificateUser((runtime, scope, arn) => {
  const t = tables(runtime);
  const lbs = new Set<string>();
  for (const l of t.listeners.list(scope)) if (l.Certificates.some((c) => c.CertificateArn === arn)) lbs.add(l.LoadBalancerArn);
  return [...lbs];
});

const publisher = new WeakMap<object, TimerHandle>();

export default defineService<Elbv2Operations>('elbv2', handlers, {
  init(runtime: Runtime) {
    const engine = engineFor(runtime);
    installPlanes(runtime, engine);
    runtime.bus.on('reset', () => void engine.changed());
    runtime.bus.on('aws-event', (e) => {
      if (e.source === 'aws.ec2' && e.detailType === 'EC2 Instance State-change Notification') {
        onInstanceState(engine, String(e.detail['instance-id']), String(e.detail.state), () => void engine.changed());
      }
    });
    void engine.changed();
    publisher.set(runtime.store, runtime.clock.setInterval(() => publish(engine, engine.snapshot().byArn.values(), false), 60_000));
  },
  async stop(runtime: Runtime) {
    publisher.get(runtime.store)?.cancel();
    await engineFor(runtime).stop();
    dropEngine(runtime);
  },
});
