// Where a load balancer's listener answers on this machine, for other services that send traffic to it
// (API Gateway's VPC links and private integrations): each ELBv2 listener has its own local socket
// (DescribeListenerAttributes shows it as cumulus.local_port).
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { engineFor } from './runtime.js';
import { tables as elbTables } from './store.js';

export interface ListenerEndpoint {
  listenerArn: string;
  loadBalancerArn: string;
  loadBalancerType: 'application' | 'network';
  dnsName: string;
  /** the listener's port as configured */
  port: number;
  protocol: string;
  /** where its socket listens on this machine; undefined while it is not open */
  host: string;
  localPort?: number;
}

function localHost(runtime: Runtime): string {
  const h = runtime.config.host;
  return !h || h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h;
}

/** A load balancer by ARN: its type and DNS name, undefined when it does not exist. */
export function loadBalancerOf(runtime: Runtime, scope: Scope, arn: string): { type: 'application' | 'network'; dnsName: string } | undefined {
  const lb = elbTables(runtime).lbs.get(scope, arn);
  return lb ? { type: lb.Type, dnsName: lb.DNSName } : undefined;
}

function endpointOf(runtime: Runtime, scope: Scope, l: { ListenerArn: string; LoadBalancerArn: string; Port: number; Protocol: string }): ListenerEndpoint | undefined {
  const lb = elbTables(runtime).lbs.get(scope, l.LoadBalancerArn);
  if (!lb) return undefined;
  return {
    listenerArn: l.ListenerArn,
    loadBalancerArn: lb.LoadBalancerArn,
    loadBalancerType: lb.Type,
    dnsName: lb.DNSName,
    port: l.Port,
    protocol: l.Protocol,
    host: localHost(runtime),
    localPort: engineFor(runtime).localPorts.get(l.ListenerArn),
  };
}

/** A listener by ARN. */
export function listenerEndpoint(runtime: Runtime, scope: Scope, listenerArn: string): ListenerEndpoint | undefined {
  const l = elbTables(runtime).listeners.get(scope, listenerArn);
  return l ? endpointOf(runtime, scope, l) : undefined;
}

/** The listener of a load balancer on a port. */
export function listenerOnPort(runtime: Runtime, scope: Scope, loadBalancerArn: string, port: number): ListenerEndpoint | undefined {
  const l = elbTables(runtime)
    .listeners.list(scope)
    .find((x) => x.LoadBalancerArn === loadBalancerArn && x.Port === port);
  return l ? endpointOf(runtime, scope, l) : undefined;
}
