// Cognito user pools: pools, app clients, users, sign-up and sign-in with JWTs signed per pool.
import type { CognitoIdpOperations } from '../../generated/cognito-idp.js';
import { defineService } from '../define.js';
import { authHandlers } from './auth.js';
import { attributeHandlers } from './attributes.js';
import { clientHandlers } from './clients.js';
import { customAttributeHandlers } from './custom-attributes.js';
import { forgotPasswordHandlers } from './forgot-password.js';
import { groupHandlers } from './groups.js';
import { poolHandlers } from './pools.js';
import { poolTagHandlers } from './pool-tags.js';
import { revokeHandlers } from './revoke.js';
import { userHandlers } from './users.js';
import { userStateHandlers } from './user-state.js';
import { verificationHandlers } from './verification.js';
import { serveWellKnown } from './well-known.js';

export default defineService<CognitoIdpOperations>(
  'cognito-idp',
  { ...poolHandlers, ...clientHandlers, ...userHandlers, ...authHandlers, ...groupHandlers, ...attributeHandlers, ...forgotPasswordHandlers, ...verificationHandlers,
    ...userStateHandlers, ...poolTagHandlers, ...revokeHandlers, ...customAttributeHandlers },
  { init: (runtime) => serveWellKnown(runtime) },
);
