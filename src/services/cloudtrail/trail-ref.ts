// Trail names and ARNs: AWS's name rules, and finding the trail a name or ARN refers to
// (in this region, or the shadow of a multi-region trail created in another).
import { AwsError } from '../../protocol/errors.js';
import { arn, parseArn } from '../../protocol/ids.js';
import type { RequestContext } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { type TrailRecord, trailsTable } from './store.js';

export function trailArn(ctx: { account: string }, region: string, name: string): string {
  return arn({ service: 'cloudtrail', region, account: ctx.account, resource: `trail/${name}` });
}

/** The rules of CreateTrail's Name (InvalidTrailNameException, AWS's messages). */
export function checkTrailName(name: string): void {
  const invalid = (message: string) => new AwsError('InvalidTrailNameException', message);
  if (name.length < 3) throw invalid(`Trail name too short. Minimum allowed length: 3 characters. Specified name length: ${name.length} characters.`);
  if (name.length > 128) throw invalid(`Trail name too long. Maximum allowed length: 128 characters. Specified name length: ${name.length} characters.`);
  if (!/^[A-Za-z0-9]/.test(name)) throw invalid('Trail name must starts with a letter or number.');
  if (!/[A-Za-z0-9]$/.test(name)) throw invalid('Trail name must ends with a letter or number.');
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw invalid('Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).');
  }
  if (/[._-]{2}/.test(name)) throw invalid('Trail name or ARN cannot have adjacent periods (.), hyphens (-), or underscores (_).');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) throw invalid('Trail name cannot be formatted as an IP address.');
}

export interface TrailRef {
  /** the name the caller meant */
  name: string;
  /** the region whose trail it is, when the caller gave an ARN */
  region?: string;
  /** the ARN to name in a not-found error */
  arn: string;
}

/** Parses a Name/TrailName parameter: a trail name or a trail ARN. */
export function parseTrailRef(ctx: RequestContext, value: string): TrailRef {
  if (value.startsWith('arn:')) {
    const parsed = parseArn(value);
    const m = parsed && parsed.service === 'cloudtrail' ? /^trail\/(.+)$/.exec(parsed.resource) : null;
    if (!parsed || !m || !/^\d{12}$/.test(parsed.account) || !parsed.region) {
      throw new AwsError('CloudTrailARNInvalidException', `Invalid trail ARN: ${value}. The trail ARN format is arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.`);
    }
    checkTrailName(m[1]!);
    return { name: m[1]!, region: parsed.region, arn: value };
  }
  checkTrailName(value);
  return { name: value, arn: trailArn(ctx, ctx.region, value) };
}

export interface Located {
  scope: Scope;
  trail: TrailRecord;
}

/** Every trail of the caller's account, in every region. */
export function accountTrails(ctx: RequestContext): Located[] {
  return trailsTable(ctx.store)
    .listAll()
    .filter((r) => r.scope.account === ctx.account)
    .map((r) => ({ scope: r.scope, trail: r.record }));
}

/** The trail a name or ARN refers to as seen from this region, or undefined. */
export function findTrail(ctx: RequestContext, ref: TrailRef): Located | undefined {
  const table = trailsTable(ctx.store);
  if (ref.region) {
    const scope = { account: ctx.account, region: ref.region };
    if (ref.arn.split(':')[4] !== ctx.account) return undefined;
    const trail = table.get(scope, ref.name);
    // a trail of another region is visible here only as the shadow of a multi-region trail
    return trail && (ref.region === ctx.region || trail.IsMultiRegionTrail) ? { scope, trail } : undefined;
  }
  const scope = { account: ctx.account, region: ctx.region };
  const own = table.get(scope, ref.name);
  if (own) return { scope, trail: own };
  return accountTrails(ctx).find((l) => l.trail.Name === ref.name && l.trail.IsMultiRegionTrail);
}

/** Like findTrail, but a missing trail is AWS's TrailNotFoundException. */
export function requireTrail(ctx: RequestContext, value: string): Located {
  const ref = parseTrailRef(ctx, value);
  const found = findTrail(ctx, ref);
  if (!found) throw new AwsError('TrailNotFoundException', `Unknown trail: ${ref.arn} for the user: ${ctx.account}`);
  return found;
}

/** Changes to a multi-region trail are made from its home region only. */
export function requireHomeRegion(ctx: RequestContext, located: Located): void {
  if (located.trail.HomeRegion !== ctx.region) {
    throw new AwsError('InvalidHomeRegionException', `This operation must be called from the trail's home region (${located.trail.HomeRegion}).`);
  }
}
