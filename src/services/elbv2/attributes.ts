// Load balancer and target group attributes: AWS's defaults per type and the checks on modification.
import { validation } from './errors.js';
import type { LbType, Protocol } from './store.js';

const BOOL = /^(true|false)$/;

type Rule = RegExp | ((v: string) => boolean);
const range = (lo: number, hi: number) => (v: string) => /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi;

export function lbDefaults(type: LbType): Record<string, string> {
  const common = { 'deletion_protection.enabled': 'false', 'access_logs.s3.enabled': 'false', 'access_logs.s3.bucket': '', 'access_logs.s3.prefix': '' };
  if (type === 'network') {
    return { ...common, 'load_balancing.cross_zone.enabled': 'false', 'dns_record.client_routing_policy': 'any_availability_zone', 'ipv6.deny_all_igw_traffic': 'false' };
  }
  return {
    ...common,
    'idle_timeout.timeout_seconds': '60',
    'client_keep_alive.seconds': '3600',
    'routing.http2.enabled': 'true',
    'routing.http.drop_invalid_header_fields.enabled': 'false',
    'routing.http.desync_mitigation_mode': 'defensive',
    'routing.http.preserve_host_header.enabled': 'false',
    'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
    'routing.http.xff_client_port.enabled': 'false',
    'routing.http.xff_header_processing.mode': 'append',
    'waf.fail_open.enabled': 'false',
    'load_balancing.cross_zone.enabled': 'true',
    'connection_logs.s3.enabled': 'false',
    'connection_logs.s3.bucket': '',
    'connection_logs.s3.prefix': '',
  };
}

const LB_RULES: Record<string, Rule> = {
  'deletion_protection.enabled': BOOL,
  'access_logs.s3.enabled': BOOL,
  'access_logs.s3.bucket': /^.*$/,
  'access_logs.s3.prefix': /^.*$/,
  'idle_timeout.timeout_seconds': range(1, 4000),
  'client_keep_alive.seconds': range(60, 604800),
  'routing.http2.enabled': BOOL,
  'routing.http.drop_invalid_header_fields.enabled': BOOL,
  'routing.http.desync_mitigation_mode': /^(monitor|defensive|strictest)$/,
  'routing.http.preserve_host_header.enabled': BOOL,
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': BOOL,
  'routing.http.xff_client_port.enabled': BOOL,
  'routing.http.xff_header_processing.mode': /^(append|preserve|remove)$/,
  'waf.fail_open.enabled': BOOL,
  'load_balancing.cross_zone.enabled': BOOL,
  'connection_logs.s3.enabled': BOOL,
  'connection_logs.s3.bucket': /^.*$/,
  'connection_logs.s3.prefix': /^.*$/,
  'dns_record.client_routing_policy': /^(availability_zone_affinity|partial_availability_zone_affinity|any_availability_zone)$/,
  'ipv6.deny_all_igw_traffic': BOOL,
};

export function tgDefaults(targetType: string, protocol: Protocol | undefined): Record<string, string> {
  if (targetType === 'lambda') return { 'lambda.multi_value_headers.enabled': 'false' };
  const common = { 'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false' };
  if (protocol === 'HTTP' || protocol === 'HTTPS') {
    return {
      ...common,
      'stickiness.type': 'lb_cookie',
      'stickiness.lb_cookie.duration_seconds': '86400',
      'stickiness.app_cookie.cookie_name': '',
      'stickiness.app_cookie.duration_seconds': '86400',
      'slow_start.duration_seconds': '0',
      'load_balancing.algorithm.type': 'round_robin',
      'load_balancing.algorithm.anomaly_mitigation': 'off',
      'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
      'target_group_health.dns_failover.minimum_healthy_targets.count': '1',
      'target_group_health.dns_failover.minimum_healthy_targets.percentage': 'off',
      'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': '1',
      'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': 'off',
    };
  }
  return {
    ...common,
    'stickiness.type': 'source_ip',
    'deregistration_delay.connection_termination.enabled': 'false',
    'preserve_client_ip.enabled': targetType === 'instance' ? 'true' : 'false',
    'proxy_protocol_v2.enabled': 'false',
    'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
    'target_health_state.unhealthy.connection_termination.enabled': 'true',
  };
}

const TG_RULES: Record<string, Rule> = {
  'deregistration_delay.timeout_seconds': range(0, 3600),
  'stickiness.enabled': BOOL,
  'stickiness.type': /^(lb_cookie|app_cookie|source_ip|source_ip_dest_ip|source_ip_dest_ip_proto)$/,
  'stickiness.lb_cookie.duration_seconds': range(1, 604800),
  'stickiness.app_cookie.cookie_name': (v) => v === '' || (/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(v) && !/^AWSALB/i.test(v)),
  'stickiness.app_cookie.duration_seconds': range(1, 604800),
  'slow_start.duration_seconds': (v) => v === '0' || range(30, 900)(v),
  'load_balancing.algorithm.type': /^(round_robin|least_outstanding_requests|weighted_random)$/,
  'load_balancing.algorithm.anomaly_mitigation': /^(on|off)$/,
  'load_balancing.cross_zone.enabled': /^(true|false|use_load_balancer_configuration)$/,
  'lambda.multi_value_headers.enabled': BOOL,
  'deregistration_delay.connection_termination.enabled': BOOL,
  'preserve_client_ip.enabled': BOOL,
  'proxy_protocol_v2.enabled': BOOL,
  'target_health_state.unhealthy.connection_termination.enabled': BOOL,
  'target_group_health.dns_failover.minimum_healthy_targets.count': /^(off|\d+)$/,
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': /^(off|\d+)$/,
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': /^\d+$/,
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': /^(off|\d+)$/,
};

function apply(
  current: Record<string, string>,
  changes: { Key?: string; Value?: string }[],
  rules: Record<string, Rule>,
  what: 'Load balancer' | 'Target group',
): Record<string, string> {
  const out = { ...current };
  for (const { Key, Value = '' } of changes) {
    if (!Key) throw validation('An attribute key must be specified');
    const rule = rules[Key];
    if (!rule || !(Key in current)) throw validation(`${what} attribute key '${Key}' is not recognized`);
    const ok = typeof rule === 'function' ? rule(Value) : rule.test(Value);
    if (!ok) throw validation(`${what} attribute '${Key}' cannot have value '${Value}'`);
    out[Key] = Value;
  }
  return out;
}

export const modifyLbAttributes = (cur: Record<string, string>, ch: { Key?: string; Value?: string }[]) => apply(cur, ch, LB_RULES, 'Load balancer');
export const modifyTgAttributes = (cur: Record<string, string>, ch: { Key?: string; Value?: string }[]) => apply(cur, ch, TG_RULES, 'Target group');

export const attributeList = (a: Record<string, string>) => Object.entries(a).map(([Key, Value]) => ({ Key, Value }));
