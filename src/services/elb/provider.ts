// Classic Load Balancers (elb, 2012-06-01): load balancers with listeners, registered instances, one
// health check, attributes and tags. Traffic goes through ELBv2's proxy (runtime.ts). Each listener's own
// local port is shown in DescribeLoadBalancerAttributes' AdditionalAttributes as `cumulus.local_port.<LoadBalancerPort>`.
import type { ElbOperations, LoadBalancerAttributes, LoadBalancerDescription } from '../../generated/elb.js';
import { AwsError } from '../../protocol/errors.js';
import { mergeTags, removeTags, tagList } from '../../protocol/tags.js';
import { regional, type RequestContext, type Runtime } from '../../server/context.js';
import { defineService, type Handler, type Handlers } from '../define.js';
import { certificateMaterial, registerCertificateUser } from '../acm/index.js';
import { defaultNetwork, instanceForTarget, securityGroupsOf, subnetForAttachment } from '../ec2/index.js';
import { dnsName, hostedZoneId } from '../elbv2/ids.js';
import type { TimerHandle } from '../../clock/clock.js';
import { onInstanceState } from '../elbv2/health.js';
import { publish } from '../elbv2/metrics.js';
import { installClassicPlanes } from './plane.js';
import { classicEngine, dropClassicEngine, parseTarget } from './runtime.js';
import { classicKey, classicTable, type ClassicListener, type ClassicRecord } from './store.js';

const validation = (m: string) => new AwsError('ValidationError', m);
const notFound = (name: string) => new AwsError('LoadBalancerNotFound', `There is no ACTIVE Load Balancer named '${name}'`);

function getLb(ctx: RequestContext, name: string): ClassicRecord {
  const r = classicTable(ctx).get(regional(ctx), name);
  if (!r) throw notFound(name);
  return r;
}

const put = (ctx: RequestContext, r: ClassicRecord) => classicTable(ctx).put(regional(ctx), r.LoadBalancerName, r);

function checkListeners(ctx: RequestContext, listeners: ClassicListener[]): ClassicListener[] {
  return listeners.map((l) => {
    const Protocol = l.Protocol.toUpperCase() as ClassicListener['Protocol'];
    const InstanceProtocol = (l.InstanceProtocol ?? l.Protocol).toUpperCase() as ClassicListener['Protocol'];
    for (const p of [Protocol, InstanceProtocol]) if (!['HTTP', 'HTTPS', 'TCP', 'SSL'].includes(p)) throw validation(`Invalid protocol: ${p}`);
    const web = (p: string) => p === 'HTTP' || p === 'HTTPS';
    if (web(Protocol) !== web(InstanceProtocol)) throw validation(`Listener protocol ${Protocol} and instance protocol ${InstanceProtocol} must be both HTTP/HTTPS or both TCP/SSL`);
    if ((Protocol === 'HTTPS' || Protocol === 'SSL') && !l.SSLCertificateId) throw validation('SSLCertificateId is required for HTTPS and SSL listeners');
    if (l.SSLCertificateId && !certificateMaterial(ctx, regional(ctx), l.SSLCertificateId)) {
      throw new AwsError('CertificateNotFound', `The specified SSL ID does not refer to a valid SSL certificate in AWS Certificate Manager: ${l.SSLCertificateId}`);
    }
    if (l.LoadBalancerPort < 1 || l.LoadBalancerPort > 65535 || l.InstancePort < 1 || l.InstancePort > 65535) throw validation('Ports must be between 1 and 65535');
    return { Protocol, LoadBalancerPort: l.LoadBalancerPort, InstanceProtocol, InstancePort: l.InstancePort, SSLCertificateId: l.SSLCertificateId };
  });
}

function addListeners(existing: ClassicListener[], added: ClassicListener[], name: string): ClassicListener[] {
  const out = [...existing];
  for (const l of added) {
    const same = out.find((x) => x.LoadBalancerPort === l.LoadBalancerPort);
    if (same) {
      if (JSON.stringify(same) === JSON.stringify(l)) continue;
      throw new AwsError('DuplicateListener', `A listener already exists for ${name} with LoadBalancerPort ${l.LoadBalancerPort}, but with a different InstancePort, Protocol, or SSLCertificateId`);
    }
    out.push(l);
  }
  return out;
}

