// STS: who is calling, and temporary credentials that work against Cumulus until they expire.
import type { StsOperations } from '../../generated/sts.js';
import type { Runtime } from '../../server/context.js';
import { defineService, type ResolvedIdentity } from '../define.js';
import { assumeRoleHandlers } from './assume-role.js';
import { callerOfSession, sessionByAccessKey } from './sessions.js';
import { tokenHandlers } from './tokens.js';

/** Session credentials (ASIA…) → their account and identity; expired ones fail the request with ExpiredToken. */
function resolveCaller(runtime: Runtime, accessKeyId: string, sessionToken: string | undefined): ResolvedIdentity | undefined {
  if (!accessKeyId.startsWith('ASIA')) return undefined;
  const session = sessionByAccessKey(runtime, accessKeyId);
  return session ? callerOfSession(session, runtime.clock.now(), sessionToken) : undefined;
}

function secretFor(runtime: Runtime, accessKeyId: string): string | undefined {
  if (!accessKeyId.startsWith('ASIA')) return undefined;
  return sessionByAccessKey(runtime, accessKeyId)?.SecretAccessKey;
}

export default defineService<StsOperations>('sts', { ...tokenHandlers, ...assumeRoleHandlers }, { resolveCaller, secretFor });
