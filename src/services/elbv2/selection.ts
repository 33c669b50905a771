// Choosing where a forwarded request goes: a target group (weighted, with group stickiness), then a target
// in it: healthy ones (round robin or least outstanding requests), all registered ones when none is
// healthy (ELB fails open), sticky targets from the AWSALB / AWSALBAPP cookies.
import type { Action } from '../../generated/elbv2.js';
import type { Engine, LbConfig } from './engine.js';
import { targetKey as keyOf, type RegisteredTarget, type TargetGroupRecord } from './store.js';

// a target's key, built once per record (records are replaced, never changed, when targets change)
const keys = new WeakMap<RegisteredTarget, string>();
function targetKey(t: RegisteredTarget): string {
  let k = keys.get(t);
  if (k === undefined) keys.set(t, (k = keyOf(t)));
  return k;
}

export function parseCookies(header: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const h of list) {
    for (const part of h.split(';')) {
      const i = part.indexOf('=');
      if (i <= 0) continue;
      out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
    }
  }
  return out;
}

const encode = (s: string) => Buffer.from(s).toString('base64url');
const decode = (s: string) => {
  try {
    return Buffer.from(s, 'base64url').toString('utf8');
  } catch {
    return '';
  }
};

export interface GroupChoice {
  tg: TargetGroupRecord;
  /** cookie to set for target group stickiness */
  setCookies: string[];
}

function expires(engine: Engine, seconds: number): string {
  return new Date(engine.runtime.clock.now() + seconds * 1000).toUTCString();
}

const NO_COOKIES: string[] = [];

export function chooseGroup(engine: Engine, cfg: LbConfig, action: Action, cookies: Map<string, string>): GroupChoice | undefined {
  // the common case: one target group, nothing to weigh
  if (!action.ForwardConfig && action.TargetGroupArn) {
    const tg = cfg.tgs.get(action.TargetGroupArn);
    return tg ? { tg, setCookies: NO_COOKIES } : undefined;
  }
  const tuples = action.ForwardConfig?.TargetGroups ?? (action.TargetGroupArn ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }] : []);
  const stick = action.ForwardConfig?.TargetGroupStickinessConfig;
  const candidates = tuples.filter((t) => (t.Weight ?? 1) > 0 && cfg.tgs.has(t.TargetGroupArn!));
  if (!candidates.length) return undefined;
  let picked: string | undefined;
  if (stick?.Enabled) {
    const sticky = decode(cookies.get('AWSALBTG') ?? '');
    if (candidates.some((t) => t.TargetGroupArn === sticky)) picked = sticky;
  }
  if (!picked) {
    const total = candidates.reduce((n, t) => n + (t.Weight ?? 1), 0);
    let r = Math.random() * total;
    for (const t of candidates) {
      r -= t.Weight ?? 1;
      if (r < 0) {
        picked = t.TargetGroupArn!;
        break;
      }
    }
    picked ??= candidates[candidates.length - 1]!.TargetGroupArn!;
  }
  const setCookies: string[] = [];
  if (stick?.Enabled && candidates.length > 1) {
    const v = encode(picked);
    const exp = expires(engine, stick.DurationSeconds ?? 3600);
    setCookies.push(`AWSALBTG=${v}; Expires=${exp}; Path=/`, `AWSALBTGCORS=${v}; Expires=${exp}; Path=/; SameSite=None; Secure`);
  }
  return { tg: cfg.tgs.get(picked)!, setCookies };
}

export interface TargetChoice {
  target: RegisteredTarget;
  key: string;
  setCookies: string[];
  /** for app_cookie stickiness: the response's application cookie re-arms AWSALBAPP */
  appCookie?: { name: string; value: string; duration: number };
}

export type NoTarget = 'no-targets';

