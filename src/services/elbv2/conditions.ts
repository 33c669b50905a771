// Rule conditions: checking them as ELB does, showing them as ELB does, and matching a request.
import type { RuleCondition } from '../../generated/elbv2.js';
import { validation } from './errors.js';

const FIELDS = ['host-header', 'path-pattern', 'http-header', 'http-request-method', 'query-string', 'source-ip'];

/** The values a condition carries, counted against the limit of 5 per rule. */
function valuesOf(c: RuleCondition): string[] {
  switch (c.Field) {
    case 'host-header':
      return c.HostHeaderConfig?.Values ?? c.Values ?? [];
    case 'path-pattern':
      return c.PathPatternConfig?.Values ?? c.Values ?? [];
    case 'http-header':
      return c.HttpHeaderConfig?.Values ?? [];
    case 'http-request-method':
      return c.HttpRequestMethodConfig?.Values ?? [];
    case 'query-string':
      return (c.QueryStringConfig?.Values ?? []).map((v) => `${v.Key ?? ''}=${v.Value ?? ''}`);
    case 'source-ip':
      return c.SourceIpConfig?.Values ?? [];
    default:
      return [];
  }
}

export function checkConditions(conditions: RuleCondition[]): RuleCondition[] {
  if (!conditions.length) throw validation('A rule must have at least one condition');
  let count = 0;
  const seen = new Set<string>();
  const out: RuleCondition[] = [];
  for (const c of conditions) {
    if (!c.Field || !FIELDS.includes(c.Field)) throw validation(`Condition field '${c.Field ?? ''}' must be one of '[${FIELDS.join(', ')}]'`);
    if (c.Field !== 'http-header' && c.Field !== 'query-string' && seen.has(c.Field)) throw validation(`A rule can only have one '${c.Field}' condition`);
    seen.add(c.Field);
    const values = valuesOf(c);
    if (!values.length) throw validation(`A condition value must be specified for the '${c.Field}' condition`);
    for (const v of values) if (v.length > 128) throw validation(`Condition value '${v}' cannot be longer than 128 characters`);
    count += values.length;
    if (c.Field === 'http-header' && !c.HttpHeaderConfig?.HttpHeaderName) throw validation('An HTTP header name must be specified for the http-header condition');
    if (c.Field === 'http-request-method') {
      for (const m of values) if (!/^[A-Za-z_-]+$/.test(m)) throw validation(`HTTP request method '${m}' is not valid`);
    }
    if (c.Field === 'source-ip') {
      for (const v of values) if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(v)) throw validation(`Source IP '${v}' must be an IPv4 CIDR block`);
    }
    if (c.Field === 'path-pattern') {
      for (const v of values) if (!v.startsWith('/') && !v.startsWith('*')) throw validation(`The path pattern '${v}' must begin with '/' or '*'`);
    }
    // ELB answers host-header and path-pattern given as Values in both forms
    if ((c.Field === 'host-header' || c.Field === 'path-pattern') && c.Values?.length) {
      const cfg = { Values: c.Values };
      out.push(c.Field === 'host-header' ? { Field: c.Field, Values: c.Values, HostHeaderConfig: cfg } : { Field: c.Field, Values: c.Values, PathPatternConfig: cfg });
    } else out.push({ ...c, Values: undefined });
  }
  if (count > 5) throw validation("A rule can only have a maximum of '5' condition values");
  return out;
}

/** ELB's wildcards: * any run of characters, ? one character. */
function wildcard(pattern: string, caseInsensitive: boolean): RegExp {
  const src = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${src}$`, caseInsensitive ? 'i' : '');
}

const cache = new Map<string, RegExp>();
function wild(pattern: string, ci: boolean): RegExp {
  const k = `${ci ? 'i' : 's'}${pattern}`;
  let r = cache.get(k);
  if (!r) {
    if (cache.size > 5000) cache.clear();
    cache.set(k, (r = wildcard(pattern, ci)));
  }
  return r;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const toInt = (s: string) => s.split('.').reduce((n, p) => (n << 8) + Number(p), 0) >>> 0;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const prefix = Number(bits);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(base!) & mask) >>> 0);
}

export interface RequestFacts {
  method: string;
  /** Host header without the port */
  host: string;
  /** the path, without the query */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  sourceIp: string;
}

function matchOne(c: RuleCondition, r: RequestFacts): boolean {
  const values = valuesOf(c);
  switch (c.Field) {
    case 'host-header':
      return values.some((v) => wild(v, true).test(r.host));
    case 'path-pattern': {
      let path = r.path;
      try {
        path = decodeURIComponent(r.path);
      } catch {
        /* keep it raw */
      }
      return values.some((v) => wild(v, false).test(path));
    }
    case 'http-header': {
      const h = r.headers[c.HttpHeaderConfig!.HttpHeaderName!.toLowerCase()];
      const list = h === undefined ? [] : Array.isArray(h) ? h : [h];
      return list.some((x) => values.some((v) => wild(v, true).test(x)));
    }
    case 'http-request-method':
      return values.includes(r.method);
    case 'query-string':
      return (c.QueryStringConfig?.Values ?? []).some((kv) =>
        [...r.query.entries()].some(([k, v]) => (kv.Key === undefined || wild(kv.Key, true).test(k)) && wild(kv.Value ?? '*', true).test(v)),
      );
    case 'source-ip':
      return values.some((cidr) => ipInCidr(r.sourceIp, cidr));
    default:
      return false;
  }
}

/** All conditions must match; within one, any value. */
export function matchesAll(conditions: RuleCondition[], r: RequestFacts): boolean {
  return conditions.every((c) => matchOne(c, r));
}
