// Checking and normalising actions (forward with weighted target groups, redirect, fixed-response) as
// ELB does, for listeners' default actions and rules.
import type { Action } from '../../generated/elbv2.js';
import { AwsError } from '../../protocol/errors.js';
import { getTg, lbsUsingTg } from './lookup.js';
import { validation } from './errors.js';
import type { ElbCtx, LoadBalancerRecord, Protocol } from './store.js';

const CONTENT_TYPES = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];

const COMPATIBLE: Record<string, string[]> = {
  HTTP: ['HTTP', 'HTTPS'],
  HTTPS: ['HTTP', 'HTTPS'],
  TCP: ['TCP', 'TCP_UDP'],
  TLS: ['TCP', 'TLS'],
  UDP: ['UDP', 'TCP_UDP'],
  TCP_UDP: ['TCP_UDP'],
};

function checkForward(ctx: ElbCtx, lb: LoadBalancerRecord, listenerProtocol: Protocol, a: Action): Action {
  const tuples = a.ForwardConfig?.TargetGroups ?? [];
  if (a.TargetGroupArn && tuples.length && !(tuples.length === 1 && tuples[0]!.TargetGroupArn === a.TargetGroupArn)) {
    throw validation('You cannot specify both a target group ARN and a forward config with different target groups');
  }
  const list = tuples.length ? tuples : a.TargetGroupArn ? [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }] : [];
  if (!list.length) throw validation('A target group ARN must be specified');
  if (list.length > 5) throw validation('A forward action can have at most 5 target groups');
  if (list.length > 1 && lb.Type === 'network') throw validation('Network Load Balancers support forwarding to only one target group');
  for (const t of list) {
    if (!t.TargetGroupArn) throw validation('A target group ARN must be specified');
    const tg = getTg(ctx, t.TargetGroupArn);
    if (tg.TargetType !== 'lambda' && !COMPATIBLE[listenerProtocol]!.includes(tg.Protocol!)) {
      throw new AwsError('IncompatibleProtocols', `The listener protocol '${listenerProtocol}' is not compatible with the target group protocol '${tg.Protocol}'`);
    }
    if (tg.TargetType === 'lambda' && lb.Type !== 'application') throw new AwsError('IncompatibleProtocols', 'Lambda target groups can only be used with Application Load Balancers');
    if (tg.VpcId && tg.VpcId !== lb.VpcId) throw validation(`The target group '${tg.TargetGroupArn}' is not in the load balancer's VPC '${lb.VpcId}'`);
    const others = lbsUsingTg(ctx, tg.TargetGroupArn).filter((x) => x !== lb.LoadBalancerArn);
    if (others.length) {
      throw new AwsError('TargetGroupAssociationLimit', `The following target groups cannot be associated with more than one load balancer: ${tg.TargetGroupArn}`);
    }
    if (t.Weight !== undefined && (t.Weight < 0 || t.Weight > 999)) throw validation('Target group weight must be between 0 and 999');
  }
  const stick = a.ForwardConfig?.TargetGroupStickinessConfig;
  if (stick?.Enabled && (stick.DurationSeconds === undefined || stick.DurationSeconds < 1 || stick.DurationSeconds > 604800)) {
    throw validation('Target group stickiness duration must be between 1 and 604800 seconds');
  }
  const TargetGroups = list.map((t) => ({ TargetGroupArn: t.TargetGroupArn!, Weight: t.Weight ?? 1 }));
  return {
    Type: 'forward',
    TargetGroupArn: TargetGroups.length === 1 ? TargetGroups[0]!.TargetGroupArn : undefined,
    ForwardConfig: {
      TargetGroups,
      TargetGroupStickinessConfig: stick?.Enabled ? { Enabled: true, DurationSeconds: stick.DurationSeconds } : { Enabled: false },
    },
  };
}

/** Validates actions and returns them as ELB stores and shows them (orders filled in, forward configs expanded). */
export function checkActions(ctx: ElbCtx, lb: LoadBalancerRecord, listenerProtocol: Protocol, actions: Action[]): Action[] {
  if (!actions.length) throw validation('At least one action must be specified');
  const out: Action[] = [];
  const sorted = actions.map((a, i) => ({ a, order: a.Order ?? i + 1 })).sort((x, y) => x.order - y.order);
  if (new Set(sorted.map((s) => s.order)).size !== sorted.length) throw validation('Action orders must be unique');
  sorted.forEach(({ a, order }, i) => {
    const last = i === sorted.length - 1;
    let checked: Action;
    switch (a.Type) {
      case 'forward':
        checked = checkForward(ctx, lb, listenerProtocol, a);
        break;
      case 'redirect': {
        if (lb.Type !== 'application') throw new AwsError('InvalidLoadBalancerAction', 'Redirect actions are only supported by Application Load Balancers');
        const r = a.RedirectConfig;
        if (!r) throw validation('A redirect configuration must be specified');
        const same = (r.Protocol ?? '#{protocol}') === '#{protocol}' && (r.Host ?? '#{host}') === '#{host}' && (r.Port ?? '#{port}') === '#{port}' && (r.Path ?? '/#{path}') === '/#{path}' && (r.Query ?? '#{query}') === '#{query}';
        if (same) throw new AwsError('InvalidLoadBalancerAction', 'The redirect configuration is not valid: it redirects to the same location');
        if (r.Protocol && !/^(HTTP|HTTPS|#\{protocol\})$/.test(r.Protocol)) throw validation(`Redirect protocol '${r.Protocol}' must be HTTP, HTTPS or #{protocol}`);
        if (r.Path && !r.Path.startsWith('/')) throw validation("Redirect path must start with a '/'");
        checked = { Type: 'redirect', RedirectConfig: { Protocol: r.Protocol ?? '#{protocol}', Port: r.Port ?? '#{port}', Host: r.Host ?? '#{host}', Path: r.Path ?? '/#{path}', Query: r.Query ?? '#{query}', StatusCode: r.StatusCode } };
        break;
      }
      case 'fixed-response': {
        if (lb.Type !== 'application') throw new AwsError('InvalidLoadBalancerAction', 'Fixed-response actions are only supported by Application Load Balancers');
        const f = a.FixedResponseConfig;
        if (!f) throw validation('A fixed-response configuration must be specified');
        if (!/^[245]\d\d$/.test(f.StatusCode)) throw validation(`Fixed-response status code '${f.StatusCode}' must be a 2XX, 4XX or 5XX code`);
        if (f.ContentType && !CONTENT_TYPES.includes(f.ContentType)) throw validation(`Content type '${f.ContentType}' is not valid; it must be one of ${CONTENT_TYPES.join(', ')}`);
        if ((f.MessageBody?.length ?? 0) > 1024) throw validation('The fixed-response message body cannot be longer than 1024 characters');
        checked = { Type: 'fixed-response', FixedResponseConfig: { StatusCode: f.StatusCode, ContentType: f.ContentType, MessageBody: f.MessageBody } };
        break;
      }
      default:
        throw new AwsError('InvalidLoadBalancerAction', `The action type '${a.Type}' is not supported by Cumulus`);
    }
    // every action Cumulus supports is terminal (authentication actions are the non-terminal ones)
    if (!last) throw new AwsError('InvalidLoadBalancerAction', `The action type '${checked.Type}' must be the last action`);
    out.push({ ...checked, Order: order });
  });
  return out;
}
