// NLB UDP listeners: datagrams from each client (address and port: a flow) go to one healthy target chosen
// by a hash of the flow; answers from the target come back to the client from the listener's port. A flow
// idle for 120 s is forgotten, as NLB's UDP idle timeout.
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import type { Engine } from './engine.js';
import type { Current } from './listener-servers.js';
import { countFlow } from './metrics.js';
import { routable } from './selection.js';
import { targetKey } from './store.js';
import { targetHost, trafficPort } from './targets-address.js';

const IDLE_MS = 120_000;

export async function openUdp(engine: Engine, current: Current, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const flows = new Map<string, { upstream: dgram.Socket; timer: NodeJS.Timeout; end: () => void; pending?: Buffer[] }>();
  const forget = (key: string) => {
    const f = flows.get(key);
    if (!f) return;
    flows.delete(key);
    clearTimeout(f.timer);
    f.end();
    f.upstream.close();
  };
  socket.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const c = current();
      const action = c?.listener.DefaultActions[c.listener.DefaultActions.length - 1];
      const tgArn = action?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn ?? action?.TargetGroupArn;
      const tg = tgArn ? c!.cfg.tgs.get(tgArn) : undefined;
      const targets = tg ? routable(engine, tg) : [];
      if (!c || !tg || !targets.length) return;
      countFlow(engine, c.cfg.lb.LoadBalancerArn);
      const hash = createHash('md5').update(key).digest().readUInt32BE(0);
      const target = targets[hash % targets.length]!;
      const upstream = dgram.createSocket('udp4');
      upstream.connect(trafficPort(tg, target), targetHost(engine.runtime, c.cfg.scope, tg, target));
      upstream.on('message', (answer) => {
        socket.send(answer, rinfo.port, rinfo.address);
        const f = flows.get(key);
        if (f) f.timer.refresh();
      });
      upstream.on('error', () => forget(key));
      const f = { upstream, timer: setTimeout(() => forget(key), IDLE_MS), end: engine.begin(tg.TargetGroupArn, targetKey(target)), pending: [] as Buffer[] | undefined };
      // datagrams that arrive while the upstream socket connects wait for it
      upstream.once('connect', () => {
        for (const m of f.pending ?? []) upstream.send(m);
        f.pending = undefined;
      });
      flow = f;
      flows.set(key, flow);
    }
    flow.timer.refresh();
    if (flow.pending) flow.pending.push(msg);
    else flow.upstream.send(msg);
  });
  const bound = await new Promise<number>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
  return {
    port: bound,
    close: () =>
      new Promise((resolve) => {
        for (const k of [...flows.keys()]) forget(k);
        socket.close(() => resolve());
      }),
  };
}
