// Spot requests: RunInstances' spot market options (one request per instance, fulfilled at once),
// RequestSpotInstances (open until the market price is at or below the maximum price, then an instance is
// launched), Describe/CancelSpotInstanceRequests, and DescribeSpotPriceHistory over the simulated market.
import type { Ec2Operations, InstanceMarketOptionsRequest, RunInstancesRequest, SpotInstanceRequest, SpotPrice } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { Runtime } from '../../server/context.js';
import { regional } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters, pageOf } from './filters.js';
import type { InstanceRecord } from './instances.js';
import { allInstanceTypes, instanceTypeSpec } from './instance-types.js';
import { bucketOf, vcpuLimit, vcpusInUse } from './quotas.js';
import { internalContext } from './internal-context.js';
import { onDemandPrice } from './list-prices.js';
import type { Ec2Ctx } from './network.js';
import { availabilityZones } from './regions.js';
import { runInstances } from './run-instances.js';
import { formatPrice, priceHistory, spotPriceAt } from './spot-market.js';
import { setSpotStatus, SPOT_STATUS, spotTable, type SpotRequestRecord } from './spot-store.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

export interface SpotLaunch {
  MaxPrice: string;
  SpotInstanceType: 'one-time' | 'persistent';
  InstanceInterruptionBehavior: 'hibernate' | 'stop' | 'terminate';
  /** the request being fulfilled (RequestSpotInstances), else RunInstances makes one per instance */
  requestId?: string;
}

registerTaggable('sir', {
  resourceType: 'spot-instances-request',
  get: (ctx, id) => spotTable(ctx).get(regional(ctx), id)?.Tags,
  set: (ctx, id, tags) => {
    const r = spotTable(ctx).get(regional(ctx), id);
    if (r) spotTable(ctx).put(regional(ctx), id, { ...r, Tags: tags });
  },
  list: (ctx) => spotTable(ctx).list(regional(ctx)).map((r) => ({ id: r.SpotInstanceRequestId, tags: r.Tags })),
  notFound: (id) => requestNotFound(id),
});

function requestNotFound(id: string): AwsError {
  return new AwsError('InvalidSpotInstanceRequestID.NotFound', `The spot instance request ID '${id}' does not exist`);
}

/** Checks spot options the way EC2 does; the maximum price defaults to the on-demand price. */
function checkSpot(ctx: Ec2Ctx, o: { MaxPrice?: string; SpotInstanceType?: string; InstanceInterruptionBehavior?: string }, instanceType: string, zone: string): SpotLaunch {
  const type = (o.SpotInstanceType ?? 'one-time') as SpotLaunch['SpotInstanceType'];
  const behaviour = (o.InstanceInterruptionBehavior ?? 'terminate') as SpotLaunch['InstanceInterruptionBehavior'];
  if (type === 'one-time' && behaviour !== 'terminate') {
    throw new AwsError('InvalidParameterCombination', `The instance interruption behavior '${behaviour}' is supported only for persistent Spot Instance requests.`);
  }
  const list = onDemandPrice(instanceType);
  const max = o.MaxPrice !== undefined ? Number(o.MaxPrice) : list;
  if (o.MaxPrice !== undefined && !(Number.isFinite(max) && max! > 0)) {
    throw new AwsError('InvalidParameterValue', `Invalid value '${o.MaxPrice}' for spotPrice. The price must be a positive number.`);
  }
  const price = spotPriceAt(instanceType, zone, ctx.clock.now());
  if (price !== undefined && max !== undefined && max < price) {
    throw new AwsError('SpotMaxPriceTooLow', `Your Spot request price of ${o.MaxPrice} is lower than the minimum required Spot request fulfillment price of ${formatPrice(price).replace(/0+$/, '')}.`);
  }
  return { MaxPrice: formatPrice(max ?? price ?? 0), SpotInstanceType: type, InstanceInterruptionBehavior: behaviour };
}

