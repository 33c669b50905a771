// Load balancers on Cumulus's own port: by DNS name in the Host header (<name>-<digits>.<region>.elb.localhost,
// also under .localhost.localstack.cloud; the Host's port picks the listener, else the HTTP listener on 80,
// else the first HTTP(S) one) and by path, /_aws/elb/<name>/<listener-port>/… or /_aws/elb/<name>/….
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WireRequest } from '../../protocol/identify.js';
import type { Runtime } from '../../server/context.js';
import { HANDLED, type PlaneInfo } from '../../server/http-planes.js';
import type { Engine, LbConfig } from './engine.js';
import { serveHttp, serveUpgrade, type Incoming } from './proxy.js';
import type { ListenerRecord } from './store.js';

const PATH_PREFIX = '/_aws/elb/';

interface Target {
  cfg: LbConfig;
  listener: ListenerRecord;
  path: string;
}

function pickListener(cfg: LbConfig, port: number | undefined): ListenerRecord | undefined {
  const web = cfg.listeners.filter((l) => l.Protocol === 'HTTP' || l.Protocol === 'HTTPS');
  return (port !== undefined ? web.find((l) => l.Port === port) : undefined) ?? web.find((l) => l.Port === 80) ?? web[0];
}

/** Which load balancer and listener a request on the main port is for, if any. */
export function resolve(engine: Engine, host: string, path: string): Target | undefined {
  const snap = engine.snapshot();
  if (path.startsWith(PATH_PREFIX)) {
    const rest = path.slice(PATH_PREFIX.length);
    const [name, second] = rest.split('/', 2);
    const arn = name ? snap.byName.get(name) : undefined;
    const cfg = arn ? snap.byArn.get(arn) : undefined;
    if (!cfg) return undefined;
    if (second && /^\d+$/.test(second)) {
      const l = pickListener(cfg, Number(second));
      if (l && l.Port === Number(second)) return { cfg, listener: l, path: '/' + rest.split('/').slice(2).join('/') };
    }
    const l = pickListener(cfg, undefined);
    return l ? { cfg, listener: l, path: '/' + rest.split('/').slice(1).join('/') } : undefined;
  }
  if (!host.includes('.elb.localhost')) return undefined;
  const m = /^(.*?)(?::(\d+))?$/.exec(host)!;
  const name = m[1]!.replace(/\.localstack\.cloud$/, '');
  const arn = snap.byHost.get(name);
  const cfg = arn ? snap.byArn.get(arn) : undefined;
  if (!cfg) return undefined;
  const l = pickListener(cfg, m[2] ? Number(m[2]) : undefined);
  return l ? { cfg, listener: l, path } : undefined;
}

export function installPlanes(runtime: Runtime, engine: Engine): void {
  runtime.http.addDataPlane((req: WireRequest, info: PlaneInfo) => {
    const t = resolve(engine, info.host, req.path);
    if (!t) return undefined;
    const raw = info.raw.url ?? '/';
    const q = raw.indexOf('?');
    const inc: Incoming = {
      req: info.raw,
      body: req.body,
      path: t.path,
      query: q >= 0 ? raw.slice(q + 1) : '',
      sourceIp: info.sourceIp,
      sourcePort: info.raw.socket.remotePort ?? 0,
    };
    serveHttp(engine, t.cfg, t.listener, inc, info.res);
    return HANDLED;
  });
  runtime.http.addUpgradePlane((raw: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = raw.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const t = resolve(engine, (raw.headers.host ?? '').toLowerCase(), path);
    if (!t) return false;
    const inc: Incoming = {
      req: raw,
      path: t.path,
      query: q >= 0 ? url.slice(q + 1) : '',
      sourceIp: (raw.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      sourcePort: raw.socket.remotePort ?? 0,
    };
    serveUpgrade(engine, t.cfg, t.listener, inc, socket, head);
    return true;
  });
}
