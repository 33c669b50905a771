// Policy documents: parsed and validated as IAM does, with IAM's MalformedPolicyDocument messages.
//
// Three kinds, as IAM tells them apart:
//  - identity: policies attached to users, groups and roles (inline or managed), permissions boundaries,
//    session policies. No Principal; Resource required.
//  - trust: a role's assume-role policy. Principal required; Resource prohibited; only sts: actions.
//  - resource: policies other services attach to their resources (Lambda, SQS, ECR…). Principal and
//    Resource required.
// Identity documents follow IAM's validator (its checks run in a fixed order, and the first failing
// check names the error). Trust and resource documents are checked by the stricter grammar IAM uses for
// role trust policies ("Has prohibited field", "Missing required field", "Invalid principal in policy").
import { AwsError } from '../../protocol/errors.js';

export type PolicyKind = 'identity' | 'resource' | 'trust';
export type PrincipalBlock = '*' | Record<string, string | string[]>;
export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: PrincipalBlock;
  NotPrincipal?: PrincipalBlock;
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: Statement | Statement[];
}

/** A statement with every multi-valued element as an array (what the evaluator reads). */
export interface NormalizedStatement extends Statement {
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Principal?: '*' | Record<string, string[]>;
  NotPrincipal?: '*' | Record<string, string[]>;
  Condition?: Record<string, Record<string, string[]>>;
}

export interface ParseOptions {
  /** Managed policies (CreatePolicy, CreatePolicyVersion) must say Version 2012-10-17. */
  managed?: boolean;
  /** Whether an IAM user or role named as an AWS principal exists; IAM refuses a trust policy naming one that does not. */
  principalExists?: (arn: string) => boolean;
}

export const CONDITION_OPERATORS: readonly string[] = [
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
];

const TOP_FIELDS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const VERSIONS = new Set(['2008-10-17', '2012-10-17']);
const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc']);
const IAM_RESOURCE_PREFIXES = [
  'user/', 'federated-user/', 'role/', 'group/', 'instance-profile/', 'mfa/', 'server-certificate/', 'policy/',
  'sms-mfa/', 'saml-provider/', 'oidc-provider/', 'report/', 'access-report/',
];
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

const SYNTAX = 'Syntax errors in policy.';
const LEGACY = 'The policy failed legacy parsing';

function malformed(message: string): AwsError {
  return new AwsError('MalformedPolicyDocument', message);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringOrStrings = (v: Json | undefined): boolean =>
  typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
const isScalar = (v: Json): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

export function parsePolicyDocument(text: string, kind: PolicyKind, options: ParseOptions = {}): PolicyDocument {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch {
    throw malformed(SYNTAX);
  }
  if (!isObject(root)) throw malformed(SYNTAX);
  const statements = statementList(root);
  if (kind === 'identity' && statements?.some((s) => isObject(s) && ('Principal' in s || 'NotPrincipal' in s))) {
    throw malformed('Policy document should not specify a principal.');
  }
  if (!statements) throw malformed(kind === 'identity' ? SYNTAX : 'Missing required field Statement');
  checkSyntax(root, statements as JsonObject[], kind);
  const stmts = statements as JsonObject[];
  if (options.managed && root['Version'] !== '2012-10-17') throw malformed('Policy document must be version 2012-10-17 or greater.');
  if (kind === 'identity') checkIdentity(stmts);
  else checkPrincipalled(stmts, kind, options);
  return toDocument(root, stmts);
}

function statementList(root: JsonObject): Json[] | undefined {
  const s = root['Statement'];
  if (isObject(s)) return [s];
  if (Array.isArray(s) && s.length > 0) return s;
  return undefined;
}

/** The shape of the JSON: fields, types, values. */
function checkSyntax(root: JsonObject, statements: Json[], kind: PolicyKind): void {
  for (const key of Object.keys(root)) if (!TOP_FIELDS.has(key)) throw malformed(kind === 'identity' ? SYNTAX : `Unknown field ${key}`);
  if ('Version' in root && !VERSIONS.has(root['Version'] as string)) throw malformed(SYNTAX);
  if ('Id' in root && typeof root['Id'] !== 'string') throw malformed(SYNTAX);
  for (const s of statements) {
    if (!isObject(s)) throw malformed(SYNTAX);
    for (const key of Object.keys(s)) if (!STATEMENT_FIELDS.has(key)) throw malformed(kind === 'identity' ? SYNTAX : `Unknown field ${key}`);
    if (('Action' in s && 'NotAction' in s) || ('Resource' in s && 'NotResource' in s) || ('Principal' in s && 'NotPrincipal' in s)) {
      throw malformed(SYNTAX);
    }
    const effect = s['Effect'];
    if (effect === undefined && kind !== 'identity') throw malformed('Missing required field Effect');
    if (typeof effect !== 'string' || !['allow', 'deny'].includes(effect.toLowerCase())) throw malformed(SYNTAX);
    for (const key of ['Action', 'NotAction', 'Resource', 'NotResource']) if (key in s && !isStringOrStrings(s[key])) throw malformed(SYNTAX);
    if ('Sid' in s && typeof s['Sid'] !== 'string') throw malformed(SYNTAX);
    if ('Condition' in s) checkConditionSyntax(s['Condition']);
  }
}

function checkConditionSyntax(condition: Json | undefined): void {
  if (!isObject(condition)) throw malformed(SYNTAX);
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) throw malformed(SYNTAX);
    for (const value of Object.values(block)) {
      if (!isScalar(value) && !(Array.isArray(value) && value.every(isScalar))) throw malformed(SYNTAX);
    }
    if (!CONDITION_OPERATORS.includes(baseOperator(operator)) && Object.keys(block).length > 0) throw malformed(SYNTAX);
  }
}

