// SimulatePrincipalPolicy and SimulateCustomPolicy through the shared policy evaluator.
import type { ContextEntry, EvaluationResult, IamOperations, Statement } from '../../generated/iam.js';
import type { Handlers } from '../define.js';
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';
import { evaluate, PERMISSIONS_BOUNDARY_ID } from './policy-evaluator.js';
import { type IamCtx, defaultDocument, findGroup, findPolicy, getGroup, getRole, getUser, invalidInput, page } from './lookup.js';
import type { GroupRecord } from './store.js';

type SourceType = NonNullable<Statement['SourcePolicyType']>;

export interface SourcePolicy {
  id: string;
  type: SourceType;
  text: string;
}

/** The identity policies of a user (with its groups'), group or role: inline and attached. */
export function principalPolicies(ctx: IamCtx, arn: string): { policies: SourcePolicy[]; boundary?: string; account: string } {
  const m = /^arn:[^:]+:iam::(\d{12}):(user|group|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m || m[1] !== ctx.account) throw invalidInput(`Invalid ARN: ${arn}`);
  const kind = m[2] as 'user' | 'group' | 'role';
  const name = m[3]!;
  const out: SourcePolicy[] = [];
  const add = (type: 'user' | 'group' | 'role', e: { InlinePolicies: Record<string, string>; AttachedPolicies: string[] }) => {
    for (const [id, text] of Object.entries(e.InlinePolicies)) out.push({ id, type, text });
    for (const policyArn of e.AttachedPolicies) {
      const p = findPolicy(ctx, policyArn);
      if (p) out.push({ id: p.PolicyName, type: policyArn.includes(':iam::aws:') ? 'aws-managed' : 'user-managed', text: defaultDocument(p) });
    }
  };
  let boundary: string | undefined;
  if (kind === 'user') {
    const user = getUser(ctx, name);
    add('user', user);
    for (const g of user.Groups.map((k) => findGroup(ctx, k)).filter((g): g is GroupRecord => g !== undefined)) add('group', g);
    boundary = user.PermissionsBoundary;
  } else if (kind === 'group') {
    add('group', getGroup(ctx, name));
  } else {
    const role = getRole(ctx, name);
    add('role', role);
    boundary = role.PermissionsBoundary;
  }
  return { policies: out, boundary, account: m[1]! };
}

/** Line/column spans of each statement of a JSON policy (1-based), for MatchedStatements. */
function statementSpans(text: string): { start: { Line: number; Column: number }; end: { Line: number; Column: number } }[] {
  const spans: { start: { Line: number; Column: number }; end: { Line: number; Column: number } }[] = [];
  const key = /"Statement"\s*:\s*/.exec(text);
  if (!key) return spans;
  let i = key.index + key[0].length;
  const single = text[i] === '{';
  let line = 1 + (text.slice(0, i).match(/\n/g)?.length ?? 0);
  let col = i - text.lastIndexOf('\n', i - 1);
  let depth = 0;
  let inString = false;
  let start: { Line: number; Column: number } | undefined;
  for (; i < text.length; i++, col++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      col = 0;
      continue;
    }
    if (inString) {
      if (c === '\\') i++, col++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (c === '{' && depth === (single ? 0 : 1)) start = { Line: line, Column: col };
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (c === '}' && depth === (single ? 0 : 1) && start) spans.push({ start, end: { Line: line, Column: col + 1 } });
      if (depth <= 0) break;
    }
  }
  return spans;
}

function contextOf(entries: ContextEntry[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of entries ?? []) if (e.ContextKeyName) out[e.ContextKeyName] = e.ContextKeyValues ?? [];
  return out;
}

interface SimulationInput {
  policies: SourcePolicy[];
  boundaries: string[];
  actions: string[];
  resources: string[];
  resourcePolicy?: string;
  resourceOwner?: string;
  callerArn: string;
  account: string;
  context?: ContextEntry[];
  Marker?: string;
  MaxItems?: number;
}

