// Listeners: Create/Describe/Modify/Delete, their attributes and certificates. A listener also gets a
// real local socket (see listener-servers.ts); its port is shown as the listener attribute
// `cumulus.local_port` (the listener's own port when it was free and above 1024, else an assigned one).
import type { Certificate, Elbv2Operations, Listener } from '../../generated/elbv2.js';
import { AwsError } from '../../protocol/errors.js';
import { mergeTags } from '../../protocol/tags.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { certificateMaterial } from '../acm/index.js';
import { checkActions } from './actions.js';
import { invalidConfig, validation } from './errors.js';
import { listenerArn } from './ids.js';
import { getLb, getListener, listenersOf, pageOf } from './lookup.js';
import { engineFor } from './runtime.js';
import { DEFAULT_SSL_POLICY, sslPolicy } from './ssl-policies.js';
import { scopeOf, tables, type ListenerRecord, type LoadBalancerRecord, type Protocol } from './store.js';

export const LOCAL_PORT_ATTRIBUTE = 'cumulus.local_port';

export function listenerView(l: ListenerRecord): Listener {
  const tls = l.Protocol === 'HTTPS' || l.Protocol === 'TLS';
  return {
    ListenerArn: l.ListenerArn,
    LoadBalancerArn: l.LoadBalancerArn,
    Port: l.Port,
    Protocol: l.Protocol,
    Certificates: tls ? l.Certificates.slice(0, 1) : undefined,
    SslPolicy: tls ? l.SslPolicy : undefined,
    DefaultActions: l.DefaultActions,
    AlpnPolicy: l.Protocol === 'TLS' ? (l.AlpnPolicy ?? []) : undefined,
  };
}

function defaultListenerAttributes(lb: LoadBalancerRecord, protocol: Protocol): Record<string, string> {
  if (lb.Type === 'network') return protocol === 'TCP' ? { 'tcp.idle_timeout.seconds': '350' } : {};
  const a: Record<string, string> = { 'routing.http.response.server.enabled': 'true' };
  if (protocol === 'HTTPS') a['routing.http.request.x_amzn_mtls_clientcert.header_name'] = '';
  return a;
}

function checkProtocol(lb: LoadBalancerRecord, protocol: string | undefined): Protocol {
  const allowed = lb.Type === 'application' ? ['HTTP', 'HTTPS'] : ['TCP', 'TLS', 'UDP', 'TCP_UDP'];
  const p = protocol ?? (lb.Type === 'application' ? 'HTTP' : 'TCP');
  if (!allowed.includes(p)) throw validation(`Listener protocol '${p}' must be one of '${allowed.join(', ')}'`);
  return p as Protocol;
}

function checkCertificates(ctx: RequestContext, protocol: Protocol, certs: Certificate[] | undefined): { CertificateArn: string }[] {
  if (protocol !== 'HTTPS' && protocol !== 'TLS') {
    if (certs?.length) throw validation(`Certificates cannot be specified for '${protocol}' listeners`);
    return [];
  }
  const arn = certs?.[0]?.CertificateArn;
  if (!arn) throw validation(`A certificate must be specified for '${protocol}' listeners`);
  if (!certificateMaterial(ctx, scopeOf(ctx), arn)) throw new AwsError('CertificateNotFound', `Certificate '${arn}' not found`);
  return [{ CertificateArn: arn }];
}

function checkSslPolicy(protocol: Protocol, name: string | undefined): string | undefined {
  if (protocol !== 'HTTPS' && protocol !== 'TLS') return undefined;
  const p = name ?? DEFAULT_SSL_POLICY;
  if (!sslPolicy(p)) throw new AwsError('SSLPolicyNotFound', `SSL policy '${p}' not found`);
  return p;
}