/** "ForAnyValue:StringLikeIfExists" → "StringLike". */
export function baseOperator(operator: string): string {
  let op = operator;
  if (op.startsWith('ForAnyValue:')) op = op.slice('ForAnyValue:'.length);
  else if (op.startsWith('ForAllValues:')) op = op.slice('ForAllValues:'.length);
  if (op.endsWith('IfExists')) op = op.slice(0, -'IfExists'.length);
  return op;
}

function values(v: Json | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as string[]) : [v as string];
}

/** IAM's own validator, in its order: legacy parsing, Sid uniqueness, actions, resources, resource format, vendors. */
function checkIdentity(statements: JsonObject[]): void {
  let resourceError: string | undefined;
  for (const s of statements) {
    if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny') throw malformed(LEGACY); // case-sensitive here
    checkDateConditions(s['Condition']);
    for (const key of ['Resource', 'NotResource']) {
      for (const r of [...values(s[key])].sort().reverse()) {
        resourceError ??= resourceFormatError(r);
        if (r !== '*' && r.includes('::') && r.split(':').length < 6) throw malformed(LEGACY);
        if (r !== '*' && r.includes(':') && r.split(':')[2] === '') throw malformed(LEGACY);
      }
    }
  }
  checkSidsUnique(statements);
  checkActionsPresent(statements);
  for (const s of statements) {
    const key = 'Resource' in s ? 'Resource' : 'NotResource';
    if (!(key in s) || values(s[key]).length === 0) throw malformed('Policy statement must contain resources.');
  }
  if (resourceError) throw malformed(resourceError);
  for (const s of statements) for (const a of [...values(s['Action']), ...values(s['NotAction'])]) checkVendor(a);
  for (const s of statements) {
    const sid = s['Sid'];
    if (typeof sid === 'string' && !/^[0-9A-Za-z]*$/.test(sid)) {
      throw malformed('Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*');
    }
  }
}

function checkSidsUnique(statements: JsonObject[]): void {
  const seen = new Set<string>();
  for (const s of statements) {
    const sid = s['Sid'];
    if (typeof sid !== 'string' || sid === '') continue;
    if (seen.has(sid)) throw malformed('Statement IDs (SID) in a single policy must be unique.');
    seen.add(sid);
  }
}

function checkActionsPresent(statements: JsonObject[]): void {
  for (const s of statements) {
    const key = 'Action' in s ? 'Action' : 'NotAction';
    if (!(key in s) || values(s[key]).length === 0) throw malformed('Policy statement must contain actions.');
  }
}

function checkVendor(action: string): void {
  const parts = action.split(':');
  if (parts.length === 1 && parts[0] !== '*') throw malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  if (parts.length > 2) throw malformed('Actions/Condition can contain only one colon.');
  if (parts[0] !== '*' && /[^a-zA-Z0-9\-.]/.test(parts[0]!)) throw malformed(`Vendor ${parts[0]} is not valid`);
}

