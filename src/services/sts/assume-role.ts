// AssumeRole and AssumeRoleWithWebIdentity: the role's trust policy decides, then a role session is issued.
import { deflateRawSync } from 'node:zlib';
import type { StsOperations, Tag } from '../../generated/sts.js';
import { AwsError } from '../../protocol/errors.js';
import type { RequestContext } from '../../server/context.js';
import type { Store } from '../../state/db.js';
import type { Handlers } from '../define.js';
import {
  type RoleRecord,
  evaluate,
  markRoleUsed,
  normalizeStatements,
  parsePolicyDocument,
  policyDocumentsForPrincipal,
  roleByName,
  trustPolicyAllows,
  trustPolicyOf,
} from '../iam/index.js';
import { type SessionRecord, credentialsOf, issueSession, sessionByAccessKey } from './sessions.js';

const ROLE_ARN = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** The role an ARN names, matched by account and name (as STS does; the path is not checked). */
export function roleOfArn(rt: { store: Store }, arn: string): RoleRecord | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? roleByName(rt, m[1]!, m[2]!) : undefined;
}

const denied = (ctx: RequestContext, action: string, resource: string) =>
  new AwsError('AccessDenied', `User: ${ctx.caller.arn} is not authorized to perform: ${action} on resource: ${resource}`, { status: 403 });

