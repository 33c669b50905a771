// STS: who is calling, and temporary credentials.
import type { StsOperations } from '../../generated/sts.js';
import { defineService } from '../define.js';

export default defineService<StsOperations>('sts', {
  GetCallerIdentity(ctx) {
    return { Account: ctx.account, Arn: ctx.caller.arn, UserId: ctx.caller.userId };
  },
});