function resourceFormatError(resource: string): string | undefined {
  if (resource === '*') return undefined;
  const parts = resource.split(':');
  if (parts.length < 2) return `Resource ${resource} must be in ARN format or "*".`;
  const partition = parts[1]!;
  if (!PARTITIONS.has(partition)) {
    const rest = parts.slice(2);
    const seg = (i: number) => (rest[i] !== undefined && (rest[i] !== '' || rest.length > 1) ? rest[i]! : '*');
    const tail = rest.length > 3 ? rest.slice(3).join(':') : '*';
    return `Partition "${partition}" is not valid for resource "arn:${partition}:${seg(0)}:${seg(1)}:${seg(2)}:${tail}".`;
  }
  if (parts.length < 3) return 'Resource vendor must be fully qualified and cannot contain regexes.';
  const service = parts[2]!;
  if (parts.length > 3 && parts[3] !== '') {
    if (service === 'iam') return `IAM resource ${resource} cannot contain region information.`;
    if (service === 's3') return `Resource ${resource} can not contain region information.`;
  }
  if (service === 'iam') {
    const path = parts.slice(5).join(':');
    if (path !== '*' && !IAM_RESOURCE_PREFIXES.some((p) => path.startsWith(p))) {
      return `IAM resource path must either be "*" or start with ${IAM_RESOURCE_PREFIXES.join(', ')}.`;
    }
  }
  return undefined;
}

/** Date condition values must be ISO 8601 dates or epoch seconds, else legacy parsing fails. */
function checkDateConditions(condition: Json | undefined): void {
  if (!isObject(condition)) return;
  for (const [operator, block] of Object.entries(condition)) {
    if (!baseOperator(operator).startsWith('Date') || !isObject(block)) continue;
    for (const v of Object.values(block)) {
      for (const d of Array.isArray(v) ? v : [v]) if (parseDateValue(String(d)) === undefined) throw malformed(LEGACY);
    }
  }
}