/** RunInstances' InstanceMarketOptions, checked; undefined for on-demand. */
export function spotOptions(ctx: Ec2Ctx, m: InstanceMarketOptionsRequest | undefined, instanceType: string, zone: string): SpotLaunch | undefined {
  if (!m?.MarketType) return undefined;
  if (m.MarketType !== 'spot') throw new AwsError('Unsupported', `The market type '${m.MarketType}' is not supported by Cumulus.`);
  const launch = checkSpot(ctx, m.SpotOptions ?? {}, instanceType, zone);
  const existing = (m as { _requestId?: string })._requestId;
  return existing ? { ...launch, requestId: existing } : launch;
}

/** The request behind a spot instance RunInstances launched (active at once), or the fulfilled request's id. */
export function createSpotRequestFor(ctx: Ec2Ctx, spot: SpotLaunch, r: InstanceRecord, input: RunInstancesRequest): string {
  const scope = regional(ctx);
  const now = ctx.clock.date().toISOString();
  if (spot.requestId) {
    const req = spotTable(ctx).get(scope, spot.requestId)!;
    req.InstanceId = r.InstanceId;
    req.LaunchedAvailabilityZone = r.AvailabilityZone;
    setSpotStatus(ctx, scope, req, 'active', 'fulfilled');
    return req.SpotInstanceRequestId;
  }
  const req: SpotRequestRecord = {
    SpotInstanceRequestId: ec2Id('sir', 8),
    SpotPrice: spot.MaxPrice,
    Type: spot.SpotInstanceType,
    State: 'active',
    StatusCode: 'fulfilled',
    StatusMessage: SPOT_STATUS.fulfilled!,
    StatusUpdateTime: now,
    CreateTime: now,
    InstanceInterruptionBehavior: spot.InstanceInterruptionBehavior,
    InstanceId: r.InstanceId,
    LaunchedAvailabilityZone: r.AvailabilityZone,
    LaunchSpecification: {
      ImageId: r.ImageId,
      InstanceType: r.InstanceType as NonNullable<SpotInstanceRequest['LaunchSpecification']>['InstanceType'],
      KeyName: r.KeyName,
      SubnetId: r.SubnetId,
      SecurityGroups: r.Groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName })),
      Placement: { AvailabilityZone: r.AvailabilityZone, Tenancy: r.Tenancy },
      IamInstanceProfile: r.IamInstanceProfile ? { Arn: r.IamInstanceProfile.Arn } : undefined,
      Monitoring: { Enabled: !!input.Monitoring?.Enabled },
    },
    Tags: tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'spot-instances-request'), 'spot-instances-request'),
  };
  spotTable(ctx).put(scope, req.SpotInstanceRequestId, req);
  return req.SpotInstanceRequestId;
}

/** A user terminated a spot instance: a one-time request closes; a persistent one opens again. */
export function spotInstanceTerminatedByUser(ctx: Ec2Ctx, r: InstanceRecord): void {
  if (!r.SpotInstanceRequestId) return;
  const req = spotTable(ctx).get(regional(ctx), r.SpotInstanceRequestId);
  if (!req || req.State !== 'active') return;
  setSpotStatus(ctx, regional(ctx), req, req.Type === 'persistent' ? 'open' : 'closed', 'instance-terminated-by-user');
}

/** StopInstances on a spot instance: only those of persistent requests can be stopped (the request is disabled). */
export function checkSpotStop(ctx: Ec2Ctx, r: InstanceRecord): void {
  if (!r.SpotInstanceRequestId) return;
  const req = spotTable(ctx).get(regional(ctx), r.SpotInstanceRequestId);
  if (req?.Type === 'one-time') {
    throw new AwsError(
      'UnsupportedOperation',
      `You can't stop the Spot Instance '${r.InstanceId}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`,
    );
  }
}