function simulate(input: SimulationInput) {
  const parsed = input.policies.map((p) => ({ ...p, doc: parsePolicyDocument(p.text, 'identity') }));
  const boundaries = input.boundaries.map((text) => ({ text, doc: parsePolicyDocument(text, 'identity') }));
  const resourceDoc: PolicyDocument | undefined = input.resourcePolicy ? parsePolicyDocument(input.resourcePolicy, 'resource') : undefined;
  const context = contextOf(input.context);
  const spans = new Map<string, ReturnType<typeof statementSpans>>();
  const spanOf = (key: string, text: string, index: number) => {
    if (!spans.has(key)) spans.set(key, statementSpans(text));
    return spans.get(key)![index];
  };
  const results: EvaluationResult[] = [];
  for (const action of input.actions) {
    for (const resource of input.resources) {
      const request = { action, resource, principal: { arn: input.callerArn, account: input.account }, context };
      let decision = evaluate({
        identityPolicies: parsed.map((p, i) => ({ id: `${i}`, document: p.doc })),
        resourcePolicy: resourceDoc && { id: 'resource', document: resourceDoc, account: input.resourceOwner ?? input.account },
        request,
      });
      // several boundaries: each must allow (IAM simulates them as one boundary each)
      for (const b of boundaries) {
        const r = evaluate({ identityPolicies: parsed.map((p, i) => ({ id: `${i}`, document: p.doc })), permissionsBoundary: b.doc, request });
        if (decision.decision === 'allowed' && r.decision !== 'allowed') decision = { decision: r.decision, matched: r.matched };
      }
      const matched: Statement[] = decision.matched
        .filter((m) => m.policyId !== PERMISSIONS_BOUNDARY_ID)
        .map((m) => {
          const source = m.policyId === 'resource' ? { id: 'ResourcePolicy', type: 'resource' as SourceType, text: input.resourcePolicy! } : input.policies[Number(m.policyId)]!;
          const span = spanOf(m.policyId, source.text, m.statementIndex);
          return { SourcePolicyId: source.id, SourcePolicyType: source.type, StartPosition: span?.start, EndPosition: span?.end };
        });
      results.push({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: decision.decision,
        MatchedStatements: matched,
        MissingContextValues: [],
      });
    }
  }
  const p = page(results, (r) => `${r.EvalActionName} ${r.EvalResourceName}`, input);
  return { EvaluationResults: p.items, IsTruncated: p.IsTruncated, Marker: p.Marker };
}

export const simulateHandlers: Handlers<IamOperations> = {
  SimulatePrincipalPolicy(ctx, input) {
    const source = principalPolicies(ctx, input.PolicySourceArn);
    const extra = (input.PolicyInputList ?? []).map((text, i) => ({ id: `PolicyInputList.${i + 1}`, type: 'none' as SourceType, text }));
    const boundaryText = source.boundary ? findPolicy(ctx, source.boundary) : undefined;
    const boundaries = input.PermissionsBoundaryPolicyInputList ?? (boundaryText ? [defaultDocument(boundaryText)] : []);
    return simulate({
      policies: [...source.policies, ...extra],
      boundaries,
      actions: input.ActionNames,
      resources: input.ResourceArns?.length ? input.ResourceArns : ['*'],
      resourcePolicy: input.ResourcePolicy,
      resourceOwner: input.ResourceOwner,
      callerArn: input.CallerArn ?? input.PolicySourceArn,
      account: ctx.account,
      context: input.ContextEntries,
      Marker: input.Marker,
      MaxItems: input.MaxItems,
    });
  },

  SimulateCustomPolicy(ctx, input) {
    return simulate({
      policies: input.PolicyInputList.map((text, i) => ({ id: `PolicyInputList.${i + 1}`, type: 'none' as SourceType, text })),
      boundaries: input.PermissionsBoundaryPolicyInputList ?? [],
      actions: input.ActionNames,
      resources: input.ResourceArns?.length ? input.ResourceArns : ['*'],
      resourcePolicy: input.ResourcePolicy,
      resourceOwner: input.ResourceOwner,
      callerArn: input.CallerArn ?? `arn:aws:iam::${ctx.account}:root`,
      account: ctx.account,
      context: input.ContextEntries,
      Marker: input.Marker,
      MaxItems: input.MaxItems,
    });
  },
};
