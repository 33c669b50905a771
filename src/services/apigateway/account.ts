// Account settings: the CloudWatch role API Gateway logs with, and the account-level throttle.
import type { Account, ApigatewayOperations } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { badRequest } from './errors.js';
import { applyPatches } from './patch.js';
import { tables } from './store.js';

/** The account's throttle: 10,000 requests per second with bursts of 5,000. */
export const ACCOUNT_THROTTLE = { rateLimit: 10000, burstLimit: 5000 };

function view(ctx: RequestContext): Account {
  const rec = tables(ctx.store).account.get(regional(ctx), 'account') ?? {};
  return { cloudwatchRoleArn: rec.cloudwatchRoleArn, throttleSettings: { ...ACCOUNT_THROTTLE }, features: ['UsagePlans'], apiKeyVersion: '4' };
}

export const accountHandlers: Handlers<ApigatewayOperations> = {
  GetAccount(ctx) {
    return view(ctx);
  },
  UpdateAccount(ctx, { patchOperations }) {
    const rec = tables(ctx.store).account.get(regional(ctx), 'account') ?? {};
    applyPatches(rec, patchOperations, [{ path: '/cloudwatchRoleArn', ops: ['replace'], apply: (t, _op, v) => {
      if (v && !/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(v)) throw badRequest('The role ARN is not well formed');
      t.cloudwatchRoleArn = v || undefined;
    } }]);
    tables(ctx.store).account.put(regional(ctx), 'account', rec);
    return view(ctx);
  },
};