function view(ctx: RequestContext, r: ClassicRecord): LoadBalancerDescription {
  return {
    LoadBalancerName: r.LoadBalancerName,
    DNSName: r.DNSName,
    CanonicalHostedZoneName: r.Scheme === 'internal' ? undefined : r.DNSName,
    CanonicalHostedZoneNameID: hostedZoneId(ctx.region, 'classic'),
    ListenerDescriptions: r.Listeners.map((l) => ({ Listener: l, PolicyNames: [] })),
    Policies: { AppCookieStickinessPolicies: [], LBCookieStickinessPolicies: [], OtherPolicies: [] },
    BackendServerDescriptions: [],
    AvailabilityZones: r.AvailabilityZones,
    Subnets: r.Subnets,
    VPCId: r.VpcId,
    Instances: r.Instances.map((InstanceId) => ({ InstanceId })),
    HealthCheck: r.HealthCheck,
    SourceSecurityGroup: { OwnerAlias: ctx.account, GroupName: 'default' },
    SecurityGroups: r.SecurityGroups,
    CreatedTime: r.CreatedTime,
    Scheme: r.Scheme,
  };
}

function attributesView(ctx: RequestContext, r: ClassicRecord): LoadBalancerAttributes {
  const engine = classicEngine(ctx);
  const key = classicKey(regional(ctx), r.LoadBalancerName);
  const ports = r.Listeners.flatMap((l) => {
    const p = engine.engine.localPorts.get(`${key}#${l.LoadBalancerPort}`);
    return p === undefined ? [] : [{ Key: `cumulus.local_port.${l.LoadBalancerPort}`, Value: String(p) }];
  });
  return {
    CrossZoneLoadBalancing: { Enabled: r.CrossZone },
    AccessLog: r.AccessLog,
    ConnectionDraining: r.Draining,
    ConnectionSettings: { IdleTimeout: r.IdleTimeout },
    AdditionalAttributes: [{ Key: 'elb.http.desyncmitigationmode', Value: 'defensive' }, ...ports],
  };
}

/** The instance health Classic shows: InService, or OutOfService with who (ELB or Instance) and why. */
function instanceState(ctx: RequestContext, r: ClassicRecord, id: string) {
  const engine = classicEngine(ctx).engine;
  const key = classicKey(regional(ctx), r.LoadBalancerName);
  const out = (State: string, ReasonCode: string, Description: string) => ({ InstanceId: id, State, ReasonCode, Description });
  const ec2 = instanceForTarget(ctx, regional(ctx), id)?.State ?? 'terminated';
  if (ec2 !== 'running') return out('OutOfService', 'Instance', `Instance is in ${ec2} state.`);
  const h = engine.healthOf(key, `${id}:`);
  if (!h || h.state === 'initial') return out('OutOfService', 'ELB', 'Instance registration is still in progress.');
  if (h.state === 'healthy') return out('InService', 'N/A', 'N/A');
  return out('OutOfService', 'Instance', 'Instance has failed at least the UnhealthyThreshold number of health checks consecutively.');
}

