// Encoded authorization failure messages ("Encoded authorization failure message: …" in EC2's
// UnauthorizedOperation and friends) and their decoding by sts:DecodeAuthorizationMessage.
// AWS encrypts them; Cumulus encodes them as base64url JSON behind a recognisable prefix.
import { AwsError } from '../../protocol/errors.js';

const PREFIX = 'cumulus-authz-v1.';

/** What AWS's decoded messages hold. */
export interface AuthorizationDetails {
  allowed: boolean;
  explicitDeny: boolean;
  matchedStatements?: { items: unknown[] };
  failures?: { items: unknown[] };
  context: {
    principal: { id?: string; arn: string };
    action: string;
    resource: string;
    conditions?: { items: { key: string; values: { items: { value: string }[] } }[] };
  };
}

export function encodeAuthorizationMessage(details: AuthorizationDetails): string {
  return PREFIX + Buffer.from(JSON.stringify(details), 'utf8').toString('base64url');
}

export function decodeAuthorizationMessage(encoded: string): string {
  const invalid = () => new AwsError('InvalidAuthorizationMessageException', 'The specified authorization message is not valid.');
  if (!encoded.startsWith(PREFIX)) throw invalid();
  try {
    const details = JSON.parse(Buffer.from(encoded.slice(PREFIX.length), 'base64url').toString('utf8')) as AuthorizationDetails;
    if (typeof details !== 'object' || details === null || typeof details.context !== 'object') throw new Error('shape');
    return JSON.stringify(details);
  } catch {
    throw invalid();
  }
}
