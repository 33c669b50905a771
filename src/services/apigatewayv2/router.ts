// Route selection as HTTP APIs do it: the most specific path wins (literal segments before {param} before a
// greedy {proxy+}), a route's own method before ANY, and `$default` when nothing else matches.
import type { ApiDefinition, RouteRecord } from './store.js';

interface Compiled {
  route: RouteRecord;
  method: string;
  /** per segment: literal text, or a variable */
  segments: { literal?: string; name?: string; greedy?: boolean }[];
  rank: number[];
}

export interface RouteMatch {
  route: RouteRecord;
  pathParameters: Record<string, string>;
}

export class Router {
  private readonly routes: Compiled[] = [];
  private fallback?: RouteRecord;

  constructor(def: ApiDefinition) {
    for (const route of Object.values(def.routes)) {
      if (route.RouteKey === '$default') {
        this.fallback = route;
        continue;
      }
      const sp = route.RouteKey.indexOf(' ');
      const method = route.RouteKey.slice(0, sp);
      const path = route.RouteKey.slice(sp + 1);
      const segments = path
        .split('/')
        .filter(Boolean)
        .map((s) => {
          const m = /^\{(.+?)(\+)?\}$/.exec(s);
          return m ? { name: m[1]!, greedy: !!m[2] } : { literal: s };
        });
      // lower sorts first: literal (0) < variable (1) < greedy (2) per segment, then own method before ANY
      const rank = [...segments.map((s) => (s.literal !== undefined ? 0 : s.greedy ? 2 : 1)), method === 'ANY' ? 1 : 0];
      this.routes.push({ route, method, segments, rank });
    }
  }

  route(method: string, segments: string[]): RouteMatch | undefined {
    let best: { c: Compiled; params: Record<string, string> } | undefined;
    for (const c of this.routes) {
      if (c.method !== 'ANY' && c.method !== method) continue;
      const params = match(c, segments);
      if (!params) continue;
      if (!best || better(c, best.c)) best = { c, params };
    }
    if (best) return { route: best.c.route, pathParameters: best.params };
    return this.fallback ? { route: this.fallback, pathParameters: {} } : undefined;
  }
}

function match(c: Compiled, segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < c.segments.length; i++) {
    const s = c.segments[i]!;
    if (s.greedy) {
      if (i >= segments.length) return undefined;
      params[s.name!] = segments.slice(i).join('/');
      return params;
    }
    const v = segments[i];
    if (v === undefined) return undefined;
    if (s.literal !== undefined) {
      if (s.literal !== v) return undefined;
    } else params[s.name!] = v;
  }
  return segments.length === c.segments.length ? params : undefined;
}

/** Is a more specific than b? Segment by segment, then by method. */
function better(a: Compiled, b: Compiled): boolean {
  const aPath = a.rank.slice(0, -1);
  const bPath = b.rank.slice(0, -1);
  const aGreedy = aPath.includes(2);
  const bGreedy = bPath.includes(2);
  if (aGreedy !== bGreedy) return !aGreedy;
  const aVars = aPath.some((r) => r > 0);
  const bVars = bPath.some((r) => r > 0);
  if (aVars !== bVars) return !aVars;
  for (let i = 0; i < Math.min(aPath.length, bPath.length); i++) {
    if (aPath[i] !== bPath[i]) return aPath[i]! < bPath[i]!;
  }
  if (aPath.length !== bPath.length) return aPath.length > bPath.length;
  return a.rank.at(-1)! < b.rank.at(-1)!;
}
