// Small helpers the Cognito tests share: an error's name and message as the SDK throws them, a JWT's claims.
export const code = (e: unknown) => (e as { name?: string }).name;
export const message = (e: unknown) => (e as Error).message;
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