/** Milliseconds since the epoch of a policy date: ISO 8601 (date, or date and time) or epoch seconds. */
export function parseDateValue(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const m = /^(\d{4}-\d{2}(?:-\d{2})?)(?:[Tt ](\d{2})(?::(\d{2})(?::(\d{2}(?:\.\d+)?))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(value);
  if (!m) return undefined;
  const [, date, h, min = '00', sec = '00', zone] = m;
  if (h === undefined) return validMs(Date.parse(date!.length === 7 ? `${date}-01T00:00:00Z` : `${date}T00:00:00Z`));
  let tz = !zone || zone === 'z' || zone === 'Z' ? 'Z' : zone;
  if (/^[+-]\d{2}$/.test(tz)) tz += ':00';
  else if (/^[+-]\d{4}$/.test(tz)) tz = `${tz.slice(0, 3)}:${tz.slice(3)}`;
  return validMs(Date.parse(`${date!.length === 7 ? `${date}-01` : date}T${h}:${min}:${sec}${tz}`));
}

const validMs = (ms: number): number | undefined => (Number.isNaN(ms) ? undefined : ms);

/** Trust and resource policies: Principal required; for trust policies Resource prohibited and only sts: actions. */
function checkPrincipalled(statements: JsonObject[], kind: 'trust' | 'resource', options: ParseOptions): void {
  for (const s of statements) {
    if (s['Effect'] !== 'Allow' && s['Effect'] !== 'Deny') throw malformed(LEGACY);
    if (kind === 'trust') {
      for (const key of ['Resource', 'NotResource']) if (key in s) throw malformed(`Has prohibited field ${key}`);
    }
    if (!('Principal' in s) && !('NotPrincipal' in s)) throw malformed('Missing required field Principal');
    if (!('Action' in s) && !('NotAction' in s)) throw malformed('Missing required field Action');
    if (kind === 'resource' && !('Resource' in s) && !('NotResource' in s)) throw malformed('Missing required field Resource');
    checkPrincipal(s['Principal'] ?? s['NotPrincipal'], options);
    checkDateConditions(s['Condition']);
  }
  checkSidsUnique(statements);
  checkActionsPresent(statements);
  for (const s of statements) {
    for (const a of [...values(s['Action']), ...values(s['NotAction'])]) {
      checkVendor(a);
      if (kind === 'trust' && !a.toLowerCase().startsWith('sts:')) throw malformed('AssumeRole policy may only specify STS AssumeRole actions.');
    }
  }
}

// "*", an account, an IAM or STS principal ARN, or the unique id IAM shows once a named role or user is deleted.
const AWS_PRINCIPAL = new RegExp(
  [
    '^\\*$',
    '^\\d{12}$',
    '^arn:[a-z-]+:iam::\\d{12}:(root|user/.+|role/.+|federated-user/.+)$',
    '^arn:[a-z-]+:sts::\\d{12}:(assumed-role/[^/]+/.+|federated-user/.+)$',
    '^A[A-Z]{3}[A-Z0-9]{12,}$',
  ].join('|'),
);

function checkPrincipal(principal: Json | undefined, options: ParseOptions): void {
  const invalid = (detail: string) => malformed(`Invalid principal in policy: ${detail}`);
  if (principal === '*') return;
  if (typeof principal === 'string') throw invalid(JSON.stringify(principal));
  if (!isObject(principal)) throw malformed(SYNTAX);
  const entries = Object.entries(principal);
  if (entries.length === 0 || entries.every(([, v]) => Array.isArray(v) && v.length === 0)) {
    throw invalid('com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!');
  }
  for (const [type, raw] of entries) {
    if (!isStringOrStrings(raw)) throw malformed(SYNTAX);
    for (const value of values(raw)) {
      const detail = `${JSON.stringify(type)}:${JSON.stringify(value)}`;
      if (!PRINCIPAL_TYPES.has(type)) throw invalid(detail);
      if (type === 'AWS') {
        if (!AWS_PRINCIPAL.test(value)) throw invalid(detail);
        if (options.principalExists && /:(user|role)\//.test(value) && !options.principalExists(value)) throw invalid(detail);
      } else if (value === '' || /\s/.test(value)) {
        throw invalid(detail);
      }
    }
  }
}

/** The document as typed records; condition numbers and booleans become the strings IAM compares. */
function toDocument(root: JsonObject, statements: JsonObject[]): PolicyDocument {
  const typed = statements.map((s) => {
    const out: Record<string, unknown> = { ...s };
    if (isObject(s['Condition'])) {
      const condition: ConditionBlock = {};
      for (const [operator, block] of Object.entries(s['Condition'])) {
        const entries = Object.entries(block as JsonObject).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)] as const);
        condition[operator] = Object.fromEntries(entries);
      }
      out['Condition'] = condition;
    }
    return out as unknown as Statement;
  });
  const doc: PolicyDocument = { Statement: Array.isArray(root['Statement']) ? typed : typed[0]! };
  if (typeof root['Version'] === 'string') doc.Version = root['Version'];
  if (typeof root['Id'] === 'string') doc.Id = root['Id'];
  return doc;
}

const normalized = new WeakMap<PolicyDocument, NormalizedStatement[]>();

/** Every statement with arrays everywhere (cached per document: documents are treated as immutable). */
export function normalizeStatements(doc: PolicyDocument): NormalizedStatement[] {
  let out = normalized.get(doc);
  if (out) return out;
  const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  out = list.map(normalizeStatement);
  normalized.set(doc, out);
  return out;
}

const arrayOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

function normalizeStatement(s: Statement): NormalizedStatement {
  const out: NormalizedStatement = { Effect: s.Effect };
  if (s.Sid !== undefined) out.Sid = s.Sid;
  for (const key of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) if (s[key] !== undefined) out[key] = arrayOf(s[key]);
  for (const key of ['Principal', 'NotPrincipal'] as const) {
    const p = s[key];
    if (p === undefined) continue;
    out[key] = p === '*' ? '*' : Object.fromEntries(Object.entries(p).map(([k, v]) => [k, arrayOf(v)]));
  }
  if (s.Condition) {
    out.Condition = Object.fromEntries(
      Object.entries(s.Condition).map(([op, block]) => [op, Object.fromEntries(Object.entries(block).map(([k, v]) => [k, arrayOf(v)]))]),
    );
  }
  return out;
}
