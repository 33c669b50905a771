// Each listener's own socket on this machine: HTTP (node:http), HTTPS (node:https with the ACM
// certificate), and for Network Load Balancers a TCP or TLS proxy (flow hash to healthy targets). The
// port is the listener's own when it is above 1024 and free, else one the kernel assigns; it is shown by
// DescribeListenerAttributes as `cumulus.local_port`.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { isPortFree } from '../../compute/ports.js';
import { certificateMaterial } from '../acm/index.js';
import type { Engine, LbConfig, Snapshot } from './engine.js';
import { countFlow } from './metrics.js';
import { openUdp } from './udp-proxy.js';
import { serveHttp, serveUpgrade, type Incoming } from './proxy.js';
import { routable } from './selection.js';
import { tlsVersions } from './ssl-policies.js';
import { targetKey, type ListenerRecord } from './store.js';
import { targetHost, trafficPort } from './targets-address.js';
import { closeUpstreams } from './upstream.js';

// ALB's limits: 64 KB of headers; headers must arrive within the minute (slow clients are cut off)
const HTTP_OPTIONS = { keepAliveTimeout: 60_000, headersTimeout: 60_000, requestTimeout: 0, maxHeaderSize: 64 * 1024 };

export interface Open {
  /** what the socket was opened for; a change reopens it */
  signature: string;
  close(): Promise<void>;
}

const open = new WeakMap<Engine, Map<string, Open>>();

function opened(engine: Engine): Map<string, Open> {
  let m = open.get(engine);
  if (!m) open.set(engine, (m = new Map()));
  return m;
}

export const signatureOf = (l: ListenerRecord) => `${l.Protocol}|${l.Port}|${l.Certificates[0]?.CertificateArn ?? ''}|${l.SslPolicy ?? ''}`;

/** The load balancer's config and the listener as they are now (read per request, so changes apply at once). */
export type Current = () => { cfg: LbConfig; listener: ListenerRecord } | undefined;

function currentV2(engine: Engine, l: ListenerRecord): Current {
  return () => {
    const cfg = engine.snapshot().byArn.get(l.LoadBalancerArn);
    const listener = cfg?.listeners.find((x) => x.ListenerArn === l.ListenerArn);
    return cfg && listener ? { cfg, listener } : undefined;
  };
}

function incoming(req: http.IncomingMessage): Incoming {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    req,
    path: q >= 0 ? url.slice(0, q) : url,
    query: q >= 0 ? url.slice(q + 1) : '',
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    sourcePort: req.socket.remotePort ?? 0,
  };
}

function httpServer(engine: Engine, current: Current, l: ListenerRecord, scopeCert?: { key: string; cert: string }): net.Server {
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const c = current();
    if (!c) return void res.writeHead(503).end();
    serveHttp(engine, c.cfg, c.listener, incoming(req), res);
  };
  const server = scopeCert
    ? https.createServer({ key: scopeCert.key, cert: scopeCert.cert, ...tlsVersions(l.SslPolicy), ...HTTP_OPTIONS }, onRequest)
    : http.createServer(HTTP_OPTIONS, onRequest);
  server.on('upgrade', (req, socket, head) => {
    const c = current();
    if (!c) return void socket.destroy();
    serveUpgrade(engine, c.cfg, c.listener, incoming(req), socket, head);
  });
  // malformed requests get the load balancer's 400, never a crash
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nServer: awselb/2.0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const idle = () => Number(current()?.cfg.lb.Attributes['idle_timeout.timeout_seconds'] ?? '60') * 1000;
  server.on('connection', (s: net.Socket) => s.setTimeout(idle(), () => s.destroy()));
  return server;
}

