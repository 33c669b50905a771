// IAM's policy evaluation logic, as a pure function other services call.
//
// Within one account: an explicit Deny in any policy wins; otherwise the request is allowed when an
// identity policy allows it (and the permissions boundary and the session policy, when present, allow it
// too), or when the resource policy allows it. A resource policy that names the caller's own ARN (the IAM
// user, or the role session) is not limited by the boundary or session policy; one that names the role
// or the account is, as AWS documents.
// Across accounts (resource policy in another account than the caller): both the identity side and the
// resource policy must allow. Organizations SCPs and RCPs are not modelled.
//
// The caller supplies the request context: aws:CurrentTime / aws:EpochTime come from Cumulus's clock,
// never from here. aws:PrincipalArn, aws:PrincipalAccount and aws:username are filled in from the
// principal when the context does not have them.
import { contextLookup, conditionsMatch, globMatch, type ContextLookup } from './policy-conditions.js';
import { normalizeStatements, type NormalizedStatement, type PolicyDocument } from './policy-document.js';

export interface RequestInfo {
  /** e.g. 'iam:CreateRole'; matched case-insensitively. */
  action: string;
  /** An ARN, or '*' for actions that name no resource. */
  resource: string;
  /**
   * The caller. `arn` is an IAM user, an assumed-role session (arn:aws:sts::A:assumed-role/R/S), a role,
   * a federated user or the account root; `service` / `federated` for service and web-identity callers
   * (their `account` is the account the service acts for, their `arn` may be empty).
   */
  principal: { arn: string; account: string; type?: string; service?: string; federated?: string };
  /** Condition keys, e.g. 'aws:SourceIp', 'aws:CurrentTime', 'aws:PrincipalTag/team'. */
  context?: Record<string, string | string[]>;
}

export interface EvaluationInput {
  identityPolicies: { id: string; document: PolicyDocument }[];
  resourcePolicy?: { id: string; document: PolicyDocument; account: string };
  permissionsBoundary?: PolicyDocument;
  sessionPolicy?: PolicyDocument;
  request: RequestInfo;
}

export interface MatchedStatement {
  policyId: string;
  statementIndex: number;
  effect: 'Allow' | 'Deny';
}

export interface EvaluationResult {
  decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
  /** Every statement that applied to the request, Allow and Deny, in evaluation order. */
  matched: MatchedStatement[];
}

/** Policy ids used in `matched` for the boundary and the session policy. */
export const PERMISSIONS_BOUNDARY_ID = 'PermissionsBoundary';
export const SESSION_POLICY_ID = 'SessionPolicy';

export interface Caller {
  arn: string;
  account: string;
  service?: string;
  federated?: string;
}

// ---- principals ----

const SESSION_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const ROOT_ARN = /^arn:[^:]+:iam::(\d{12}):root$/;

