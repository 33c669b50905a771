// Asserting AWS errors from SDK v3 calls: code, HTTP status and message.
import assert from 'node:assert/strict';

export async function awsError(promise: Promise<unknown>, code: string, status?: number, message?: string | RegExp): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number }; Code?: string };
    // the wire code (Error.Code in query protocols); the SDK's class name may add 'Exception'
    const wire = err.Code ?? err.name;
    assert.equal(wire, code, `expected ${code}, got ${wire}: ${err.message}`);
    if (status !== undefined) assert.equal(err.$metadata?.httpStatusCode, status);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

export const trustPolicy = (principal: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra }] });

export const allowPolicy = (action: string | string[], resource: string | string[] = '*') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
