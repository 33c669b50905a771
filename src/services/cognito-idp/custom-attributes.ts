// AddCustomAttributes: more custom: attributes in a pool's schema after creation (they can never be removed).
// Users may then carry them like those given at CreateUserPool.
import type { CognitoIdpOperations } from '../../generated/cognito-idp.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { invalidParameter } from './errors.js';
import { addCustomAttribute } from './pools.js';
import { poolOf, pools } from './store.js';

export const customAttributeHandlers: Handlers<CognitoIdpOperations> = {
  AddCustomAttributes(ctx, { UserPoolId, CustomAttributes }) {
    const scope = regional(ctx);
    const p = poolOf(ctx.store, scope, UserPoolId);
    if (!CustomAttributes.length) throw invalidParameter('CustomAttributes must contain at least one attribute.');
    // all or nothing: a refused attribute adds none of the request's
    const schema = p.Schema.map((a) => ({ ...a }));
    for (const a of CustomAttributes) addCustomAttribute(schema, a);
    pools(ctx.store).put(scope, p.Id, { ...p, Schema: schema, LastModifiedDate: ctx.clock.now() });
    return {};
  },
};
