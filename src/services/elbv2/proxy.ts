// The HTTP side of an Application Load Balancer: rules in priority order (the default actions last),
// fixed responses, redirects, and forwarding through a keep-alive reverse proxy with ELB's headers,
// sticky cookies, AWS's own 502/503/504 answers and the idle timeout. Used for the main port (by Host or
// path) and for each listener's own socket.
import { backendFault } from '../../server/backend-faults.js';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import type { Action, RedirectActionConfig } from '../../generated/elbv2.js';
import type { Engine, LbConfig } from './engine.js';
import { matchesAll, type RequestFacts } from './conditions.js';
import { serveLambda } from './lambda-target.js';
import { countElb, countTarget } from './metrics.js';
import { sendElbError, sendFixed } from './responses.js';
import { appCookieHeaders, chooseGroup, chooseTarget, parseCookies } from './selection.js';
import type { ListenerRecord, TargetGroupRecord } from './store.js';
import { targetHost, trafficPort } from './targets-address.js';
import { callUpstream, type UpstreamCall } from './upstream.js';

export interface Incoming {
  req: http.IncomingMessage;
  /** the body when it was already read (main port), else the request streams */
  body?: Buffer;
  /** the path to forward (the path form's prefix already stripped), and the raw query without '?' */
  path: string;
  query: string;
  sourceIp: string;
  sourcePort: number;
}

/** bodies up to this size go out in the same write as the head */
const SMALL_BODY = 16 * 1024;

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

// random bytes for trace ids, drawn from a pool (one randomBytes call per ~340 requests on the hot path)
let pool = randomBytes(4096);
let used = 0;