const handlers: Handlers<ElbOperations> = {
  CreateLoadBalancer(ctx, input) {
    const name = input.LoadBalancerName;
    if (!/^[A-Za-z0-9-]{1,32}$/.test(name) || name.startsWith('-') || name.endsWith('-')) {
      throw validation(`Invalid load balancer name: ${name}. It must have at most 32 alphanumeric characters or hyphens, and must not begin or end with a hyphen.`);
    }
    const Listeners = addListeners([], checkListeners(ctx, input.Listeners as ClassicListener[]), name);
    const scheme = (input.Scheme ?? 'internet-facing') as ClassicRecord['Scheme'];
    if (scheme !== 'internet-facing' && scheme !== 'internal') throw new AwsError('InvalidScheme', `Invalid scheme: ${scheme}`);
    const existing = classicTable(ctx).get(regional(ctx), name);
    if (existing) {
      if (JSON.stringify(existing.Listeners) === JSON.stringify(Listeners) && existing.Scheme === scheme) return { DNSName: existing.DNSName };
      throw new AwsError('DuplicateLoadBalancerName', `Load Balancer named '${name}' already exists and it is configured with different parameters.`);
    }
    let subnets: { SubnetId: string; VpcId: string; AvailabilityZone: string }[];
    if (input.Subnets?.length) {
      subnets = input.Subnets.map((id) => {
        try {
          return subnetForAttachment(ctx, id);
        } catch {
          throw new AwsError('SubnetNotFound', `One or more subnets could not be found: ${id}`);
        }
      });
      if (new Set(subnets.map((s) => s.VpcId)).size > 1) throw new AwsError('InvalidSubnet', 'All subnets must belong to the same VPC');
    } else if (input.AvailabilityZones?.length) {
      const net = defaultNetwork(ctx)!;
      subnets = input.AvailabilityZones.map((z) => {
        const s = net.Subnets.find((x) => x.AvailabilityZone === z);
        if (!s) throw validation(`Invalid Availability Zone: ${z}`);
        return s;
      });
    } else throw validation('Either AvailabilityZones or SubnetIds must be specified');
    const vpcId = subnets[0]!.VpcId;
    let groups: string[];
    try {
      groups = securityGroupsOf(ctx, vpcId, input.SecurityGroups ?? []).map((g) => g.GroupId);
    } catch {
      throw new AwsError('InvalidSecurityGroup', `One or more security groups are invalid: ${(input.SecurityGroups ?? []).join(', ')}`);
    }
    if (classicTable(ctx).count(regional(ctx)) >= 20) throw new AwsError('TooManyLoadBalancers', 'Exceeded quota of account');
    const first = Listeners[0]!;
    const r: ClassicRecord = {
      LoadBalancerName: name,
      DNSName: dnsName(name, scheme, ctx.region),
      Scheme: scheme,
      VpcId: vpcId,
      Subnets: subnets.map((s) => s.SubnetId),
      AvailabilityZones: subnets.map((s) => s.AvailabilityZone),
      SecurityGroups: groups,
      CreatedTime: ctx.clock.date().toISOString(),
      Listeners,
      Instances: [],
      HealthCheck: { Target: `TCP:${first.InstancePort}`, Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10 },
      CrossZone: false,
      Draining: { Enabled: false, Timeout: 300 },
      IdleTimeout: 60,
      AccessLog: { Enabled: false },
      Tags: mergeTags({}, input.Tags ?? [], { code: 'ValidationError', limitCode: 'TooManyTags', max: 10 }),
    };
    put(ctx, r);
    return { DNSName: r.DNSName };
  },

  DescribeLoadBalancers(ctx, input) {
    const all = classicTable(ctx).list(regional(ctx));
    const picked = input.LoadBalancerNames?.length ? input.LoadBalancerNames.map((n) => getLb(ctx, n)) : all;
    return { LoadBalancerDescriptions: picked.map((r) => view(ctx, r)) };
  },

  DeleteLoadBalancer(ctx, input) {
    classicTable(ctx).delete(regional(ctx), input.LoadBalancerName);
    return {};
  },

  CreateLoadBalancerListeners(ctx, input) {
    const r = getLb(ctx, input.LoadBalancerName);
    put(ctx, { ...r, Listeners: addListeners(r.Listeners, checkListeners(ctx, input.Listeners as ClassicListener[]), r.LoadBalancerName) });
    return {};
  },

  DeleteLoadBalancerListeners(ctx, input) {
    const r = getLb(ctx, input.LoadBalancerName);
    put(ctx, { ...r, Listeners: r.Listeners.filter((l) => !input.LoadBalancerPorts.includes(l.LoadBalancerPort)) });
    return {};
  },

  RegisterInstancesWithLoadBalancer(ctx, input) {
    const r = getLb(ctx, input.LoadBalancerName);
    const ids = input.Instances.map((i) => i.InstanceId ?? '');
    for (const id of ids) {
      const inst = instanceForTarget(ctx, regional(ctx), id);
      if (!inst || inst.State === 'terminated') throw new AwsError('InvalidInstance', `The requested instance '${id}' is not a valid instance`);
      if (inst.VpcId !== r.VpcId) throw new AwsError('InvalidInstance', `The requested instance '${id}' is not in the load balancer's VPC`);
    }
    const engine = classicEngine(ctx).engine;
    const key = classicKey(regional(ctx), r.LoadBalancerName);
    for (const id of ids) engine.cancelDraining(key, `${id}:`);
    const Instances = [...new Set([...r.Instances, ...ids])];
    put(ctx, { ...r, Instances });
    return { Instances: Instances.map((InstanceId) => ({ InstanceId })) };
  },

  DeregisterInstancesFromLoadBalancer(ctx, input) {
    const r = getLb(ctx, input.LoadBalancerName);
    const ids = input.Instances.map((i) => i.InstanceId ?? '');
    const missing = ids.filter((id) => !r.Instances.includes(id));
    if (missing.length) throw new AwsError('InvalidInstance', `The requested instance '${missing[0]}' is not registered with the load balancer`);
    const engine = classicEngine(ctx).engine;
    const key = classicKey(regional(ctx), r.LoadBalancerName);
    if (r.Draining.Enabled) for (const id of ids) engine.startDraining(key, { Id: id, RegisteredAt: 0 }, r.Draining.Timeout);
    const Instances = r.Instances.filter((id) => !ids.includes(id));
    put(ctx, { ...r, Instances });
    return { Instances: Instances.map((InstanceId) => ({ InstanceId })) };
  },

  ConfigureHealthCheck(ctx, input) {
    const r = getLb(ctx, input.LoadBalancerName);
    const hc = input.HealthCheck;
    if (!parseTarget(hc.Target)) throw validation(`Invalid HealthCheck Target: ${hc.Target}. It must be <protocol>:<port> for TCP and SSL, <protocol>:<port>/<path> for HTTP and HTTPS`);
    if (hc.Interval < 5 || hc.Interval > 300) throw validation('HealthCheck Interval must be between 5 and 300 seconds');
    if (hc.Timeout < 2 || hc.Timeout > 60) throw validation('HealthCheck Timeout must be between 2 and 60 seconds');
    if (hc.Timeout >= hc.Interval) throw validation('HealthCheck Timeout must be less than Interval');
    for (const n of [hc.HealthyThreshold, hc.UnhealthyThreshold]) if (n < 2 || n > 10) throw validation('HealthCheck thresholds must be between 2 and 10');
    const HealthCheck = { Target: hc.Target, Interval: hc.Interval, Timeout: hc.Timeout, UnhealthyThreshold: hc.UnhealthyThreshold, HealthyThreshold: hc.HealthyThreshold };
    put(ctx, { ...r, HealthCheck });
    return { HealthCheck };
  },

  DescribeInstanceHealth(ctx, input) {
    const r = getLb(ctx, input.LoadBalancerName);
    const ids = input.Instances?.length ? input.Instances.map((i) => i.InstanceId ?? '') : r.Instances;
    for (const id of ids) if (!r.Instances.includes(id)) throw new AwsError('InvalidInstance', `Could not find EC2 instance ${id}.`);
    return { InstanceStates: ids.map((id) => instanceState(ctx, r, id)) };
  },

  DescribeLoadBalancerAttributes(ctx, input) {
    return { LoadBalancerAttributes: attributesView(ctx, getLb(ctx, input.LoadBalancerName)) };
  },

  ModifyLoadBalancerAttributes(ctx, input) {
    const r = getLb(ctx, input.LoadBalancerName);
    const a = input.LoadBalancerAttributes;
    const next = { ...r };
    if (a.CrossZoneLoadBalancing) next.CrossZone = a.CrossZoneLoadBalancing.Enabled;
    if (a.ConnectionDraining) {
      const t = a.ConnectionDraining.Timeout ?? r.Draining.Timeout;
      if (t < 1 || t > 3600) throw validation('ConnectionDraining Timeout must be between 1 and 3600 seconds');
      next.Draining = { Enabled: a.ConnectionDraining.Enabled, Timeout: t };
    }
    if (a.ConnectionSettings) {
      if (a.ConnectionSettings.IdleTimeout < 1 || a.ConnectionSettings.IdleTimeout > 4000) throw validation('ConnectionSettings IdleTimeout must be between 1 and 4000 seconds');
      next.IdleTimeout = a.ConnectionSettings.IdleTimeout;
    }
    if (a.AccessLog) {
      if (a.AccessLog.Enabled && !a.AccessLog.S3BucketName) throw validation('S3BucketName is required when access logs are enabled');
      next.AccessLog = { ...a.AccessLog };
    }
    for (const x of a.AdditionalAttributes ?? []) {
      if (x.Key !== 'elb.http.desyncmitigationmode') throw new AwsError('LoadBalancerAttributeNotFound', `The specified load balancer attribute does not exist: ${x.Key}`);
    }
    put(ctx, next);
    return { LoadBalancerName: r.LoadBalancerName, LoadBalancerAttributes: attributesView(ctx, next) };
  },

  ApplySecurityGroupsToLoadBalancer(ctx, input) {
    const r = getLb(ctx, input.LoadBalancerName);
    let groups: string[];
    try {
      groups = securityGroupsOf(ctx, r.VpcId, input.SecurityGroups).map((g) => g.GroupId);
    } catch {
      throw new AwsError('InvalidSecurityGroup', `One or more security groups are invalid: ${input.SecurityGroups.join(', ')}`);
    }
    put(ctx, { ...r, SecurityGroups: groups });
    return { SecurityGroups: groups };
  },

  AddTags(ctx, input) {
    const recs = input.LoadBalancerNames.map((n) => getLb(ctx, n));
    for (const r of recs) put(ctx, { ...r, Tags: mergeTags(r.Tags, input.Tags, { code: 'ValidationError', limitCode: 'TooManyTags', max: 10 }) });
    return {};
  },

  RemoveTags(ctx, input) {
    const recs = input.LoadBalancerNames.map((n) => getLb(ctx, n));
    for (const r of recs) put(ctx, { ...r, Tags: removeTags(r.Tags, input.Tags.map((t) => t.Key ?? '')) });
    return {};
  },

  DescribeTags(ctx, input) {
    return { TagDescriptions: input.LoadBalancerNames.map((n) => ({ LoadBalancerName: n, Tags: tagList(getLb(ctx, n).Tags) })) };
  },

  DescribeAccountLimits() {
    return { Limits: [{ Name: 'classic-load-balancers', Max: '20' }, { Name: 'classic-listeners', Max: '100' }, { Name: 'classic-registered-instances', Max: '1000' }] };
  },
};

