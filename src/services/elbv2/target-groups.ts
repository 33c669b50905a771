// Target groups: Create/Describe/Modify/Delete, health check settings with AWS's defaults per protocol,
// and attributes.
import type { CreateTargetGroupInput, Elbv2Operations, Matcher, TargetGroup } from '../../generated/elbv2.js';
import { AwsError } from '../../protocol/errors.js';
import { mergeTags } from '../../protocol/tags.js';
import type { Handlers } from '../define.js';
import { vpcExists } from '../ec2/index.js';
import { attributeList, modifyTgAttributes, tgDefaults } from './attributes.js';
import { getLb, getTg, lbsUsingTg, pageOf } from './lookup.js';
import { resourceInUse, tgNotFound, validation } from './errors.js';
import { tgArn } from './ids.js';
import { scopeOf, tables, type ElbCtx, type HealthCheck, type Protocol, type TargetGroupRecord } from './store.js';

export function tgView(ctx: ElbCtx, tg: TargetGroupRecord): TargetGroup {
  const hc = tg.HealthCheck;
  const http = hc.Protocol === 'HTTP' || hc.Protocol === 'HTTPS';
  return {
    TargetGroupArn: tg.TargetGroupArn,
    TargetGroupName: tg.TargetGroupName,
    Protocol: tg.Protocol,
    Port: tg.Port,
    VpcId: tg.VpcId,
    HealthCheckProtocol: tg.TargetType === 'lambda' ? undefined : hc.Protocol,
    HealthCheckPort: tg.TargetType === 'lambda' ? undefined : hc.Port,
    HealthCheckEnabled: hc.Enabled,
    HealthCheckIntervalSeconds: hc.IntervalSeconds,
    HealthCheckTimeoutSeconds: hc.TimeoutSeconds,
    HealthyThresholdCount: hc.HealthyThreshold,
    UnhealthyThresholdCount: hc.UnhealthyThreshold,
    HealthCheckPath: http ? hc.Path : undefined,
    Matcher: http ? hc.Matcher : undefined,
    LoadBalancerArns: lbsUsingTg(ctx, tg.TargetGroupArn),
    TargetType: tg.TargetType,
    ProtocolVersion: tg.ProtocolVersion,
    IpAddressType: tg.TargetType === 'lambda' ? undefined : (tg.IpAddressType ?? 'ipv4'),
  };
}

