// How callers name a function: NAME, NAME:QUALIFIER, ACCOUNT:function:NAME[:QUALIFIER] or the full ARN.
import { arn, partitionOf } from '../../protocol/ids.js';
import { invalidParameter, functionNotFound } from './errors.js';

export interface FunctionRef {
  name: string;
  /** the qualifier that came with the name, if any */
  qualifier?: string;
}

const FULL = /^arn:(aws[a-zA-Z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const PARTIAL = /^(\d{12}):function:([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const PLAIN = /^([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;

export function functionArn(ctx: { account: string; region: string }, name: string, qualifier?: string): string {
  const base = arn({ service: 'lambda', region: ctx.region, account: ctx.account, resource: `function:${name}` });
  return qualifier ? `${base}:${qualifier}` : base;
}

export function layerArn(ctx: { account: string; region: string }, name: string, version?: number): string {
  const base = arn({ service: 'lambda', region: ctx.region, account: ctx.account, resource: `layer:${name}` });
  return version === undefined ? base : `${base}:${version}`;
}

export function partition(ctx: { region: string }): string {
  return partitionOf(ctx.region);
}

/**
 * The function a name or ARN designates in this account and region. An ARN of another region or
 * account cannot be reached from here (AWS answers as if the function did not exist in this scope).
 */
export function parseFunctionName(ctx: { account: string; region: string }, value: string, qualifier?: string): FunctionRef {
  let name: string | undefined;
  let derived: string | undefined;
  let m = FULL.exec(value);
  if (m) {
    if (m[2] !== ctx.region) {
      throw invalidParameter(`Functions from '${m[2]}' are not reachable in this region ('${ctx.region}')`);
    }
    if (m[3] !== ctx.account) throw functionNotFound(value);
    name = m[4];
    derived = m[5];
  } else if ((m = PARTIAL.exec(value))) {
    if (m[1] !== ctx.account) throw functionNotFound(value);
    name = m[2];
    derived = m[3];
  } else if ((m = PLAIN.exec(value))) {
    name = m[1];
    derived = m[2];
  }
  if (!name) throw invalidParameter(`The function name ${value} is not valid.`);
  if (derived !== undefined && qualifier !== undefined && qualifier !== derived) {
    throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
  }
  const q = qualifier ?? derived;
  return { name, qualifier: q === '' ? undefined : q };
}

/** A name or ARN that must not carry a qualifier (CreateFunction, TagResource …). */
export function unqualifiedName(ctx: { account: string; region: string }, value: string): string {
  const ref = parseFunctionName(ctx, value);
  if (ref.qualifier !== undefined) throw invalidParameter(`Unqualified function name is required: ${value}`);
  return ref.name;
}

export function isVersionNumber(q: string): boolean {
  return /^\d+$/.test(q);
}

/** AWS's timestamp format for function configurations: 2024-01-31T12:34:56.789+0000 */
export function lambdaTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
