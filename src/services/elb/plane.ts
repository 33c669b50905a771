// Classic Load Balancers on Cumulus's own port, like ELBv2's: by DNS name in the Host header (under
// .elb.localhost and .elb.localhost.localstack.cloud) and by path /_aws/elb/<name>/[<port>/]….
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WireRequest } from '../../protocol/identify.js';
import type { Runtime } from '../../server/context.js';
import { HANDLED, type PlaneInfo } from '../../server/http-planes.js';
import type { LbConfig } from '../elbv2/engine.js';
import { serveHttp, serveUpgrade, type Incoming } from '../elbv2/proxy.js';
import type { ListenerRecord } from '../elbv2/store.js';
import type { ClassicEngine } from './runtime.js';

function pick(cfg: LbConfig, port: number | undefined): ListenerRecord | undefined {
  const web = cfg.listeners.filter((l) => l.Protocol === 'HTTP' || l.Protocol === 'HTTPS');
  return (port !== undefined ? web.find((l) => l.Port === port) : undefined) ?? web.find((l) => l.Port === 80) ?? web[0];
}

function resolve(ce: ClassicEngine, host: string, path: string): { cfg: LbConfig; listener: ListenerRecord; path: string } | undefined {
  if (path.startsWith('/_aws/elb/')) {
    const rest = path.slice('/_aws/elb/'.length);
    const parts = rest.split('/');
    const key = ce.byName.get(parts[0]!);
    const cfg = key ? ce.configs.get(key) : undefined;
    if (!cfg) return undefined;
    if (parts[1] && /^\d+$/.test(parts[1])) {
      const l = pick(cfg, Number(parts[1]));
      if (l && l.Port === Number(parts[1])) return { cfg, listener: l, path: '/' + parts.slice(2).join('/') };
    }
    const l = pick(cfg, undefined);
    return l ? { cfg, listener: l, path: '/' + parts.slice(1).join('/') } : undefined;
  }
  if (!host.includes('.elb.localhost')) return undefined;
  const m = /^(.*?)(?::(\d+))?$/.exec(host)!;
  const key = ce.byHost.get(m[1]!.replace(/\.localstack\.cloud$/, ''));
  const cfg = key ? ce.configs.get(key) : undefined;
  const l = cfg && pick(cfg, m[2] ? Number(m[2]) : undefined);
  return cfg && l ? { cfg, listener: l, path } : undefined;
}

export function installClassicPlanes(runtime: Runtime, ce: ClassicEngine): void {
  runtime.http.addDataPlane((req: WireRequest, info: PlaneInfo) => {
    const t = resolve(ce, info.host, req.path);
    if (!t) return undefined;
    const url = info.raw.url ?? '/';
    const q = url.indexOf('?');
    const inc: Incoming = { req: info.raw, body: req.body, path: t.path, query: q >= 0 ? url.slice(q + 1) : '', sourceIp: info.sourceIp, sourcePort: info.raw.socket.remotePort ?? 0 };
    serveHttp(ce.engine, t.cfg, t.listener, inc, info.res);
    return HANDLED;
  });
  runtime.http.addUpgradePlane((raw: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = raw.url ?? '/';
    const q = url.indexOf('?');
    const t = resolve(ce, (raw.headers.host ?? '').toLowerCase(), q >= 0 ? url.slice(0, q) : url);
    if (!t) return false;
    const inc: Incoming = {
      req: raw,
      path: t.path,
      query: q >= 0 ? url.slice(q + 1) : '',
      sourceIp: (raw.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      sourcePort: raw.socket.remotePort ?? 0,
    };
    serveUpgrade(ce.engine, t.cfg, t.listener, inc, socket, head);
    return true;
  });
}