/** The targets a request may go to now: healthy ones, else (fail open) the unhealthy ones. */
export function routable(engine: Engine, tg: TargetGroupRecord): RegisteredTarget[] {
  const healthy: RegisteredTarget[] = [];
  const unhealthy: RegisteredTarget[] = [];
  for (const t of tg.Targets) {
    const h = engine.healthOf(tg.TargetGroupArn, targetKey(t));
    if (!h) continue;
    if (h.state === 'healthy') healthy.push(t);
    else if (h.state === 'unhealthy') unhealthy.push(t);
  }
  // Classic Load Balancers do not fail open (their synthetic groups say so)
  if (tg.Attributes['cumulus.fail_open'] === 'false') return healthy;
  return healthy.length ? healthy : unhealthy;
}

export function chooseTarget(engine: Engine, tg: TargetGroupRecord, cookies: Map<string, string>): TargetChoice | NoTarget {
  const list = routable(engine, tg);
  if (!list.length) return 'no-targets';
  const a = tg.Attributes;
  const sticky = a['stickiness.enabled'] === 'true';
  const type = a['stickiness.type'];
  const tgId = tg.TargetGroupArn.slice(-16);
  let target: RegisteredTarget | undefined;
  if (sticky) {
    const cookie = type === 'app_cookie' ? [...cookies.entries()].find(([k]) => k.startsWith('AWSALBAPP-'))?.[1] : cookies.get('AWSALB');
    const [id, key] = decode(cookie ?? '').split('|');
    if (id === tgId) target = list.find((t) => targetKey(t) === key);
  }
  if (!target) {
    if (a['load_balancing.algorithm.type'] === 'least_outstanding_requests') {
      let best = Infinity;
      for (const t of list) {
        const n = engine.inflightOf(tg.TargetGroupArn, targetKey(t));
        if (n < best) {
          best = n;
          target = t;
        }
      }
    } else if (Number(a['slow_start.duration_seconds'] ?? '0') > 0) {
      target = slowStartPick(engine, tg, list, Number(a['slow_start.duration_seconds']) * 1000);
    }
    if (!target) {
      const i = engine.cursors.get(tg.TargetGroupArn) ?? 0;
      engine.cursors.set(tg.TargetGroupArn, i + 1);
      target = list[i % list.length]!;
    }
  }
  const key = targetKey(target!);
  const setCookies: string[] = [];
  let appCookie: TargetChoice['appCookie'];
  if (sticky && type === 'lb_cookie') {
    const v = encode(`${tgId}|${key}`);
    const exp = expires(engine, Number(a['stickiness.lb_cookie.duration_seconds'] ?? '86400'));
    setCookies.push(`AWSALB=${v}; Expires=${exp}; Path=/`, `AWSALBCORS=${v}; Expires=${exp}; Path=/; SameSite=None; Secure`);
  } else if (sticky && type === 'app_cookie') {
    appCookie = { name: a['stickiness.app_cookie.cookie_name'] ?? '', value: encode(`${tgId}|${key}`), duration: Number(a['stickiness.app_cookie.duration_seconds'] ?? '86400') };
  }
  return { target: target!, key, setCookies, appCookie };
}

export function appCookieHeaders(engine: Engine, c: NonNullable<TargetChoice['appCookie']>): string[] {
  const exp = expires(engine, c.duration);
  return [`AWSALBAPP-0=${c.value}; Expires=${exp}; Path=/`];
}

/**
 * Slow start: a target that turned healthy less than the duration ago gets a share of requests that grows
 * linearly with the time since; none is in slow start when no other target is fully in service.
 */
function slowStartPick(engine: Engine, tg: TargetGroupRecord, list: RegisteredTarget[], durationMs: number): RegisteredTarget | undefined {
  const now = engine.runtime.clock.now();
  const weights = list.map((t) => {
    const since = engine.healthOf(tg.TargetGroupArn, targetKey(t))?.healthySince;
    return since === undefined ? 1 : Math.min(1, Math.max(0.01, (now - since) / durationMs));
  });
  if (!weights.some((w) => w < 1) || !weights.some((w) => w === 1)) return undefined;
  let r = Math.random() * weights.reduce((x, y) => x + y, 0);
  for (let i = 0; i < list.length; i++) {
    r -= weights[i]!;
    if (r < 0) return list[i];
  }
  return list[list.length - 1];
}