/** A user stopped (persistent request: disabled) or started (active again) a spot instance. */
export function spotInstanceStoppedOrStarted(ctx: Ec2Ctx, r: InstanceRecord, started: boolean): void {
  if (!r.SpotInstanceRequestId) return;
  const req = spotTable(ctx).get(regional(ctx), r.SpotInstanceRequestId);
  if (!req || req.State === 'cancelled' || req.State === 'closed') return;
  if (started) setSpotStatus(ctx, regional(ctx), req, 'active', 'fulfilled');
  else setSpotStatus(ctx, regional(ctx), req, 'disabled', 'instance-stopped-by-user');
}

function view(r: SpotRequestRecord): SpotInstanceRequest {
  return {
    SpotInstanceRequestId: r.SpotInstanceRequestId,
    SpotPrice: r.SpotPrice,
    Type: r.Type,
    State: r.State,
    Status: { Code: r.StatusCode, Message: r.StatusMessage, UpdateTime: r.StatusUpdateTime },
    CreateTime: r.CreateTime,
    InstanceId: r.InstanceId,
    LaunchedAvailabilityZone: r.LaunchedAvailabilityZone,
    LaunchSpecification: structuredClone(r.LaunchSpecification),
    ProductDescription: 'Linux/UNIX',
    InstanceInterruptionBehavior: r.InstanceInterruptionBehavior,
    ValidUntil: r.ValidUntil,
    Tags: tagList(r.Tags),
  };
}

/** Launches instances for open requests the market allows (called after a request and on each market sweep). */
export function fulfillOpenRequests(runtime: Runtime): void {
  const now = runtime.clock.now();
  for (const { scope, record: req } of spotTable(runtime).listAll()) {
    if (req.State !== 'open') continue;
    runtime.store.transaction(() => fulfill(runtime, scope, req, now));
  }
}

function fulfill(runtime: Runtime, scope: Scope, req: SpotRequestRecord, now: number): void {
  const ctx = internalContext(runtime, scope, 'RunInstances');
  if (req.ValidUntil && Date.parse(req.ValidUntil) <= now) return setSpotStatus(ctx, scope, req, 'closed', 'schedule-expired');
  const spec = req.LaunchSpecification;
  const zone = spec.Placement?.AvailabilityZone ?? availabilityZones(scope.region)[0]!.ZoneName;
  const price = spotPriceAt(spec.InstanceType ?? '', zone, now);
  if (price !== undefined && price > Number(req.SpotPrice)) {
    if (req.StatusCode !== 'price-too-low') setSpotStatus(ctx, scope, req, 'open', 'price-too-low');
    return;
  }
  const market = { MarketType: 'spot', SpotOptions: { MaxPrice: req.SpotPrice, SpotInstanceType: req.Type, InstanceInterruptionBehavior: req.InstanceInterruptionBehavior }, _requestId: req.SpotInstanceRequestId };
  try {
    runInstances(ctx, {
      MinCount: 1,
      MaxCount: 1,
      ImageId: spec.ImageId,
      InstanceType: spec.InstanceType,
      KeyName: spec.KeyName,
      SubnetId: spec.SubnetId,
      SecurityGroupIds: spec.SecurityGroups?.map((g) => g.GroupId!).filter(Boolean),
      Placement: spec.Placement?.AvailabilityZone ? { AvailabilityZone: spec.Placement.AvailabilityZone } : undefined,
      IamInstanceProfile: spec.IamInstanceProfile,
      UserData: spec.UserData,
      Monitoring: spec.Monitoring?.Enabled ? { Enabled: true } : undefined,
      InstanceMarketOptions: market as InstanceMarketOptionsRequest,
    } as RunInstancesRequest);
  } catch (err) {
    if (!(err instanceof AwsError)) throw err;
    req.InstanceId = undefined;
    // no capacity now (or no spot vCPUs left in the quota): the request stays open and is tried again
    const retry = err.code === 'InsufficientInstanceCapacity' || err.code === 'VcpuLimitExceeded';
    setSpotStatus(ctx, scope, req, retry ? 'open' : 'failed', retry ? 'capacity-not-available' : 'bad-parameters');
  }
}