export function traceId(now: number): string {
  if (used + 12 > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  const id = pool.toString('hex', used, used + 12);
  used += 12;
  return `Root=1-${Math.floor(now / 1000).toString(16).padStart(8, '0')}-${id}`;
}

function hostOf(req: http.IncomingMessage): string {
  const h = req.headers.host ?? '';
  return h.replace(/:\d+$/, '').toLowerCase();
}

function factsOf(inc: Incoming): RequestFacts {
  return {
    method: inc.req.method ?? 'GET',
    host: hostOf(inc.req),
    path: inc.path,
    query: new URLSearchParams(inc.query),
    headers: inc.req.headers,
    sourceIp: inc.sourceIp,
  };
}

/** The action a request gets: the first rule (by priority) whose conditions all match, else the defaults. */
export function actionFor(cfg: LbConfig, listener: ListenerRecord, facts: RequestFacts): Action | undefined {
  for (const r of cfg.rules.get(listener.ListenerArn) ?? []) if (matchesAll(r.Conditions, facts)) return r.Actions[r.Actions.length - 1];
  return listener.DefaultActions[listener.DefaultActions.length - 1];
}

function redirectLocation(r: RedirectActionConfig, listener: ListenerRecord, inc: Incoming): string {
  const protocol = listener.Protocol === 'HTTPS' ? 'HTTPS' : 'HTTP';
  const host = hostOf(inc.req) || 'localhost';
  const port = String(listener.Port);
  const sub = (s: string) =>
    s
      .replace(/#\{protocol\}/g, protocol)
      .replace(/#\{host\}/g, host)
      .replace(/#\{port\}/g, port)
      .replace(/#\{path\}/g, inc.path.replace(/^\//, ''))
      .replace(/#\{query\}/g, inc.query);
  const p = sub(r.Protocol ?? '#{protocol}').toLowerCase();
  const po = sub(r.Port ?? '#{port}');
  const defaultPort = (p === 'https' && po === '443') || (p === 'http' && po === '80');
  const q = sub(r.Query ?? '#{query}');
  return `${p}://${sub(r.Host ?? '#{host}')}${defaultPort ? '' : `:${po}`}${sub(r.Path ?? '/#{path}')}${q ? `?${q}` : ''}`;
}

/** The request's header lines for the target: the client's (hop-by-hop ones removed) and ELB's X-Forwarded-* and trace id. */
function forwardHeaderList(inc: Incoming, listener: ListenerRecord, engine: Engine, lbAttrs: Record<string, string>): string[] {
  const out: string[] = [];
  const raw = inc.req.rawHeaders;
  const trace = inc.req.headers['x-amzn-trace-id'];
  // a client's trace id is kept when it has a Root; otherwise the load balancer starts one
  const keepTrace = typeof trace === 'string' && trace.includes('Root=');
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP.has(lower) || lower === 'x-forwarded-for' || lower === 'x-forwarded-proto' || lower === 'x-forwarded-port') continue;
    if (!keepTrace && lower === 'x-amzn-trace-id') continue;
    out.push(name, raw[i + 1]!);
  }
  const xffMode = lbAttrs['routing.http.xff_header_processing.mode'] ?? 'append';
  const client = lbAttrs['routing.http.xff_client_port.enabled'] === 'true' ? `${inc.sourceIp}:${inc.sourcePort}` : inc.sourceIp;
  const prior = inc.req.headers['x-forwarded-for'];
  if (xffMode === 'append') out.push('X-Forwarded-For', prior ? `${prior}, ${client}` : client);
  else if (xffMode === 'preserve' && prior) out.push('X-Forwarded-For', String(prior));
  out.push('X-Forwarded-Proto', listener.Protocol === 'HTTPS' ? 'https' : 'http', 'X-Forwarded-Port', String(listener.Port));
  if (!keepTrace) out.push('X-Amzn-Trace-Id', traceId(engine.runtime.clock.now()));
  return out;
}

function forwardHeaders(inc: Incoming, listener: ListenerRecord, engine: Engine, lbAttrs: Record<string, string>): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  const list = forwardHeaderList(inc, listener, engine, lbAttrs);
  for (let i = 0; i < list.length; i += 2) {
    const lower = list[i]!.toLowerCase();
    const v = list[i + 1]!;
    const prev = out[lower];
    out[lower] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
  }
  return out;
}

/** The target's header lines for the client (hop-by-hop ones removed), with the load balancer's cookies. */
function responseHeaders(raw: string[], extraCookies: string[], contentLength: number | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (HOP.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1]!);
  }
  for (const c of extraCookies) out.push('Set-Cookie', c);
  if (contentLength !== undefined) out.push('Content-Length', String(contentLength));
  return out;
}

export interface Routed {
  tg: TargetGroupRecord;
  key: string;
  host: string;
  port: number;
  cookies: string[];
  appCookie?: Parameters<typeof appCookieHeaders>[1];
  /** the group's target is a Lambda function */
  lambda?: boolean;
}

const targetKeyOf = (tg: TargetGroupRecord) => (tg.Targets[0] ? `${tg.Targets[0].Id}:` : '');

/** Rule evaluation and target choice; answers the request itself (fixed, redirect, 503) and returns undefined then. */
function route(engine: Engine, cfg: LbConfig, listener: ListenerRecord, inc: Incoming, res: http.ServerResponse | undefined): Routed | number | undefined {
  const serverHeader = listener.Attributes['routing.http.response.server.enabled'] !== 'false';
  // ELB refuses an X-Forwarded-For with more than 30 addresses (463)
  const xff = inc.req.headers['x-forwarded-for'];
  if (typeof xff === 'string' && xff.split(',').length > 30) return 463;
  // only rules read the request's facts; a listener without rules goes straight to its default action
  const rules = cfg.rules.get(listener.ListenerArn);
  const action = rules?.length ? actionFor(cfg, listener, factsOf(inc)) : listener.DefaultActions[listener.DefaultActions.length - 1];
  if (!action) return 503;
  if (action.Type === 'fixed-response') {
    const f = action.FixedResponseConfig!;
    if (res) sendFixed(res, Number(f.StatusCode), f.ContentType, f.MessageBody, serverHeader);
    return res ? undefined : Number(f.StatusCode);
  }
  if (action.Type === 'redirect') {
    const r = action.RedirectConfig!;
    if (!res) return 400;
    const status = r.StatusCode === 'HTTP_301' ? 301 : 302;
    const headers: Record<string, string> = { location: redirectLocation(r, listener, inc), 'content-type': 'text/html', 'content-length': '0' };
    if (serverHeader) headers.server = 'awselb/2.0';
    res.writeHead(status, headers);
    res.end();
    return undefined;
  }
  const cookies = parseCookies(inc.req.headers.cookie);
  const group = chooseGroup(engine, cfg, action, cookies);
  if (!group) return 503;
  if (group.tg.TargetType === 'lambda') return { tg: group.tg, key: targetKeyOf(group.tg), host: '', port: 0, cookies: group.setCookies, lambda: true };
  const choice = chooseTarget(engine, group.tg, cookies);
  if (choice === 'no-targets') return 503;
  return {
    tg: group.tg,
    key: choice.key,
    host: targetHost(engine.runtime, cfg.scope, group.tg, choice.target),
    port: trafficPort(group.tg, choice.target),
    cookies: [...group.setCookies, ...choice.setCookies],
    appCookie: choice.appCookie,
  };
}

/** Serves one request that reached a listener of the load balancer. */
export function serveHttp(engine: Engine, cfg: LbConfig, listener: ListenerRecord, inc: Incoming, res: http.ServerResponse): void {
  const serverHeader = listener.Attributes['routing.http.response.server.enabled'] !== 'false';
  const t0 = performance.now();
  let fromGroup: string | undefined;
  res.on('finish', () => {
    if (fromGroup) countTarget(engine, cfg.lb.LoadBalancerArn, fromGroup, res.statusCode, (performance.now() - t0) / 1000);
    else countElb(engine, cfg.lb.LoadBalancerArn, res.statusCode);
  });
  const routed = route(engine, cfg, listener, inc, res);
  if (routed === undefined) return;
  if (typeof routed === 'number') return sendElbError(res, routed, serverHeader);
  const end = engine.begin(routed.tg.TargetGroupArn, routed.key);
  if (routed.lambda) {
    const fwd = forwardHeaders(inc, listener, engine, cfg.lb.Attributes);
    const extra: Record<string, string> = {};
    for (const k of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port', 'x-amzn-trace-id']) if (fwd[k] !== undefined) extra[k] = String(fwd[k]);
    if (routed.cookies.length) res.setHeader('set-cookie', routed.cookies);
    fromGroup = routed.tg.TargetGroupArn;
    void serveLambda(engine.runtime, cfg.scope, routed.tg, extra, inc, res, serverHeader).catch(() => sendElbError(res, 502, serverHeader)).finally(end);
    return;
  }
  const idleMs = Number(cfg.lb.Attributes['idle_timeout.timeout_seconds'] ?? '60') * 1000;
  // an injected backend fault (POST /_cumulus/faults {"kind":"http-backend"}): what a failing target would do
  const fault = backendFault(engine.runtime.faults, routed.host, routed.port);
  if (fault) {
    if (fault.reset) {
      end();
      return sendElbError(res, 502, serverHeader);
    }
    if (fault.delayMs !== undefined && fault.delayMs >= idleMs) {
      engine.runtime.clock.setTimeout(() => {
        end();
        sendElbError(res, 504, serverHeader);
      }, idleMs);
      return;
    }
    if (fault.status !== undefined) {
      const status = fault.status;
      fromGroup = routed.tg.TargetGroupArn;
      engine.runtime.clock.setTimeout(() => {
        end();
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(`injected fault: ${status}\n`);
      }, fault.delayMs ?? 0);
      return;
    }
    engine.runtime.clock.setTimeout(() => forward(engine, cfg, listener, inc, res, routed, idleMs, serverHeader, end, (g) => (fromGroup = g)), fault.delayMs ?? 0);
    return;
  }
  forward(engine, cfg, listener, inc, res, routed, idleMs, serverHeader, end, (g) => (fromGroup = g));
}

/** Sends the request on to the chosen target and streams its answer back. */
function forward(
  engine: Engine,
  cfg: LbConfig,
  listener: ListenerRecord,
  inc: Incoming,
  res: http.ServerResponse,
  routed: Exclude<ReturnType<typeof route>, number | undefined>,
  idleMs: number,
  serverHeader: boolean,
  end: () => void,
  answeredBy: (group: string) => void,
): void {
  const method = inc.req.method ?? 'GET';
  const cl = inc.req.headers['content-length'];
  const streamed = inc.body || (cl === undefined && inc.req.headers['transfer-encoding'] === undefined) ? undefined : { source: inc.req as Readable, length: cl === undefined ? undefined : Number(cl) };
  // no body: nothing to wait for
  if (!inc.body && !streamed) inc.req.resume();
  let settled = false;
  let status = 0;
  let raw: string[] | undefined;
  let headWritten = false;
  // the body read so far while the head is held back: a small answer goes out in one write with its head
  let held: Buffer[] = [];
  let heldBytes = 0;
  const fail = (s: number) => {
    if (settled) return;
    settled = true;
    end();
    if (res.headersSent) res.destroy();
    else sendElbError(res, s, serverHeader);
  };
  const writeHead = (contentLength: number | undefined): boolean => {
    headWritten = true;
    const cookies = routed.cookies.slice();
    if (routed.appCookie) {
      const app = routed.appCookie.name;
      for (let i = 0; i < raw!.length; i += 2) {
        if (raw![i]!.toLowerCase() === 'set-cookie' && raw![i + 1]!.split('=')[0]!.trim() === app) {
          cookies.push(...appCookieHeaders(engine, routed.appCookie));
          break;
        }
      }
    }
    try {
      res.writeHead(status, responseHeaders(raw!, cookies, contentLength));
      return true;
    } catch {
      // a header node refuses to send on (bad characters): the target's answer is not valid HTTP
      headWritten = false;
      call.abort();
      fail(502);
      return false;
    }
  };
  const flushHeld = () => {
    if (!writeHead(undefined)) return;
    let ok = true;
    for (const c of held) ok = res.write(c);
    held = [];
    if (!ok) {
      call.pause();
      res.once('drain', () => call.resume());
    }
  };
  const call: UpstreamCall = callUpstream(
    {
      host: routed.host,
      port: routed.port,
      secure: routed.tg.Protocol === 'HTTPS',
      method,
      target: `${inc.path}${inc.query ? `?${inc.query}` : ''}`,
      headers: forwardHeaderList(inc, listener, engine, cfg.lb.Attributes),
      body: inc.body,
      stream: streamed,
      timeoutMs: idleMs,
    },
    {
      head(s, r) {
        if (settled) return;
        answeredBy(routed.tg.TargetGroupArn);
        status = s;
        raw = r;
      },
      data(c) {
        if (settled) return true;
        if (!headWritten) {
          held.push(c);
          heldBytes += c.length;
          return true;
        }
        if (res.write(c)) return true;
        res.once('drain', () => call.resume());
        return false;
      },
      read() {
        if (!settled && raw && !headWritten) flushHeld();
      },
      end() {
        if (settled) return;
        if (!headWritten) {
          const bodiless = method === 'HEAD' || status === 204 || status === 304;
          let hasLength = false;
          for (let i = 0; i < raw!.length; i += 2) if (raw![i]!.length === 14 && raw![i]!.toLowerCase() === 'content-length') hasLength = true;
          if (!writeHead(bodiless || hasLength ? undefined : heldBytes)) return;
          settled = true;
          const body = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
          // a small body as a latin1 string (byte for byte the same) joins the head in one plain write
          if (body.length <= SMALL_BODY) res.end(body.toString('latin1'), 'latin1');
          else res.end(body);
        } else {
          settled = true;
          res.end();
        }
        held = [];
        end();
      },
      fail(kind) {
        fail(kind === 'timeout' ? 504 : 502);
      },
    },
  );
  res.on('close', () => {
    if (!res.writableFinished) call.abort();
    end();
  });
}

/** An HTTP/1.1 upgrade (WebSocket) through the load balancer: routed like a request, then bytes both ways. */
export function serveUpgrade(engine: Engine, cfg: LbConfig, listener: ListenerRecord, inc: Incoming, socket: Duplex, head: Buffer): void {
  const routed = route(engine, cfg, listener, inc, undefined);
  if (routed === undefined || typeof routed === 'number' || routed.lambda) {
    const status = typeof routed === 'number' ? routed : 400;
    socket.end(`HTTP/1.1 ${status} ${status === 503 ? 'Service Temporarily Unavailable' : 'Error'}\r\nServer: awselb/2.0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    return;
  }
  const end = engine.begin(routed.tg.TargetGroupArn, routed.key);
  const upstream = net.connect({ host: routed.host, port: routed.port });
  const headers = forwardHeaders(inc, listener, engine, cfg.lb.Attributes);
  headers.connection = 'Upgrade';
  headers.upgrade = inc.req.headers.upgrade;
  let headText = `${inc.req.method} ${inc.path}${inc.query ? `?${inc.query}` : ''} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) headText += `${k}: ${x}\r\n`;
  }
  headText += '\r\n';
  upstream.on('connect', () => {
    upstream.write(headText);
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  const close = () => {
    end();
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', () => {
    if (!socket.destroyed) socket.end('HTTP/1.1 502 Bad Gateway\r\nServer: awselb/2.0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    end();
  });
  // the main server's sockets allow half-open connections: either side ending ends the tunnel
  upstream.on('close', close);
  upstream.on('end', close);
  socket.on('error', close);
  socket.on('close', close);
  socket.on('end', close);
}