/** The role an assumed-role session belongs to, as an ARN without its path (sessions do not carry it). */
export function sessionRoleArn(arn: string): string | undefined {
  const m = SESSION_ARN.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

/** How a principal value names the caller: its own ARN ('direct'), its role or account ('indirect'). */
export type PrincipalMatch = 'direct' | 'indirect' | undefined;

function matchAwsValue(value: string, caller: Caller): PrincipalMatch {
  if (caller.service || caller.federated) return undefined;
  if (value === '*') return 'indirect';
  if (value === caller.arn) return 'direct';
  const account = /^\d{12}$/.test(value) ? value : ROOT_ARN.exec(value)?.[1];
  if (account !== undefined) return account === caller.account ? 'indirect' : undefined;
  const role = ROLE_ARN.exec(value);
  const session = SESSION_ARN.exec(caller.arn);
  if (role && session && role[2] === session[2] && role[3] === session[3]) return 'indirect';
  return undefined;
}

function matchValue(type: string, value: string, caller: Caller): PrincipalMatch {
  switch (type) {
    case 'AWS':
      return matchAwsValue(value, caller);
    case 'Service':
      return caller.service !== undefined && caller.service.toLowerCase() === value.toLowerCase() ? 'direct' : undefined;
    case 'Federated':
      return caller.federated !== undefined && caller.federated === value ? 'direct' : undefined;
    default:
      return undefined; // CanonicalUser: Cumulus has no S3 canonical ids
  }
}

/** The best way a Principal element names the caller (direct beats indirect). */
export function principalMatch(principal: '*' | Record<string, string[]>, caller: Caller): PrincipalMatch {
  if (principal === '*') return 'indirect';
  let best: PrincipalMatch;
  for (const [type, values] of Object.entries(principal)) {
    for (const value of values) {
      const m = matchValue(type, value, caller);
      if (m === 'direct') return m;
      best ??= m;
    }
  }
  return best;
}

/**
 * NotPrincipal: a request carries several identities (the account, the role, the session or the user);
 * the caller escapes the statement only when every one of them is listed, which is why AWS asks for
 * both the account and the user in a Deny with NotPrincipal.
 */
function notPrincipalExcludes(notPrincipal: '*' | Record<string, string[]>, caller: Caller): boolean {
  if (notPrincipal === '*') return true;
  const listed = (type: string, test: (v: string) => boolean) => (notPrincipal[type] ?? []).some(test);
  if (caller.service) return listed('Service', (v) => v.toLowerCase() === caller.service!.toLowerCase());
  if (caller.federated) return listed('Federated', (v) => v === caller.federated);
  const identities: ((v: string) => boolean)[] = [
    (v) => v === caller.account || ROOT_ARN.exec(v)?.[1] === caller.account,
    (v) => v === caller.arn,
  ];
  const role = sessionRoleArn(caller.arn);
  if (role) identities.push((v) => { const m = ROLE_ARN.exec(v); return m !== null && `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` === role; });
  if (ROOT_ARN.test(caller.arn)) identities.splice(1, 1);
  return identities.every((identity) => listed('AWS', (v) => v === '*' || identity(v)));
}

// ---- statements ----

interface Evaluation {
  action: string;
  resource: string | undefined; // undefined: trust policies, which have no Resource
  caller: Caller;
  context: ContextLookup;
}

const matchesAny = (value: string, patterns: string[], ignoreCase: boolean, vars?: ContextLookup) =>
  patterns.some((p) => globMatch(value, p, ignoreCase, vars));

/** Whether a statement applies to the request; for principalled policies, how it named the caller. */
function statementApplies(s: NormalizedStatement, e: Evaluation, vars: ContextLookup | undefined, principalled: boolean): PrincipalMatch | false {
  if (s.Action && !matchesAny(e.action, s.Action, true)) return false;
  if (s.NotAction && matchesAny(e.action, s.NotAction, true)) return false;
  if (e.resource !== undefined) {
    if (s.Resource && !matchesAny(e.resource, s.Resource, false, vars)) return false;
    if (s.NotResource && matchesAny(e.resource, s.NotResource, false, vars)) return false;
  }
  let how: PrincipalMatch = 'indirect';
  if (principalled) {
    if (s.Principal) how = principalMatch(s.Principal, e.caller);
    else if (s.NotPrincipal) how = notPrincipalExcludes(s.NotPrincipal, e.caller) ? undefined : 'indirect';
    else how = undefined;
    if (!how) return false;
  }
  if (!conditionsMatch(s.Condition, e.context, vars)) return false;
  return how;
}

interface PolicyOutcome {
  allow: boolean;
  deny: boolean;
  /** An Allow named the caller's own ARN. */
  direct: boolean;
}

function evaluatePolicy(id: string, doc: PolicyDocument, e: Evaluation, principalled: boolean, matched: MatchedStatement[]): PolicyOutcome {
  const out: PolicyOutcome = { allow: false, deny: false, direct: false };
  // Policy variables exist from version 2012-10-17; before it, ${...} is literal text.
  const vars = doc.Version === '2012-10-17' ? e.context : undefined;
  normalizeStatements(doc).forEach((s, statementIndex) => {
    const how = statementApplies(s, e, vars, principalled);
    if (how === false || how === undefined) return;
    matched.push({ policyId: id, statementIndex, effect: s.Effect });
    if (s.Effect === 'Deny') out.deny = true;
    else {
      out.allow = true;
      if (how === 'direct') out.direct = true;
    }
  });
  return out;
}

/** The request context with the keys AWS always supplies about the caller. */
function requestContext(caller: Caller, type: string | undefined, context: Record<string, string | string[]> | undefined): ContextLookup {
  const lookup = contextLookup(context ?? {});
  const setDefault = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '' && !lookup.has(key)) lookup.set(key, [value]);
  };
  if (!caller.service && !caller.federated) {
    setDefault('aws:principalarn', sessionRoleArn(caller.arn) ?? caller.arn);
    setDefault('aws:principalaccount', caller.account);
    setDefault('aws:username', /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(caller.arn)?.[1]);
  }
  setDefault('aws:principaltype', type);
  setDefault('aws:principalservicename', caller.service);
  return lookup;
}

export function evaluate(input: EvaluationInput): EvaluationResult {
  const { request } = input;
  const caller: Caller = request.principal;
  const e: Evaluation = {
    action: request.action,
    resource: request.resource,
    caller,
    context: requestContext(caller, request.principal.type, request.context),
  };
  const matched: MatchedStatement[] = [];
  const identity = { allow: false, deny: false };
  for (const policy of input.identityPolicies) {
    const o = evaluatePolicy(policy.id, policy.document, e, false, matched);
    identity.allow ||= o.allow;
    identity.deny ||= o.deny;
  }
  const resource = input.resourcePolicy && evaluatePolicy(input.resourcePolicy.id, input.resourcePolicy.document, e, true, matched);
  const boundary = input.permissionsBoundary && evaluatePolicy(PERMISSIONS_BOUNDARY_ID, input.permissionsBoundary, e, false, matched);
  const session = input.sessionPolicy && evaluatePolicy(SESSION_POLICY_ID, input.sessionPolicy, e, false, matched);

  if (identity.deny || resource?.deny || boundary?.deny || session?.deny) return { decision: 'explicitDeny', matched };

  const limitsAllow = (!boundary || boundary.allow) && (!session || session.allow);
  const identityAllows = identity.allow && limitsAllow;
  let allowed: boolean;
  if (!input.resourcePolicy || !resource) allowed = identityAllows;
  else if (input.resourcePolicy.account === caller.account) allowed = identityAllows || (resource.allow && (resource.direct || limitsAllow));
  else allowed = identityAllows && resource.allow;
  return { decision: allowed ? 'allowed' : 'implicitDeny', matched };
}

/**
 * Whether a role's trust policy lets `principal` perform `action` (sts:AssumeRole,
 * sts:AssumeRoleWithWebIdentity, sts:TagSession…): some Allow statement names the principal, the action
 * and holds its conditions, and no Deny does. When the trust policy names only the caller's account
 * (or role), AWS also requires the caller's own identity policies to allow the action: that check is the
 * caller's, with `evaluate`.
 */
export function trustPolicyAllows(
  trust: PolicyDocument,
  principal: { arn: string; account: string; service?: string; federated?: string },
  action: string,
  context?: Record<string, string | string[]>,
): boolean {
  const e: Evaluation = { action, resource: undefined, caller: principal, context: requestContext(principal, undefined, context) };
  const outcome = evaluatePolicy('TrustPolicy', trust, e, true, []);
  return outcome.allow && !outcome.deny;
}
