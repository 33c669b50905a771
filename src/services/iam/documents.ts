// Policy documents as IAM accepts them: validated by the shared parser, within IAM's size quotas.
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';
import { type IamCtx, findRole, findUser, limitExceeded } from './lookup.js';

/** IAM counts policy sizes without whitespace. */
const size = (text: string) => text.replace(/\s+/g, '').length;

export function identityDocument(text: string, managed = false): PolicyDocument {
  const doc = parsePolicyDocument(text, 'identity', { managed });
  if (managed && size(text) > 6144) throw limitExceeded('Cannot exceed quota for PolicySize: 6144');
  return doc;
}

/** A role's trust policy: IAM refuses one naming a user or role of this account that does not exist. */
export function trustDocument(ctx: IamCtx, text: string): PolicyDocument {
  const doc = parsePolicyDocument(text, 'trust', {
    principalExists: (arn) => {
      const m = /^arn:[^:]+:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
      if (!m || m[1] !== ctx.account) return true;
      return m[2] === 'user' ? findUser(ctx, m[3]!) !== undefined : findRole(ctx, m[3]!) !== undefined;
    },
  });
  if (size(text) > 2048) throw limitExceeded('Cannot exceed quota for ACLSizePerRole: 2048');
  return doc;
}

const INLINE_QUOTA = { user: 2048, group: 5120, role: 10240 } as const;

/** Inline policies: the sum of an entity's inline policies is bounded (user 2 KB, group 5 KB, role 10 KB). */
export function inlineDocument(kind: keyof typeof INLINE_QUOTA, name: string, text: string, others: string[]): PolicyDocument {
  const doc = parsePolicyDocument(text, 'identity');
  const total = others.reduce((n, t) => n + size(t), size(text));
  if (total > INLINE_QUOTA[kind]) throw limitExceeded(`Maximum policy size of ${INLINE_QUOTA[kind]} bytes exceeded for ${kind} ${name}`);
  return doc;
}
