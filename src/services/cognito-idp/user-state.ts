// A user's standing: AdminDisableUser (the user can no longer sign in or refresh, and every token of theirs is
// revoked, as AWS documents), AdminEnableUser, and DeleteUser (the user removes itself with its access token).
import type { CognitoIdpOperations } from '../../generated/cognito-idp.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { signOut, userOfAccessToken } from './auth.js';
import { poolOf, userOf } from './store.js';
import { removeUser, saveUser } from './users.js';

export const userStateHandlers: Handlers<CognitoIdpOperations> = {
  AdminDisableUser(ctx, { UserPoolId, Username }) {
    const scope = regional(ctx);
    const u = userOf(ctx.store, scope, poolOf(ctx.store, scope, UserPoolId).Id, Username);
    u.Enabled = false;
    // signOut saves the user with its revoked sign-ins
    signOut(ctx, scope, u);
    return {};
  },

  AdminEnableUser(ctx, { UserPoolId, Username }) {
    const scope = regional(ctx);
    const u = userOf(ctx.store, scope, poolOf(ctx.store, scope, UserPoolId).Id, Username);
    // the tokens revoked while disabled stay revoked: the user signs in again
    u.Enabled = true;
    saveUser(ctx.store, scope, u, ctx.clock.now());
    return {};
  },

  DeleteUser(ctx, { AccessToken }) {
    const { user, scope } = userOfAccessToken(ctx, AccessToken);
    removeUser(ctx.store, scope, user);
  },
};