const READ_ONLY = /^Describe/;

function reconciling(name: string, h: Handler<unknown, unknown>): Handler<unknown, unknown> {
  if (READ_ONLY.test(name)) return h;
  return (ctx, input) => {
    const out = h(ctx, input);
    return Promise.resolve(out).then(async (o) => {
      await classicEngine(ctx).changed();
      return o;
    });
  };
}

registerCertificateUser((runtime, scope, arn) =>
  classicTable(runtime)
    .list(scope)
    .filter((r) => r.Listeners.some((l) => l.SSLCertificateId === arn))
    .map((r) => `arn:aws:elasticloadbalancing:${scope.region}:${scope.account}:loadbalancer/${r.LoadBalancerName}`),
);

const publisher = new WeakMap<object, TimerHandle>();

export default defineService<ElbOperations>(
  'elb',
  Object.fromEntries(Object.entries(handlers).map(([k, h]) => [k, reconciling(k, h as Handler<unknown, unknown>)])) as Handlers<ElbOperations>,
  {
    init(runtime: Runtime) {
      const ce = classicEngine(runtime);
      installClassicPlanes(runtime, ce);
      runtime.bus.on('reset', () => void ce.changed());
      runtime.bus.on('aws-event', (e) => {
        if (e.source === 'aws.ec2' && e.detailType === 'EC2 Instance State-change Notification') {
          onInstanceState(ce.engine, String(e.detail['instance-id']), String(e.detail.state), () => void ce.changed());
        }
      });
      void ce.changed();
      publisher.set(runtime.store, runtime.clock.setInterval(() => publish(ce.engine, ce.configs.values(), true), 60_000));
    },
    async stop(runtime: Runtime) {
      publisher.get(runtime.store)?.cancel();
      await classicEngine(runtime).stop();
      dropClassicEngine(runtime);
    },
  },
);
