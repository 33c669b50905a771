// Resource-based policies: AddPermission / RemovePermission / GetPolicy, one policy per function or
// qualifier, and `policyAllows` for the services that invoke functions (EventBridge, API Gateway, ELB …).
import { randomUUID } from 'node:crypto';
import type { LambdaOperations } from '../../generated/lambda.js';
import { AwsError } from '../../protocol/errors.js';
import type { RequestContext } from '../../server/context.js';
import type { Store } from '../../state/db.js';
import { RecordCache } from '../../state/record-cache.js';
import type { Handlers } from '../define.js';
import { evaluate, parsePolicyDocument } from '../iam/index.js';
import { aliasRecord } from './aliases.js';
import { functionNotFound, invalidParameter, notFound, resourceNotFound, revisionMismatch, conflict } from './errors.js';
import { findVersion, getFunction, type Ctx } from './functions.js';
import { functionArn, isVersionNumber, parseFunctionName } from './names.js';
import { qualifierKey } from './qualifier-resources.js';
import { type PolicyRecord, scopeOf, tables } from './store.js';

const POLICY_LIMIT = 20480;

function principalBlock(principal: string): '*' | Record<string, string> {
  if (principal === '*') return '*';
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (/^arn:[^:]+:(iam|sts)::\d{12}:/.test(principal)) return { AWS: principal };
  if (/^[a-z0-9.-]+\.(amazonaws\.com|amazon\.com)$/.test(principal)) return { Service: principal };
  throw invalidParameter('The provided principal was invalid. Please check the principal and try again.');
}

/** The qualifier must name $LATEST, an existing version or an existing alias. */
function checkQualifier(ctx: Ctx, name: string, qualifier: string | undefined): void {
  if (qualifier === undefined || qualifier === '$LATEST') return;
  const exists = isVersionNumber(qualifier) ? findVersion(ctx, name, qualifier) !== undefined : aliasRecord(ctx, name, qualifier) !== undefined;
  if (!exists) throw functionNotFound(functionArn(ctx, name, qualifier));
}

export function policyDocument(record: PolicyRecord): { Version: string; Id: string; Statement: Record<string, unknown>[] } {
  return { Version: '2012-10-17', Id: 'default', Statement: record.Statements };
}