/** NLB: each connection goes to one target chosen by a hash of the client's address and port. */
function tcpServer(engine: Engine, current: Current, l: ListenerRecord, scopeCert?: { key: string; cert: string }): net.Server {
  const onConnection = (client: net.Socket) => {
    client.on('error', () => client.destroy());
    const c = current();
    const action = c?.listener.DefaultActions[c.listener.DefaultActions.length - 1];
    const tgArn = action?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn ?? action?.TargetGroupArn;
    const tg = tgArn ? c!.cfg.tgs.get(tgArn) : undefined;
    const targets = tg ? routable(engine, tg) : [];
    if (c) countFlow(engine, c.cfg.lb.LoadBalancerArn);
    if (!c || !tg || !targets.length) return void client.destroy();
    const hash = createHash('md5').update(`${client.remoteAddress}|${client.remotePort}|${l.Port}`).digest().readUInt32BE(0);
    const target = targets[hash % targets.length]!;
    const end = engine.begin(tg.TargetGroupArn, targetKey(target));
    const host = targetHost(engine.runtime, c.cfg.scope, tg, target);
    const port = trafficPort(tg, target);
    const upstream = tg.Protocol === 'TLS' ? tls.connect({ host, port, rejectUnauthorized: false }) : net.connect({ host, port });
    const idle = Number(c.listener.Attributes['tcp.idle_timeout.seconds'] ?? '350') * 1000;
    client.setTimeout(idle, () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      end();
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', close);
    upstream.on('close', close);
    client.on('close', close);
  };
  return scopeCert ? tls.createServer({ key: scopeCert.key, cert: scopeCert.cert, ...tlsVersions(l.SslPolicy) }, onConnection) : net.createServer(onConnection);
}

async function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
}

/** Opens a listener's own socket; `current` gives its load balancer's config at each request or connection. */
export async function openSocket(engine: Engine, scope: { account: string; region: string }, l: ListenerRecord, current: Current): Promise<Open | undefined> {
  const host = engine.runtime.config.host;
  const udp = l.Protocol === 'UDP' || l.Protocol === 'TCP_UDP';
  const tcp = l.Protocol !== 'UDP';
  const free = l.Port > 1024 && (!tcp || (await isPortFree(l.Port))) && (!udp || (await isPortFree(l.Port, 'udp')));
  const wanted = free ? l.Port : 0;
  if (l.Protocol === 'UDP') {
    const u = await openUdp(engine, current, host, wanted);
    engine.localPorts.set(l.ListenerArn, u.port);
    return { signature: signatureOf(l), close: u.close };
  }
  let cert: { key: string; cert: string } | undefined;
  if (l.Protocol === 'HTTPS' || l.Protocol === 'TLS') {
    const m = l.Certificates[0] && certificateMaterial(engine.runtime, scope, l.Certificates[0].CertificateArn);
    if (!m) return undefined;
    cert = { key: m.privateKeyPem, cert: m.chainPem ? `${m.certificatePem}\n${m.chainPem}` : m.certificatePem };
  }
  const server = l.Protocol === 'HTTP' || l.Protocol === 'HTTPS' ? httpServer(engine, current, l, cert) : tcpServer(engine, current, l, cert);
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  server.on('connection', track);
  server.on('secureConnection', track);
  let port: number;
  try {
    port = await listen(server, host, wanted);
  } catch {
    port = await listen(server, host, 0);
  }
  // TCP_UDP: the UDP side on the same port number
  const u = l.Protocol === 'TCP_UDP' ? await openUdp(engine, current, host, port).catch(() => undefined) : undefined;
  engine.localPorts.set(l.ListenerArn, port);
  return {
    signature: signatureOf(l),
    close: async () => {
      await Promise.all([closeServer(server, sockets), u?.close()]);
    },
  };
}

export function closeSocket(o: Open): Promise<void> {
  return o.close();
}

export async function reconcileListeners(engine: Engine, snap: Snapshot): Promise<void> {
  const m = opened(engine);
  const wanted = new Map<string, { scope: { account: string; region: string }; l: ListenerRecord }>();
  for (const cfg of snap.byArn.values()) for (const l of cfg.listeners) wanted.set(l.ListenerArn, { scope: cfg.scope, l });
  for (const [arn, o] of m) {
    const w = wanted.get(arn);
    if (!w || signatureOf(w.l) !== o.signature) {
      m.delete(arn);
      engine.localPorts.delete(arn);
      await closeSocket(o);
    }
  }
  for (const [arn, { scope, l }] of wanted) {
    if (m.has(arn)) continue;
    try {
      const o = await openSocket(engine, scope, l, currentV2(engine, l));
      if (o) m.set(arn, o);
    } catch (e) {
      engine.runtime.log.warn(`elbv2: listener ${arn} could not open a socket: ${String(e)}`);
    }
  }
}

export async function stopListeners(engine: Engine): Promise<void> {
  const m = opened(engine);
  const all = [...m.values()];
  m.clear();
  engine.localPorts.clear();
  await Promise.all(all.map(closeSocket));
  closeUpstreams();
}