/** Session tags: case-insensitively unique keys; transitive keys must be among them; inherited transitive tags stay. */
function sessionTags(caller: SessionRecord | undefined, tags: Tag[] | undefined, transitive: string[] | undefined) {
  const out: Record<string, string> = {};
  const inherited = caller?.transitiveTagKeys ?? [];
  for (const k of inherited) if (caller!.tags[k] !== undefined) out[k] = caller!.tags[k]!;
  const seen = new Set<string>();
  for (const t of tags ?? []) {
    const lower = t.Key.toLowerCase();
    if (seen.has(lower)) throw new AwsError('InvalidParameterValue', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    if (inherited.some((k) => k.toLowerCase() === lower)) {
      throw new AwsError('InvalidParameterValue', 'One or more session tags are transitive tags inherited from the calling session and cannot be overridden.');
    }
    seen.add(lower);
    out[t.Key] = t.Value;
  }
  for (const k of transitive ?? []) {
    if (!seen.has(k.toLowerCase())) throw new AwsError('InvalidParameterValue', 'The specified transitive tag key must be included in the requested tags.');
  }
  return { tags: out, transitiveTagKeys: [...inherited, ...(transitive ?? [])] };
}

/** PackedPolicySize: the session policies and tags, compressed, as a percentage of what a session may carry. */
function packedSize(policy: string | undefined, arns: string[], tags: Record<string, string>): number | undefined {
  if (!policy && !arns.length && !Object.keys(tags).length) return undefined;
  const text = JSON.stringify([policy ? JSON.stringify(JSON.parse(policy)) : '', arns, tags]);
  const percent = Math.ceil((deflateRawSync(text).length * 100) / 2048);
  if (percent > 100) throw new AwsError('PackedPolicyTooLarge', `Packed size of the policy exceeds 100% of allowed value.`);
  return percent;
}

function checkDuration(role: RoleRecord, duration: number, chained: boolean): void {
  if (duration > role.MaxSessionDuration) throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  if (chained && duration > 3600) {
    throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
}

/** Whether the trust policy names this very caller (its ARN, or for a role session its role) rather than its account. */
function trustNamesCaller(role: RoleRecord, callerArn: string, callerRoleArn: string | undefined): boolean {
  return normalizeStatements(trustPolicyOf(role)).some((s) => {
    if (s.Effect !== 'Allow' || !s.Principal || s.Principal === '*') return false;
    return (s.Principal['AWS'] ?? []).some((v) => v === callerArn || (callerRoleArn !== undefined && v === callerRoleArn));
  });
}

/** Issues a role session (no trust check): what AssumeRole does once allowed, and what services use for their roles. */
export function issueRoleSession(
  rt: { store: Store; clock: { now(): number; date(): Date } },
  role: RoleRecord,
  sessionName: string,
  durationSeconds: number,
  extra: Partial<Pick<SessionRecord, 'tags' | 'transitiveTagKeys' | 'sessionPolicy' | 'policyArns' | 'sourceIdentity' | 'chained'>> = {},
  region = 'us-east-1',
): SessionRecord {
  const account = ROLE_ARN.exec(role.Arn)![1]!;
  markRoleUsed(rt, role, region);
  return issueSession(rt, {
    account,
    type: 'AssumedRole',
    arn: `arn:aws:sts::${account}:assumed-role/${role.RoleName}/${sessionName}`,
    userId: `${role.RoleId}:${sessionName}`,
    roleArn: role.Arn,
    sessionName,
    tags: extra.tags ?? {},
    transitiveTagKeys: extra.transitiveTagKeys ?? [],
    sessionPolicy: extra.sessionPolicy,
    policyArns: extra.policyArns ?? [],
    sourceIdentity: extra.sourceIdentity,
    chained: extra.chained,
    durationSeconds,
  });
}

const assumedRoleUser = (s: SessionRecord) => ({ AssumedRoleId: s.userId, Arn: s.arn });

function decodeJwt(token: string): Record<string, unknown> {
  const parts = token.split('.');
  try {
    if (parts.length < 2) throw new Error('not a JWT');
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error('not an object');
    return payload as Record<string, unknown>;
  } catch {
    throw new AwsError('InvalidIdentityToken', 'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.');
  }
}

const WELL_KNOWN_PROVIDERS = new Set(['accounts.google.com', 'graph.facebook.com', 'www.amazon.com', 'cognito-identity.amazonaws.com']);

export const assumeRoleHandlers: Handlers<StsOperations> = {
  AssumeRole(ctx, input) {
    const { RoleArn, RoleSessionName, DurationSeconds = 3600 } = input;
    const role = roleOfArn(ctx, RoleArn);
    if (!role) throw denied(ctx, 'sts:AssumeRole', RoleArn);
    const callerSession = ctx.caller.type === 'AssumedRole' || ctx.caller.type === 'FederatedUser' ? sessionByAccessKey(ctx, ctx.caller.accessKeyId) : undefined;
    const { tags, transitiveTagKeys } = sessionTags(callerSession, input.Tags, input.TransitiveTagKeys);
    const now = ctx.clock.now();
    const context: Record<string, string | string[]> = {
      'sts:RoleSessionName': RoleSessionName,
      'aws:CurrentTime': new Date(now).toISOString(),
      'aws:EpochTime': String(Math.floor(now / 1000)),
      'aws:SourceIp': ctx.sourceIp,
      'aws:userid': ctx.caller.userId,
      'aws:PrincipalType': ctx.caller.type,
    };
    if (input.ExternalId !== undefined) context['sts:ExternalId'] = input.ExternalId;
    if (input.SourceIdentity !== undefined) context['sts:SourceIdentity'] = context['aws:SourceIdentity'] = input.SourceIdentity;
    for (const [k, v] of Object.entries(callerSession?.tags ?? {})) context[`aws:PrincipalTag/${k}`] = v;
    if (input.Tags?.length) {
      for (const t of input.Tags) context[`aws:RequestTag/${t.Key}`] = t.Value;
      context['aws:TagKeys'] = input.Tags.map((t) => t.Key);
    }
    if (input.TransitiveTagKeys?.length) context['sts:TransitiveTagKeys'] = input.TransitiveTagKeys;

    const principal = { arn: ctx.caller.arn, account: ctx.account };
    const trust = trustPolicyOf(role);
    if (!trustPolicyAllows(trust, principal, 'sts:AssumeRole', context)) throw denied(ctx, 'sts:AssumeRole', RoleArn);
    if (input.Tags?.length && !trustPolicyAllows(trust, principal, 'sts:TagSession', context)) throw denied(ctx, 'sts:TagSession', RoleArn);
    if (input.SourceIdentity !== undefined && !trustPolicyAllows(trust, principal, 'sts:SetSourceIdentity', context)) {
      throw denied(ctx, 'sts:SetSourceIdentity', RoleArn);
    }
    // An IAM user or role session also needs its own permission, unless the trust policy names it
    // (across accounts, always). The account root needs none.
    if (ctx.caller.type !== 'Root') {
      const crossAccount = ROLE_ARN.exec(role.Arn)![1] !== ctx.account;
      if (crossAccount || !trustNamesCaller(role, ctx.caller.arn, ctx.caller.roleArn)) {
        const identity = policyDocumentsForPrincipal(ctx, ctx.caller.arn);
        const sessionPolicy = callerSession?.sessionPolicy ? parsePolicyDocument(callerSession.sessionPolicy, 'identity') : undefined;
        const result = identity && evaluate({ ...identity, sessionPolicy, request: { action: 'sts:AssumeRole', resource: role.Arn, principal, context } });
        if (identity && result?.decision !== 'allowed') throw denied(ctx, 'sts:AssumeRole', RoleArn);
      }
    }

    checkDuration(role, DurationSeconds, ctx.caller.type === 'AssumedRole');
    if (input.Policy !== undefined) parsePolicyDocument(input.Policy, 'identity');
    const policyArns = (input.PolicyArns ?? []).map((p) => p.arn ?? '').filter(Boolean);
    const PackedPolicySize = packedSize(input.Policy, policyArns, tags);
    const session = issueRoleSession(
      ctx,
      role,
      RoleSessionName,
      DurationSeconds,
      { tags, transitiveTagKeys, sessionPolicy: input.Policy, policyArns, sourceIdentity: input.SourceIdentity, chained: ctx.caller.type === 'AssumedRole' },
      ctx.region,
    );
    return { Credentials: credentialsOf(session), AssumedRoleUser: assumedRoleUser(session), PackedPolicySize, SourceIdentity: input.SourceIdentity };
  },

  AssumeRoleWithWebIdentity(ctx, input) {
    const { RoleArn, RoleSessionName, WebIdentityToken, DurationSeconds = 3600 } = input;
    const claims = decodeJwt(WebIdentityToken);
    const now = ctx.clock.now();
    if (typeof claims['exp'] === 'number' && claims['exp'] * 1000 <= now) {
      throw new AwsError('ExpiredTokenException', `Token expired: current date/time ${Math.floor(now / 1000)} must be before the expiration date/time${claims['exp']}`);
    }
    const iss = typeof claims['iss'] === 'string' ? claims['iss'] : (input.ProviderId ?? '');
    const host = iss.replace(/^https?:\/\//, '').replace(/\/$/, '');
    const sub = typeof claims['sub'] === 'string' ? claims['sub'] : '';
    const audList = Array.isArray(claims['aud']) ? (claims['aud'] as unknown[]).map(String) : claims['aud'] !== undefined ? [String(claims['aud'])] : [];
    const m = ROLE_ARN.exec(RoleArn);
    const role = roleOfArn(ctx, RoleArn);
    const notAuthorized = new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', { status: 403 });
    if (!role || !m) throw notAuthorized;
    const federated = WELL_KNOWN_PROVIDERS.has(host) ? host : `arn:aws:iam::${m[1]}:oidc-provider/${host}`;
    const context: Record<string, string | string[]> = {
      'sts:RoleSessionName': RoleSessionName,
      'aws:FederatedProvider': federated,
      'aws:CurrentTime': new Date(now).toISOString(),
      'aws:EpochTime': String(Math.floor(now / 1000)),
      'aws:SourceIp': ctx.sourceIp,
      [`${host}:sub`]: sub,
      [`${host}:aud`]: audList,
    };
    if (typeof claims['azp'] === 'string') context[`${host}:azp`] = claims['azp'];
    if (claims['amr'] !== undefined) context[`${host}:amr`] = Array.isArray(claims['amr']) ? (claims['amr'] as unknown[]).map(String) : String(claims['amr']);
    if (!trustPolicyAllows(trustPolicyOf(role), { arn: federated, account: m[1]!, federated }, 'sts:AssumeRoleWithWebIdentity', context)) throw notAuthorized;
    checkDuration(role, DurationSeconds, false);
    if (input.Policy !== undefined) parsePolicyDocument(input.Policy, 'identity');
    const policyArns = (input.PolicyArns ?? []).map((p) => p.arn ?? '').filter(Boolean);
    const PackedPolicySize = packedSize(input.Policy, policyArns, {});
    const session = issueRoleSession(ctx, role, RoleSessionName, DurationSeconds, { sessionPolicy: input.Policy, policyArns }, ctx.region);
    return {
      Credentials: credentialsOf(session),
      SubjectFromWebIdentityToken: sub,
      AssumedRoleUser: assumedRoleUser(session),
      PackedPolicySize,
      Provider: iss,
      Audience: typeof claims['azp'] === 'string' ? claims['azp'] : audList[0],
    };
  },
};
