// Small helpers the Cognito tests share: an error's name and message as the SDK throws them, a JWT's claims, a
// confirmed user.
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, type AttributeType, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

export const code = (e: unknown) => (e as { name?: string }).name;
export const message = (e: unknown) => (e as Error).message;
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** A user with a permanent password (CONFIRMED), created without an invitation message. */
export async function createConfirmedUser(idp: CognitoIdentityProviderClient, poolId: string, username: string, password: string, attributes?: AttributeType[]): Promise<void> {
  await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: username, MessageAction: 'SUPPRESS', ...(attributes ? { UserAttributes: attributes } : {}) }));
  await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: password, Permanent: true }));
}