export const permissionHandlers: Handlers<LambdaOperations> = {
  AddPermission(ctx: RequestContext, input) {
    const ref = parseFunctionName(ctx, input.FunctionName, input.Qualifier);
    const fn = getFunction(ctx, ref.name);
    checkQualifier(ctx, fn.FunctionName, ref.qualifier);
    const t = tables(ctx.store);
    const key = qualifierKey(fn.FunctionName, ref.qualifier);
    const record = t.policies.get(scopeOf(ctx), key) ?? { Statements: [], RevisionId: randomUUID() };
    if (input.RevisionId !== undefined && input.RevisionId !== record.RevisionId) throw revisionMismatch('GetPolicy');
    if (record.Statements.some((s) => s.Sid === input.StatementId)) {
      throw conflict(`The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const condition: Record<string, Record<string, string>> = {};
    const add = (op: string, key: string, value: string) => ((condition[op] ??= {})[key] = value);
    if (input.SourceAccount !== undefined) add('StringEquals', 'AWS:SourceAccount', input.SourceAccount);
    if (input.PrincipalOrgID !== undefined) add('StringEquals', 'aws:PrincipalOrgID', input.PrincipalOrgID);
    if (input.EventSourceToken !== undefined) add('StringEquals', 'lambda:EventSourceToken', input.EventSourceToken);
    if (input.FunctionUrlAuthType !== undefined) add('StringEquals', 'lambda:FunctionUrlAuthType', input.FunctionUrlAuthType);
    if (input.InvokedViaFunctionUrl) add('Bool', 'lambda:InvokedViaFunctionUrl', 'true');
    if (input.SourceArn !== undefined) add('ArnLike', 'AWS:SourceArn', input.SourceArn);
    const statement: Record<string, unknown> = {
      Sid: input.StatementId,
      Effect: 'Allow',
      Principal: principalBlock(input.Principal),
      Action: input.Action,
      Resource: functionArn(ctx, fn.FunctionName, ref.qualifier),
    };
    if (Object.keys(condition).length) statement.Condition = condition;
    const next: PolicyRecord = { Statements: [...record.Statements, statement], RevisionId: randomUUID() };
    const size = JSON.stringify(policyDocument(next)).length;
    if (size > POLICY_LIMIT) {
      throw new AwsError('PolicyLengthExceededException', `The final policy size (${size}) is bigger than the limit (${POLICY_LIMIT}).`, { status: 400, fields: { Type: 'User' } });
    }
    t.policies.put(scopeOf(ctx), key, next);
    return { Statement: JSON.stringify(statement) };
  },

  RemovePermission(ctx: RequestContext, input) {
    const ref = parseFunctionName(ctx, input.FunctionName, input.Qualifier);
    const fn = getFunction(ctx, ref.name);
    checkQualifier(ctx, fn.FunctionName, ref.qualifier);
    const t = tables(ctx.store);
    const key = qualifierKey(fn.FunctionName, ref.qualifier);
    const record = t.policies.get(scopeOf(ctx), key);
    if (!record) throw notFound('No policy is associated with the given resource.');
    if (input.RevisionId !== undefined && input.RevisionId !== record.RevisionId) throw revisionMismatch('GetPolicy');
    const rest = record.Statements.filter((s) => s.Sid !== input.StatementId);
    if (rest.length === record.Statements.length) throw notFound(`Statement ${input.StatementId} is not found in resource policy.`);
    if (rest.length) t.policies.put(scopeOf(ctx), key, { Statements: rest, RevisionId: randomUUID() });
    else t.policies.delete(scopeOf(ctx), key);
    return undefined;
  },

  GetPolicy(ctx: RequestContext, input) {
    const ref = parseFunctionName(ctx, input.FunctionName, input.Qualifier);
    const fn = getFunction(ctx, ref.name);
    checkQualifier(ctx, fn.FunctionName, ref.qualifier);
    const record = tables(ctx.store).policies.get(scopeOf(ctx), qualifierKey(fn.FunctionName, ref.qualifier));
    if (!record) throw resourceNotFound();
    return { Policy: JSON.stringify(policyDocument(record)), RevisionId: record.RevisionId };
  },
};

type ParsedPolicy = ReturnType<typeof parsePolicyDocument>;
/** A resource policy by its JSON text: its parse (null: unparsable) and the decisions taken with it. The text
 *  fixes both (evaluation reads nothing but the document and the request given), so entries never go stale. */
interface PolicyEntry {
  document: ParsedPolicy | null;
  decisions: Map<string, boolean>;
}
const policies = new Map<string, PolicyEntry>();

function policyEntry(text: string): PolicyEntry {
  let entry = policies.get(text);
  if (!entry) {
    let document: ParsedPolicy | null;
    try {
      document = parsePolicyDocument(text, 'resource');
    } catch {
      document = null;
    }
    // bounded: many distinct policies only cost re-parsing
    if (policies.size >= 512) policies.clear();
    policies.set(text, (entry = { document, decisions: new Map() }));
  }
  return entry;
}

/** The policy entry of a function or qualifier (undefined: it has no policy), read once per change of Lambda's
 *  records rather than per invoke. */
const policyOf = new RecordCache<PolicyEntry | undefined>('lambda');

/** Who is asking: a service principal (events.amazonaws.com), an account id, an IAM ARN, or '*' (anyone). */
function callerOf(principal: string, sourceAccount: string | undefined) {
  if (/\.amazonaws\.com$|\.amazon\.com$/.test(principal)) return { arn: '', account: sourceAccount ?? '', service: principal };
  if (/^\d{12}$/.test(principal)) return { arn: `arn:aws:iam::${principal}:root`, account: principal };
  const account = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
  if (account) return { arn: principal, account };
  return { arn: 'anonymous', account: '' };
}

/**
 * Whether the resource policy of a function (or of one of its qualifiers) lets `principal` invoke it.
 * Only the resource policy is evaluated: callers of the function's own account are the caller's business.
 * `scope` is the function's account and region; `qualifier` picks the policy ($LATEST/undefined: the
 * function's own). `extra.action` defaults to lambda:InvokeFunction (function URLs: lambda:InvokeFunctionUrl
 * with `functionUrlAuthType`).
 */
export function policyAllows(
  runtime: { store: Store },
  scope: { account: string; region: string },
  functionArnValue: string,
  qualifier: string | undefined,
  principal: string,
  sourceArn?: string,
  sourceAccount?: string,
  extra: { action?: string; functionUrlAuthType?: 'NONE' | 'AWS_IAM'; principalOrgId?: string } = {},
): boolean {
  const ctx = { store: runtime.store, account: scope.account, region: scope.region };
  let ref;
  try {
    ref = parseFunctionName(ctx, functionArnValue, qualifier);
  } catch {
    return false;
  }
  const q = ref.qualifier === '$LATEST' ? undefined : ref.qualifier;
  const id = qualifierKey(ref.name, q);
  const entry = policyOf.get(runtime.store, `${ctx.account}\n${ctx.region}\n${id}`, () => {
    const record = tables(runtime.store).policies.get(scopeOf(ctx), id);
    return record ? policyEntry(JSON.stringify(policyDocument(record))) : undefined;
  });
  if (!entry) return false;
  const document = entry.document;
  if (!document) return false;
  const action = extra.action ?? 'lambda:InvokeFunction';
  const resource = functionArn(ctx, ref.name, q);
  // every input of the evaluation below (undefined kept apart from any string)
  const opt = (v: string | undefined) => (v === undefined ? '\u0001' : `=${v}`);
  const key = `${action}\0${resource}\0${principal}\0${opt(sourceArn)}\0${opt(sourceAccount)}\0${opt(extra.functionUrlAuthType)}\0${opt(extra.principalOrgId)}`;
  const known = entry.decisions.get(key);
  if (known !== undefined) return known;
  const caller = callerOf(principal, sourceAccount);
  const context: Record<string, string> = {};
  if (sourceArn !== undefined) context['aws:SourceArn'] = sourceArn;
  if (sourceAccount !== undefined) context['aws:SourceAccount'] = sourceAccount;
  if (extra.functionUrlAuthType !== undefined) context['lambda:FunctionUrlAuthType'] = extra.functionUrlAuthType;
  if (extra.principalOrgId !== undefined) context['aws:PrincipalOrgID'] = extra.principalOrgId;
  const result = evaluate({
    identityPolicies: [],
    // the resource policy alone decides: its account is taken as the caller's
    resourcePolicy: { id: 'function-policy', document, account: caller.account },
    request: { action, resource, principal: caller, context },
  });
  const allowed = result.decision === 'allowed';
  if (entry.decisions.size >= 256) entry.decisions.clear();
  entry.decisions.set(key, allowed);
  return allowed;
}
