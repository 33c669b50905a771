// STS: who is calling, and temporary credentials.
import { defineService } from '../define.js';

export default defineService('sts', {
  GetCallerIdentity(ctx) {
    return { Account: ctx.account, Arn: ctx.caller.arn, UserId: ctx.caller.userId };
  },
});
