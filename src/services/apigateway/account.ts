// Account settings: the CloudWatch role API Gateway logs with, and the account-level throttle.
import type { Account, ApigatewayOperations } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { badRequest } from './errors.js';
import { applyPatches } from './patch.js';
import { tables } from './store.js';

/** A positive number from the environment, else the default. */
function setting(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * The account's throttle per region: 10,000 requests per second with bursts of 5,000, AWS's default quota. Like
 * that quota, it can be raised: CUMULUS_APIGATEWAY_ACCOUNT_RATE and CUMULUS_APIGATEWAY_ACCOUNT_BURST.
 */
export const ACCOUNT_THROTTLE = {
  rateLimit: setting('CUMULUS_APIGATEWAY_ACCOUNT_RATE', 10000),
  burstLimit: setting('CUMULUS_APIGATEWAY_ACCOUNT_BURST', 5000),
};

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