function checkName(name: string): void {
  if (name.length > 32) throw validation(`Target group name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name)) throw validation(`Target group name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  if (name.startsWith('-') || name.endsWith('-')) throw validation(`Target group name '${name}' cannot begin or end with '-'`);
}

/** AWS's defaults: HTTP(S) groups check HTTP on / every 30 s (5 s timeout, 5/2); TCP-family groups connect (10 s, 5/2); Lambda checks are off. */
function defaultHealthCheck(targetType: string, protocol: Protocol | undefined, hcProtocol: Protocol | undefined): HealthCheck {
  if (targetType === 'lambda') {
    return { Enabled: false, Protocol: 'HTTP', Port: 'traffic-port', Path: '/', IntervalSeconds: 35, TimeoutSeconds: 30, HealthyThreshold: 5, UnhealthyThreshold: 2, Matcher: { HttpCode: '200' } };
  }
  const httpGroup = protocol === 'HTTP' || protocol === 'HTTPS';
  const p: Protocol = hcProtocol ?? (httpGroup ? protocol! : 'TCP');
  const httpCheck = p === 'HTTP' || p === 'HTTPS';
  return {
    Enabled: true,
    Protocol: p,
    Port: 'traffic-port',
    Path: httpCheck ? '/' : undefined,
    IntervalSeconds: 30,
    TimeoutSeconds: httpGroup ? 5 : httpCheck ? 6 : 10,
    HealthyThreshold: 5,
    UnhealthyThreshold: 2,
    Matcher: httpCheck ? { HttpCode: httpGroup ? '200' : '200-399' } : undefined,
  };
}

function checkMatcher(m: Matcher | undefined, httpGroup: boolean): void {
  const code = m?.HttpCode;
  if (code === undefined) return;
  const lo = httpGroup ? 200 : 200;
  const hi = httpGroup ? 499 : 599;
  const ok = code.split(',').every((part) => {
    const bounds = part.split('-');
    if (bounds.length > 2 || !bounds.every((b) => /^\d{3}$/.test(b))) return false;
    return bounds.every((b) => Number(b) >= lo && Number(b) <= hi) && (bounds.length === 1 || Number(bounds[0]) <= Number(bounds[1]));
  });
  if (!ok) throw validation(`Health check matcher HTTP code '${code}' must be a value between ${lo} and ${hi}, or a list or range of them`);
}

type HcInput = Pick<CreateTargetGroupInput, 'HealthCheckProtocol' | 'HealthCheckPort' | 'HealthCheckEnabled' | 'HealthCheckPath' | 'HealthCheckIntervalSeconds' | 'HealthCheckTimeoutSeconds' | 'HealthyThresholdCount' | 'UnhealthyThresholdCount' | 'Matcher'>;

function applyHealthCheck(base: HealthCheck, input: HcInput, tg: { Protocol?: Protocol; TargetType: string }): HealthCheck {
  const protocol = (input.HealthCheckProtocol as Protocol | undefined) ?? base.Protocol;
  if (!['HTTP', 'HTTPS', 'TCP'].includes(protocol)) throw validation(`Health check protocol '${protocol}' is not supported`);
  const httpCheck = protocol === 'HTTP' || protocol === 'HTTPS';
  const httpGroup = tg.Protocol === 'HTTP' || tg.Protocol === 'HTTPS';
  if (httpGroup && protocol === 'TCP') throw validation(`Health check protocol 'TCP' is not supported for target groups with the '${tg.Protocol}' protocol`);
  if (!httpCheck && input.HealthCheckPath !== undefined) throw validation('A health check path can only be specified for HTTP and HTTPS health checks');
  if (!httpCheck && input.Matcher?.HttpCode !== undefined) throw validation('A health check matcher can only be specified for HTTP and HTTPS health checks');
  checkMatcher(input.Matcher, httpGroup);
  const port = input.HealthCheckPort ?? base.Port;
  if (port !== 'traffic-port' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw validation(`Health check port '${port}' must be 'traffic-port' or a number between 1 and 65535`);
  }
  if (input.HealthCheckPath !== undefined && !input.HealthCheckPath.startsWith('/')) throw validation('Health check path must begin with a \'/\' character');
  const hc: HealthCheck = {
    Enabled: input.HealthCheckEnabled ?? base.Enabled,
    Protocol: protocol,
    Port: port,
    Path: httpCheck ? (input.HealthCheckPath ?? base.Path ?? '/') : undefined,
    IntervalSeconds: input.HealthCheckIntervalSeconds ?? base.IntervalSeconds,
    TimeoutSeconds: input.HealthCheckTimeoutSeconds ?? base.TimeoutSeconds,
    HealthyThreshold: input.HealthyThresholdCount ?? base.HealthyThreshold,
    UnhealthyThreshold: input.UnhealthyThresholdCount ?? base.UnhealthyThreshold,
    Matcher: httpCheck ? (input.Matcher ?? base.Matcher ?? { HttpCode: httpGroup ? '200' : '200-399' }) : undefined,
  };
  if (hc.TimeoutSeconds >= hc.IntervalSeconds) throw validation('Health check interval must be greater than the timeout.');
  return hc;
}

export const targetGroupHandlers: Handlers<Elbv2Operations> = {
  CreateTargetGroup(ctx, input) {
    checkName(input.Name);
    const targetType = input.TargetType ?? 'instance';
    if (targetType === 'alb') throw new AwsError('UnsupportedProtocol', 'Target groups of type alb are not supported by Cumulus');
    const protocol = input.Protocol as Protocol | undefined;
    if (protocol && !['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP'].includes(protocol)) throw new AwsError('UnsupportedProtocol', `Protocol '${protocol}' is not supported`);
    if (targetType === 'lambda') {
      if (protocol || input.Port !== undefined || input.VpcId) throw validation('Protocol, port and VPC ID cannot be specified for target groups with target type \'lambda\'');
    } else {
      if (!protocol) throw validation('A protocol must be specified');
      if (input.Port === undefined) throw validation('A port must be specified');
      if (!input.VpcId) throw validation('A VPC ID must be specified');
      if (!vpcExists(ctx, input.VpcId)) throw validation(`The VPC ID '${input.VpcId}' is not found`);
    }
    const shape = { Protocol: protocol, TargetType: targetType };
    const base = defaultHealthCheck(targetType, protocol, input.HealthCheckProtocol as Protocol | undefined);
    const HealthCheck = applyHealthCheck(base, input, shape);
    const t = tables(ctx);
    const sc = scopeOf(ctx);
    const existing = t.tgs.list(sc).find((g) => g.TargetGroupName === input.Name);
    if (existing) {
      const same = existing.TargetType === targetType && existing.Protocol === protocol && existing.Port === input.Port && existing.VpcId === input.VpcId && JSON.stringify(existing.HealthCheck) === JSON.stringify(HealthCheck);
      if (same) return { TargetGroups: [tgView(ctx, existing)] };
      throw new AwsError('DuplicateTargetGroupName', 'A target group with the same name exists, but with different settings');
    }
    if (t.tgs.count(sc) >= 3000) throw new AwsError('TooManyTargetGroups', 'The quota for the number of target groups has been reached');
    const arn = tgArn(ctx, input.Name);
    const tg: TargetGroupRecord = {
      TargetGroupArn: arn,
      TargetGroupName: input.Name,
      TargetType: targetType,
      Protocol: protocol,
      ProtocolVersion: protocol === 'HTTP' || protocol === 'HTTPS' ? (input.ProtocolVersion ?? 'HTTP1') : undefined,
      Port: input.Port,
      VpcId: input.VpcId,
      IpAddressType: input.IpAddressType,
      HealthCheck,
      Attributes: tgDefaults(targetType, protocol),
      Targets: [],
      Tags: mergeTags({}, input.Tags ?? [], { code: 'ValidationError', limitCode: 'TooManyTags' }),
    };
    t.tgs.put(sc, arn, tg);
    return { TargetGroups: [tgView(ctx, tg)] };
  },

  DescribeTargetGroups(ctx, input) {
    const all = tables(ctx).tgs.list(scopeOf(ctx));
    let picked = all;
    if (input.LoadBalancerArn) {
      getLb(ctx, input.LoadBalancerArn);
      picked = all.filter((g) => lbsUsingTg(ctx, g.TargetGroupArn).includes(input.LoadBalancerArn!));
    }
    if (input.TargetGroupArns?.length) {
      picked = input.TargetGroupArns.map((a) => picked.find((g) => g.TargetGroupArn === a) ?? (() => { throw tgNotFound(); })());
    } else if (input.Names?.length) {
      const missing = input.Names.filter((n) => !picked.some((g) => g.TargetGroupName === n));
      if (missing.length) throw new AwsError('TargetGroupNotFound', `Target groups '[${missing.join(', ')}]' not found`);
      picked = picked.filter((g) => input.Names!.includes(g.TargetGroupName));
    }
    const page = pageOf(picked, (g) => g.TargetGroupArn, input.Marker, input.PageSize);
    return { TargetGroups: page.items.map((g) => tgView(ctx, g)), NextMarker: page.NextMarker };
  },

  ModifyTargetGroup(ctx, input) {
    const tg = getTg(ctx, input.TargetGroupArn);
    const HealthCheck = applyHealthCheck(tg.HealthCheck, input, tg);
    const next = { ...tg, HealthCheck };
    tables(ctx).tgs.put(scopeOf(ctx), tg.TargetGroupArn, next);
    return { TargetGroups: [tgView(ctx, next)] };
  },

  DeleteTargetGroup(ctx, input) {
    const t = tables(ctx);
    const tg = t.tgs.get(scopeOf(ctx), input.TargetGroupArn);
    if (!tg) return {};
    if (lbsUsingTg(ctx, tg.TargetGroupArn).length) throw resourceInUse(`Target group '${tg.TargetGroupArn}' is currently in use by a listener or a rule`);
    t.tgs.delete(scopeOf(ctx), tg.TargetGroupArn);
    return {};
  },

  DescribeTargetGroupAttributes(ctx, input) {
    return { Attributes: attributeList(getTg(ctx, input.TargetGroupArn).Attributes) };
  },

  ModifyTargetGroupAttributes(ctx, input) {
    const tg = getTg(ctx, input.TargetGroupArn);
    const Attributes = modifyTgAttributes(tg.Attributes, input.Attributes);
    if (Attributes['stickiness.enabled'] === 'true' && Attributes['stickiness.type'] === 'app_cookie' && !Attributes['stickiness.app_cookie.cookie_name']) {
      throw validation("The 'stickiness.app_cookie.cookie_name' attribute must be specified when the stickiness type is 'app_cookie'");
    }
    tables(ctx).tgs.put(scopeOf(ctx), tg.TargetGroupArn, { ...tg, Attributes });
    return { Attributes: attributeList(Attributes) };
  },
};