export const spotHandlers: Handlers<Ec2Operations> = {
  RequestSpotInstances(ctx, input) {
    const spec = input.LaunchSpecification;
    if (!spec?.ImageId) throw new AwsError('MissingParameter', 'The request must contain the parameter ImageId');
    if (!spec.InstanceType) throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceType');
    const count = input.InstanceCount ?? 1;
    const zone = spec.Placement?.AvailabilityZone ?? availabilityZones(ctx.region)[0]!.ZoneName;
    // the price is checked when the request is evaluated; here only the combination
    const price = input.SpotPrice ?? formatPrice(onDemandPrice(spec.InstanceType) ?? 0);
    const type = (input.Type ?? 'one-time') as SpotLaunch['SpotInstanceType'];
    const behaviour = input.InstanceInterruptionBehavior ?? 'terminate';
    if (type === 'one-time' && behaviour !== 'terminate') {
      throw new AwsError('InvalidParameterCombination', `The instance interruption behavior '${behaviour}' is supported only for persistent Spot Instance requests.`);
    }
    if (!(Number(price) > 0)) throw new AwsError('InvalidParameterValue', `Invalid value '${price}' for spotPrice. The price must be a positive number.`);
    const tags = tagsFromSpecs(input.TagSpecifications?.filter((s) => s.ResourceType === 'spot-instances-request'), 'spot-instances-request');
    // the spot vCPU quota of the type's bucket must hold the requested instances
    const bucket = bucketOf(spec.InstanceType);
    const wanted = count * (instanceTypeSpec(spec.InstanceType)?.vcpus ?? 1);
    if (vcpusInUse(ctx, bucket, 'spot') + wanted > vcpuLimit(bucket, 'spot')) throw new AwsError('MaxSpotInstanceCountExceeded', 'Max spot instance count exceeded');
    dryRun(input);
    const now = ctx.clock.date().toISOString();
    const out: SpotInstanceRequest[] = [];
    for (let i = 0; i < count; i++) {
      const req: SpotRequestRecord = {
        SpotInstanceRequestId: ec2Id('sir', 8),
        SpotPrice: formatPrice(Number(price)),
        Type: type,
        State: 'open',
        StatusCode: 'pending-evaluation',
        StatusMessage: SPOT_STATUS['pending-evaluation']!,
        StatusUpdateTime: now,
        CreateTime: now,
        InstanceInterruptionBehavior: behaviour,
        LaunchSpecification: {
          ImageId: spec.ImageId,
          InstanceType: spec.InstanceType,
          KeyName: spec.KeyName,
          SubnetId: spec.SubnetId,
          SecurityGroups: spec.SecurityGroupIds?.map((GroupId) => ({ GroupId })),
          Placement: spec.Placement?.AvailabilityZone ? { AvailabilityZone: zone } : undefined,
          IamInstanceProfile: spec.IamInstanceProfile,
          UserData: spec.UserData,
          Monitoring: { Enabled: !!spec.Monitoring?.Enabled },
        },
        ValidUntil: input.ValidUntil ? new Date(input.ValidUntil).toISOString() : undefined,
        Tags: tags,
      };
      spotTable(ctx).put(regional(ctx), req.SpotInstanceRequestId, req);
      out.push(view(req));
    }
    // EC2 evaluates new requests within seconds
    const runtime: Runtime = ctx;
    ctx.clock.setTimeout(() => fulfillOpenRequests(runtime), 2000);
    return { SpotInstanceRequests: out };
  },

  DescribeSpotInstanceRequests(ctx, input) {
    let list = spotTable(ctx).list(regional(ctx));
    if (input.SpotInstanceRequestIds?.length) {
      const missing = input.SpotInstanceRequestIds.find((id) => !list.some((r) => r.SpotInstanceRequestId === id));
      if (missing) throw requestNotFound(missing);
      list = list.filter((r) => input.SpotInstanceRequestIds!.includes(r.SpotInstanceRequestId));
    }
    const filtered = applyFilters(list.map(view), input.Filters, {
      'spot-instance-request-id': (r) => r.SpotInstanceRequestId,
      state: (r) => r.State,
      'status-code': (r) => r.Status?.Code,
      'instance-id': (r) => r.InstanceId,
      type: (r) => r.Type,
      'spot-price': (r) => r.SpotPrice,
      'launched-availability-zone': (r) => r.LaunchedAvailabilityZone,
      'launch.instance-type': (r) => r.LaunchSpecification?.InstanceType,
      'launch.image-id': (r) => r.LaunchSpecification?.ImageId,
      'launch.key-name': (r) => r.LaunchSpecification?.KeyName,
      'product-description': (r) => r.ProductDescription,
    });
    const page = pageOf(filtered, input, (r) => r.SpotInstanceRequestId!, { defaultMax: 1000 });
    return { SpotInstanceRequests: page.items, NextToken: page.NextToken };
  },

  CancelSpotInstanceRequests(ctx, input) {
    const scope = regional(ctx);
    const reqs = input.SpotInstanceRequestIds.map((id) => {
      const r = spotTable(ctx).get(scope, id);
      if (!r) throw requestNotFound(id);
      return r;
    });
    dryRun(input);
    return {
      CancelledSpotInstanceRequests: reqs.map((r) => {
        if (r.State === 'open' || r.State === 'active' || r.State === 'disabled') {
          setSpotStatus(ctx, scope, r, 'cancelled', r.State === 'active' ? 'request-canceled-and-instance-running' : 'canceled-before-fulfillment');
        }
        return { SpotInstanceRequestId: r.SpotInstanceRequestId, State: r.State === 'closed' ? 'closed' : 'cancelled' };
      }),
    };
  },

  DescribeSpotPriceHistory(ctx, input) {
    const now = ctx.clock.now();
    const end = input.EndTime ? Math.min(now, new Date(input.EndTime).getTime()) : now;
    const start = input.StartTime ? new Date(input.StartTime).getTime() : end - 24 * 3600_000;
    if (start > end) throw new AwsError('InvalidParameterValue', 'The start time must be before the end time.');
    const types = input.InstanceTypes?.length ? input.InstanceTypes.map(String) : allPricedTypes();
    const zones = availabilityZones(ctx.region).filter((z) => !input.AvailabilityZone || z.ZoneName === input.AvailabilityZone);
    const products = input.ProductDescriptions?.length ? input.ProductDescriptions.filter((p) => p.startsWith('Linux/UNIX')) : ['Linux/UNIX'];
    const rows: SpotPrice[] = [];
    for (const type of types) {
      for (const z of zones) {
        for (const p of priceHistory(type, z.ZoneName, start, end)) {
          for (const product of products) {
            rows.push({
              AvailabilityZone: z.ZoneName,
              AvailabilityZoneId: z.ZoneId,
              InstanceType: type as SpotPrice['InstanceType'],
              ProductDescription: product as SpotPrice['ProductDescription'],
              SpotPrice: formatPrice(p.price),
              // the price in effect at the start is dated when it took effect
              Timestamp: new Date(p.at).toISOString(),
            });
          }
        }
      }
    }
    rows.sort((a, b) => String(b.Timestamp).localeCompare(String(a.Timestamp)) || String(a.InstanceType).localeCompare(String(b.InstanceType)) || String(a.AvailabilityZone).localeCompare(String(b.AvailabilityZone)));
    const filtered = applyFilters(rows, input.Filters, {
      'availability-zone': (r) => r.AvailabilityZone,
      'instance-type': (r) => r.InstanceType,
      'product-description': (r) => r.ProductDescription,
      'spot-price': (r) => r.SpotPrice,
      timestamp: (r) => String(r.Timestamp),
    });
    const page = pageOf(filtered, input, (r) => `${r.Timestamp}/${r.InstanceType}/${r.AvailabilityZone}/${r.ProductDescription}`, { defaultMax: 1000 });
    return { SpotPriceHistory: page.items, NextToken: page.NextToken ?? '' };
  },
};

function allPricedTypes(): string[] {
  return allInstanceTypes()
    .map((t) => t.name)
    .filter((n) => onDemandPrice(n) !== undefined);
}