export const listenerHandlers: Handlers<Elbv2Operations> = {
  CreateListener(ctx, input) {
    const lb = getLb(ctx, input.LoadBalancerArn);
    const protocol = checkProtocol(lb, input.Protocol);
    if (input.Port === undefined) throw validation('A listener port must be specified');
    const existing = listenersOf(ctx, lb.LoadBalancerArn);
    const same = existing.find((l) => l.Port === input.Port);
    if (same) throw new AwsError('DuplicateListener', 'A listener already exists on this port for this load balancer');
    if (existing.length >= 50) throw new AwsError('TooManyListeners', 'You\'ve reached the limit on the number of listeners per load balancer');
    const Certificates = checkCertificates(ctx, protocol, input.Certificates);
    const arn = listenerArn(lb.LoadBalancerArn);
    const l: ListenerRecord = {
      ListenerArn: arn,
      LoadBalancerArn: lb.LoadBalancerArn,
      Port: input.Port,
      Protocol: protocol,
      SslPolicy: checkSslPolicy(protocol, input.SslPolicy),
      Certificates,
      DefaultActions: checkActions(ctx, lb, protocol, input.DefaultActions),
      AlpnPolicy: input.AlpnPolicy,
      Attributes: defaultListenerAttributes(lb, protocol),
      Tags: mergeTags({}, input.Tags ?? [], { code: 'ValidationError', limitCode: 'TooManyTags' }),
    };
    tables(ctx).listeners.put(scopeOf(ctx), arn, l);
    return { Listeners: [listenerView(l)] };
  },

  DescribeListeners(ctx, input) {
    if (!input.LoadBalancerArn && !input.ListenerArns?.length) throw validation('You must specify either listener ARNs or a load balancer ARN');
    let picked: ListenerRecord[];
    if (input.ListenerArns?.length) picked = input.ListenerArns.map((a) => getListener(ctx, a));
    else picked = listenersOf(ctx, getLb(ctx, input.LoadBalancerArn!).LoadBalancerArn);
    const page = pageOf(picked, (l) => l.ListenerArn, input.Marker, input.PageSize);
    return { Listeners: page.items.map(listenerView), NextMarker: page.NextMarker };
  },

  ModifyListener(ctx, input) {
    const l = getListener(ctx, input.ListenerArn);
    const lb = getLb(ctx, l.LoadBalancerArn);
    const protocol = input.Protocol ? checkProtocol(lb, input.Protocol) : l.Protocol;
    const port = input.Port ?? l.Port;
    if (port !== l.Port && listenersOf(ctx, lb.LoadBalancerArn).some((x) => x.Port === port)) {
      throw new AwsError('DuplicateListener', 'A listener already exists on this port for this load balancer');
    }
    const tls = protocol === 'HTTPS' || protocol === 'TLS';
    const Certificates = input.Certificates ? checkCertificates(ctx, protocol, input.Certificates) : tls ? l.Certificates : [];
    if (tls && !Certificates.length) throw validation(`A certificate must be specified for '${protocol}' listeners`);
    const next: ListenerRecord = {
      ...l,
      Port: port,
      Protocol: protocol,
      Certificates,
      SslPolicy: checkSslPolicy(protocol, input.SslPolicy ?? l.SslPolicy),
      DefaultActions: input.DefaultActions ? checkActions(ctx, lb, protocol, input.DefaultActions) : l.DefaultActions,
      AlpnPolicy: input.AlpnPolicy ?? l.AlpnPolicy,
      Attributes: protocol === l.Protocol ? l.Attributes : defaultListenerAttributes(lb, protocol),
    };
    tables(ctx).listeners.put(scopeOf(ctx), l.ListenerArn, next);
    return { Listeners: [listenerView(next)] };
  },

  DeleteListener(ctx, input) {
    const t = tables(ctx);
    const sc = scopeOf(ctx);
    const l = getListener(ctx, input.ListenerArn);
    for (const r of t.rules.list(sc)) if (r.ListenerArn === l.ListenerArn) t.rules.delete(sc, r.RuleArn);
    t.listeners.delete(sc, l.ListenerArn);
    return {};
  },

  DescribeListenerAttributes(ctx, input) {
    const l = getListener(ctx, input.ListenerArn);
    const port = engineFor(ctx).localPorts.get(l.ListenerArn);
    const attrs = Object.entries(l.Attributes).map(([Key, Value]) => ({ Key, Value }));
    if (port !== undefined) attrs.push({ Key: LOCAL_PORT_ATTRIBUTE, Value: String(port) });
    return { Attributes: attrs };
  },

  ModifyListenerAttributes(ctx, input) {
    const l = getListener(ctx, input.ListenerArn);
    const Attributes = { ...l.Attributes };
    for (const { Key, Value = '' } of input.Attributes) {
      if (!Key || !(Key in Attributes)) throw validation(`Listener attribute key '${Key}' is not recognized`);
      if (Key === 'tcp.idle_timeout.seconds' && !(/^\d+$/.test(Value) && Number(Value) >= 60 && Number(Value) <= 6000)) {
        throw validation(`Listener attribute '${Key}' must be between 60 and 6000`);
      }
      if (Key === 'routing.http.response.server.enabled' && !/^(true|false)$/.test(Value)) throw validation(`Listener attribute '${Key}' must be true or false`);
      Attributes[Key] = Value;
    }
    tables(ctx).listeners.put(scopeOf(ctx), l.ListenerArn, { ...l, Attributes });
    return { Attributes: Object.entries(Attributes).map(([Key, Value]) => ({ Key, Value })) };
  },

  DescribeListenerCertificates(ctx, input) {
    const l = getListener(ctx, input.ListenerArn);
    return { Certificates: l.Certificates.map((c, i) => ({ CertificateArn: c.CertificateArn, IsDefault: i === 0 })) };
  },

  AddListenerCertificates(ctx, input) {
    const l = getListener(ctx, input.ListenerArn);
    if (l.Protocol !== 'HTTPS' && l.Protocol !== 'TLS') throw invalidConfig('Certificates can only be added to HTTPS and TLS listeners');
    const certs = [...l.Certificates];
    for (const c of input.Certificates) {
      if (!c.CertificateArn) throw validation('A certificate ARN must be specified');
      if (!certificateMaterial(ctx, scopeOf(ctx), c.CertificateArn)) throw new AwsError('CertificateNotFound', `Certificate '${c.CertificateArn}' not found`);
      if (!certs.some((x) => x.CertificateArn === c.CertificateArn)) certs.push({ CertificateArn: c.CertificateArn });
    }
    if (certs.length > 26) throw new AwsError('TooManyCertificates', 'You\'ve reached the limit on the number of certificates per load balancer');
    tables(ctx).listeners.put(scopeOf(ctx), l.ListenerArn, { ...l, Certificates: certs });
    return { Certificates: certs.slice(1).map((c) => ({ CertificateArn: c.CertificateArn, IsDefault: false })) };
  },

  RemoveListenerCertificates(ctx, input) {
    const l = getListener(ctx, input.ListenerArn);
    const drop = input.Certificates.map((c) => c.CertificateArn);
    if (l.Certificates[0] && drop.includes(l.Certificates[0].CertificateArn)) throw new AwsError('OperationNotPermitted', 'The default certificate cannot be removed');
    tables(ctx).listeners.put(scopeOf(ctx), l.ListenerArn, { ...l, Certificates: l.Certificates.filter((c) => !drop.includes(c.CertificateArn)) });
    return {};
  },
};

/** The default rule's ARN, derived from the listener's so that it is stable across restarts. */
export function defaultRuleArn(listenerArnValue: string): string {
  return listenerArnValue.replace(':listener/', ':listener-rule/') + '/' + listenerArnValue.slice(-16).split('').reverse().join('');
}
