// AddCustomAttributes through the SDK: the custom: prefix, DescribeUserPool's schema, users carrying the new
// attribute, and the refusals (duplicates, required, the limit of 50, unknown pools).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AddCustomAttributesCommand, AdminCreateUserCommand, AdminGetUserCommand, CognitoIdentityProviderClient, CreateUserPoolCommand, DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { code, message } from '../cognito/helpers.js';

let c: Cumulus;
let idp: CognitoIdentityProviderClient;
let poolId: string;

const customNames = async () =>
  (await idp.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!.SchemaAttributes!.map((a) => a.Name!).filter((n) => n.startsWith('custom:'));

before(async () => {
  c = await startTestCumulus();
  idp = new CognitoIdentityProviderClient(clientConfig(c));
  poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'custom', Schema: [{ Name: 'tenant', AttributeDataType: 'String' }] }))).UserPool!.Id!;
});
after(async () => {
  idp.destroy();
  await c.stop();
});

test('AddCustomAttributes adds custom: attributes that users can then carry', async () => {
  await idp.send(new AddCustomAttributesCommand({ UserPoolId: poolId, CustomAttributes: [{ Name: 'plan', AttributeDataType: 'String', Mutable: true }, { Name: 'seats', AttributeDataType: 'Number', NumberAttributeConstraints: { MinValue: '1', MaxValue: '100' } }] }));
  assert.deepEqual(await customNames(), ['custom:tenant', 'custom:plan', 'custom:seats']);
  const seats = (await idp.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!.SchemaAttributes!.find((a) => a.Name === 'custom:seats')!;
  assert.equal(seats.AttributeDataType, 'Number');
  assert.equal(seats.Required, false);
  assert.equal(seats.Mutable, true);
  assert.deepEqual(seats.NumberAttributeConstraints, { MinValue: '1', MaxValue: '100' });
  await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'hal', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'custom:plan', Value: 'pro' }] }));
  const got = await idp.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'hal' }));
  assert.equal(got.UserAttributes!.find((a) => a.Name === 'custom:plan')?.Value, 'pro');
  await assert.rejects(
    idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'ivy', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'custom:other', Value: 'x' }] })),
    (e) => code(e) === 'InvalidParameterException',
  );
});

test('AddCustomAttributes refuses duplicates, required attributes, more than 50, and unknown pools; a refusal adds nothing', async () => {
  await assert.rejects(idp.send(new AddCustomAttributesCommand({ UserPoolId: poolId, CustomAttributes: [{ Name: 'tenant', AttributeDataType: 'String' }] })), (e) => code(e) === 'InvalidParameterException' && message(e) === 'custom:tenant: Existing attribute already has name custom:tenant.');
  await assert.rejects(idp.send(new AddCustomAttributesCommand({ UserPoolId: poolId, CustomAttributes: [{ Name: 'twin', AttributeDataType: 'String' }, { Name: 'twin', AttributeDataType: 'String' }] })), (e) => code(e) === 'InvalidParameterException');
  await assert.rejects(idp.send(new AddCustomAttributesCommand({ UserPoolId: poolId, CustomAttributes: [{ Name: 'must', AttributeDataType: 'String', Required: true }] })), (e) => code(e) === 'InvalidParameterException' && message(e) === 'Required custom attributes are not supported currently.');
  assert.deepEqual(await customNames(), ['custom:tenant', 'custom:plan', 'custom:seats'], 'a refused request adds none of its attributes');
  // 3 exist: 2 batches of 25 reach 53 > 50
  const batch = (from: number) => Array.from({ length: 25 }, (_, i) => ({ Name: `a${from + i}`, AttributeDataType: 'String' as const }));
  await idp.send(new AddCustomAttributesCommand({ UserPoolId: poolId, CustomAttributes: batch(0) }));
  await assert.rejects(idp.send(new AddCustomAttributesCommand({ UserPoolId: poolId, CustomAttributes: batch(25) })), (e) => code(e) === 'InvalidParameterException');
  assert.equal((await customNames()).length, 28);
  await assert.rejects(idp.send(new AddCustomAttributesCommand({ UserPoolId: 'us-east-1_nopool000', CustomAttributes: [{ Name: 'x', AttributeDataType: 'String' }] })), (e) => code(e) === 'ResourceNotFoundException' && message(e) === 'User pool us-east-1_nopool000 does not exist.');
});
