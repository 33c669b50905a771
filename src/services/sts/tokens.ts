// The other STS calls: who is calling, session and federation tokens, key info, authorization messages.
import type { StsOperations } from '../../generated/sts.js';
import { AwsError } from '../../protocol/errors.js';
import type { Handlers } from '../define.js';
import { accessKeyById, parsePolicyDocument } from '../iam/index.js';
import { decodeAuthorizationMessage } from './authorization-message.js';
import { credentialsOf, issueSession, sessionByAccessKey } from './sessions.js';

/** Credentials STS issued (role, federation or session tokens) cannot ask for more session tokens. */
const isSession = (caller: { type: string; sessionToken?: string }) => caller.sessionToken !== undefined || caller.type === 'AssumedRole' || caller.type === 'FederatedUser';

export const tokenHandlers: Handlers<StsOperations> = {
  GetCallerIdentity(ctx) {
    return { Account: ctx.account, Arn: ctx.caller.arn, UserId: ctx.caller.userId };
  },

  GetSessionToken(ctx, { DurationSeconds = 43200 }) {
    if (isSession(ctx.caller)) throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials', { status: 403 });
    // the root user's session tokens last at most an hour
    const duration = ctx.caller.type === 'Root' ? Math.min(DurationSeconds, 3600) : DurationSeconds;
    const session = issueSession(ctx, {
      account: ctx.account,
      type: ctx.caller.type,
      arn: ctx.caller.arn,
      userId: ctx.caller.userId,
      tags: {},
      transitiveTagKeys: [],
      policyArns: [],
      durationSeconds: duration,
    });
    return { Credentials: credentialsOf(session) };
  },

  GetFederationToken(ctx, { Name, Policy, PolicyArns, DurationSeconds = 43200, Tags }) {
    if (isSession(ctx.caller)) throw new AwsError('AccessDenied', 'Cannot call GetFederationToken with session credentials', { status: 403 });
    if (Policy !== undefined) parsePolicyDocument(Policy, 'identity');
    const duration = ctx.caller.type === 'Root' ? Math.min(DurationSeconds, 3600) : DurationSeconds;
    const tags: Record<string, string> = {};
    for (const t of Tags ?? []) tags[t.Key] = t.Value;
    const session = issueSession(ctx, {
      account: ctx.account,
      type: 'FederatedUser',
      arn: `arn:aws:sts::${ctx.account}:federated-user/${Name}`,
      userId: `${ctx.account}:${Name}`,
      tags,
      transitiveTagKeys: [],
      sessionPolicy: Policy,
      policyArns: (PolicyArns ?? []).map((p) => p.arn ?? '').filter(Boolean),
      durationSeconds: duration,
    });
    return {
      Credentials: credentialsOf(session),
      FederatedUser: { FederatedUserId: session.userId, Arn: session.arn },
      PackedPolicySize: Policy || PolicyArns?.length || Tags?.length ? 1 : undefined,
    };
  },

  GetAccessKeyInfo(ctx, { AccessKeyId }) {
    if (/^\d{12}$/.test(AccessKeyId)) return { Account: AccessKeyId };
    const account = sessionByAccessKey(ctx, AccessKeyId)?.account ?? accessKeyById(ctx, AccessKeyId)?.account;
    return { Account: account ?? ctx.config.defaultAccount };
  },

  DecodeAuthorizationMessage(_ctx, { EncodedMessage }) {
    return { DecodedMessage: decodeAuthorizationMessage(EncodedMessage) };
  },
};
