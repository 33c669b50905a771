// Shared setup of the Cognito trigger tests: one real Node function that records every event it gets (one JSON
// line per event in a file named by OUT) and answers by trigger source; Cognito is allowed to invoke it.
import fs from 'node:fs';
import path from 'node:path';
import { AddPermissionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { tempDir } from '../helpers/cumulus.js';
import { createFunction } from '../lambda-invoke/fixture.js';

/** PreSignUp: rejects "bad…" users, auto-confirms and verifies @trusted.example emails (confirms only on SignUp).
 *  PreAuthentication: rejects "blocked…" users. PreTokenGeneration: adds tier/source, suppresses email and
 *  family_name, overrides the groups (V1); adds claims to both tokens and a scope (V2). CustomMessage: writes a
 *  subject and a message with the code placeholder; fails for "mute…" users. */
export const TRIGGER_CODE = `
const fs = require('node:fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT, JSON.stringify(event) + '\\n');
  const name = event.userName || '';
  const src = event.triggerSource;
  if (src.startsWith('PreSignUp_')) {
    if (name.startsWith('bad')) throw new Error('bad users are not welcome');
    if ((event.request.userAttributes.email || '').endsWith('@trusted.example')) {
      event.response.autoConfirmUser = src === 'PreSignUp_SignUp';
      event.response.autoVerifyEmail = true;
    }
  }
  if (src === 'PreAuthentication_Authentication' && name.startsWith('blocked')) throw new Error('sign-in blocked');
  if (src.startsWith('TokenGeneration_')) {
    if (event.version === '1') {
      event.response.claimsOverrideDetails = {
        claimsToAddOrOverride: { tier: 'gold', source: src, iss: 'https://evil.example' },
        claimsToSuppress: ['email', 'family_name'],
        groupOverrideDetails: { groupsToOverride: ['vip'] },
      };
    } else {
      event.response.claimsAndScopeOverrideDetails = {
        idTokenGeneration: { claimsToAddOrOverride: { tier: 'gold' } },
        accessTokenGeneration: { claimsToAddOrOverride: { plan: 'pro' }, scopesToAdd: ['extra/read'] },
      };
    }
  }
  if (src.startsWith('CustomMessage_')) {
    if (name.startsWith('mute')) throw new Error('no message for you');
    event.response.emailSubject = 'Hello ' + name;
    event.response.emailMessage = src + ': your code is ' + event.request.codeParameter;
  }
  return event;
};
`;

export interface Recorder {
  arn: string;
  /** the events received so far */
  events(): Array<Record<string, any>>;
}

export async function createTrigger(lambda: LambdaClient, role: string, name: string, allowCognito = true): Promise<Recorder> {
  const out = path.join(tempDir('cognito-trigger-'), 'events.jsonl');
  fs.writeFileSync(out, '');
  const arn = await createFunction(lambda, role, {
    FunctionName: name,
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Timeout: 30,
    Environment: { Variables: { OUT: out } },
    files: { 'index.js': TRIGGER_CODE },
  });
  if (allowCognito) {
    await lambda.send(new AddPermissionCommand({ FunctionName: name, StatementId: 'cognito', Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com' }));
  }
  return {
    arn,
    events: () =>
      fs
        .readFileSync(out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, any>),
  };
}

export const code = (e: unknown) => (e as { name?: string }).name;
export const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
