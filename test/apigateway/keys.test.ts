// API keys and usage plans end to end: a key-required method, a plan's throttle (429 Too Many Requests) and
// quota (429 Limit Exceeded, reset by the next period on the virtual clock), GetUsage's counts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetUsageCommand,
  GetUsagePlanKeysCommand,
  UpdateApiKeyCommand,
  UpdateUsageCommand,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder, stageUrl } from './helpers.js';

let c: Cumulus;
let gw: APIGatewayClient;

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
});
after(async () => {
  gw.destroy();
  await c.stop();
});

const advance = (seconds: number) => fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }) });
const today = async () => ((await (await fetch(`${c.url}/_cumulus/clock`)).json()) as { now: string }).now;

async function keyedApi(name: string): Promise<ApiBuilder> {
  const api = await ApiBuilder.create(gw, name);
  await api.method('/data', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }, { apiKeyRequired: true });
  await api.response('/data', 'GET', '200', { responseTemplates: { 'application/json': '{"key": "$context.identity.apiKeyId"}' } });
  await api.deploy('prod');
  return api;
}

describe('API keys', () => {
  test('create with a value or generated, get with includeValue, update, errors', async () => {
    const given = await gw.send(new CreateApiKeyCommand({ name: 'k1', value: 'a'.repeat(30), enabled: true }));
    assert.equal(given.value, 'a'.repeat(30));
    const generated = await gw.send(new CreateApiKeyCommand({ name: 'k2' }));
    assert.match(generated.value!, /^[A-Za-z0-9]{40}$/);
    assert.equal(generated.enabled, false);
    assert.equal((await gw.send(new GetApiKeyCommand({ apiKey: given.id }))).value, undefined);
    assert.equal((await gw.send(new GetApiKeyCommand({ apiKey: given.id, includeValue: true }))).value, 'a'.repeat(30));
    const list = await gw.send(new GetApiKeysCommand({ nameQuery: 'k', includeValues: true }));
    assert.equal(list.items!.length, 2);
    const u = await gw.send(new UpdateApiKeyCommand({ apiKey: generated.id, patchOperations: [{ op: 'replace', path: '/enabled', value: 'true' }] }));
    assert.equal(u.enabled, true);
    await assert.rejects(gw.send(new CreateApiKeyCommand({ value: 'short' })), /at least 20 characters/);
    await assert.rejects(gw.send(new CreateApiKeyCommand({ value: 'a'.repeat(30) })), (e: Error) => e.name === 'ConflictException');
    await assert.rejects(gw.send(new GetApiKeyCommand({ apiKey: 'nope' })), (e: Error) => e.name === 'NotFoundException' && e.message === 'Invalid API Key identifier specified');
  });

  test('a key-required method: 403 Forbidden without a key, with an unknown one, or one in no plan of the stage', async () => {
    const api = await keyedApi('keyed');
    const url = `${stageUrl(c, api.id, 'prod')}/data`;
    const none = await fetch(url);
    assert.equal(none.status, 403);
    assert.deepEqual(await none.json(), { message: 'Forbidden' });
    assert.equal((await fetch(url, { headers: { 'x-api-key': 'x'.repeat(25) } })).status, 403);
    const key = await gw.send(new CreateApiKeyCommand({ name: 'orphan', enabled: true }));
    assert.equal((await fetch(url, { headers: { 'x-api-key': key.value! } })).status, 403);

    const plan = await gw.send(new CreateUsagePlanCommand({ name: 'basic', apiStages: [{ apiId: api.id, stage: 'prod' }] }));
    await gw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' }));
    const ok = await fetch(url, { headers: { 'x-api-key': key.value! } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { key: key.id });
    const keys = await gw.send(new GetUsagePlanKeysCommand({ usagePlanId: plan.id }));
    assert.deepEqual(keys.items!.map((k) => k.id), [key.id]);

    await gw.send(new UpdateApiKeyCommand({ apiKey: key.id, patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }] }));
    assert.equal((await fetch(url, { headers: { 'x-api-key': key.value! } })).status, 403);
    await gw.send(new UpdateApiKeyCommand({ apiKey: key.id, patchOperations: [{ op: 'replace', path: '/enabled', value: 'true' }] }));
    await gw.send(new DeleteUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id }));
    assert.equal((await fetch(url, { headers: { 'x-api-key': key.value! } })).status, 403);
  });
});

describe('usage plans', () => {
  test('throttle: burst then 429 Too Many Requests, refilled as the clock moves', async () => {
    const api = await keyedApi('throttle');
    const key = await gw.send(new CreateApiKeyCommand({ name: 't', enabled: true }));
    const plan = await gw.send(new CreateUsagePlanCommand({ name: 'slow', apiStages: [{ apiId: api.id, stage: 'prod' }], throttle: { rateLimit: 1, burstLimit: 2 } }));
    await gw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' }));
    const url = `${stageUrl(c, api.id, 'prod')}/data`;
    const h = { 'x-api-key': key.value! };
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await fetch(url, { headers: h })).status);
    assert.deepEqual(codes.slice(0, 2), [200, 200]);
    assert.equal(codes[2], 429);
    const r = await fetch(url, { headers: h });
    assert.equal(r.status, 429);
    assert.deepEqual(await r.json(), { message: 'Too Many Requests' });
    await advance(5);
    assert.equal((await fetch(url, { headers: h })).status, 200);
  });

  test('quota per day: 429 Limit Exceeded, then a new day; GetUsage counts', async () => {
    const api = await keyedApi('quota');
    const key = await gw.send(new CreateApiKeyCommand({ name: 'q', enabled: true }));
    const plan = await gw.send(new CreateUsagePlanCommand({ name: 'small', apiStages: [{ apiId: api.id, stage: 'prod' }], quota: { limit: 3, period: 'DAY' } }));
    await gw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' }));
    const url = `${stageUrl(c, api.id, 'prod')}/data`;
    const h = { 'x-api-key': key.value! };
    const day = (await today()).slice(0, 10);
    for (let i = 0; i < 3; i++) assert.equal((await fetch(url, { headers: h })).status, 200);
    const over = await fetch(url, { headers: h });
    assert.equal(over.status, 429);
    assert.deepEqual(await over.json(), { message: 'Limit Exceeded' });
    const usage = await gw.send(new GetUsageCommand({ usagePlanId: plan.id, startDate: day, endDate: day }));
    assert.deepEqual(usage.items![key.id!], [[3, 0]]);
    // UpdateUsage grants the key more requests in this period
    const granted = await gw.send(new UpdateUsageCommand({ usagePlanId: plan.id, keyId: key.id, patchOperations: [{ op: 'replace', path: '/remaining', value: '1' }] }));
    assert.deepEqual(granted.items![key.id!], [[3, 1]]);
    assert.equal((await fetch(url, { headers: h })).status, 200);
    assert.equal((await fetch(url, { headers: h })).status, 429);

    await advance(86_400);
    assert.equal((await fetch(url, { headers: h })).status, 200);
    const next = (await today()).slice(0, 10);
    const both = await gw.send(new GetUsageCommand({ usagePlanId: plan.id, startDate: day, endDate: next, keyId: key.id }));
    assert.deepEqual(both.items![key.id!], [[4, 0], [1, 2]]);

    // raising the quota by patch lets the key through again
    const u = await gw.send(new UpdateUsagePlanCommand({ usagePlanId: plan.id, patchOperations: [{ op: 'replace', path: '/quota/limit', value: '10' }] }));
    assert.equal(u.quota!.limit, 10);
  });

  test('per-method throttle of a plan stage, set by patch', async () => {
    const api = await keyedApi('method-throttle');
    const key = await gw.send(new CreateApiKeyCommand({ name: 'm', enabled: true }));
    const plan = await gw.send(new CreateUsagePlanCommand({ name: 'per-method', apiStages: [{ apiId: api.id, stage: 'prod' }] }));
    await gw.send(new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' }));
    const u = await gw.send(new UpdateUsagePlanCommand({ usagePlanId: plan.id, patchOperations: [
      { op: 'replace', path: `/apiStages/${api.id}:prod/throttle/~1data/GET/rateLimit`, value: '0.01' },
      { op: 'replace', path: `/apiStages/${api.id}:prod/throttle/~1data/GET/burstLimit`, value: '1' },
    ] }));
    assert.deepEqual(u.apiStages![0]!.throttle, { '/data/GET': { rateLimit: 0.01, burstLimit: 1 } });
    const h = { 'x-api-key': key.value! };
    const url = `${stageUrl(c, api.id, 'prod')}/data`;
    assert.equal((await fetch(url, { headers: h })).status, 200);
    assert.equal((await fetch(url, { headers: h })).status, 429);
  });

  test('plans refuse unknown stages; a key in two plans of the same stage conflicts', async () => {
    const api = await keyedApi('conflict');
    await assert.rejects(gw.send(new CreateUsagePlanCommand({ name: 'x', apiStages: [{ apiId: api.id, stage: 'nope' }] })), (e: Error) => e.name === 'BadRequestException');
    const key = await gw.send(new CreateApiKeyCommand({ name: 'c', enabled: true }));
    const p1 = await gw.send(new CreateUsagePlanCommand({ name: 'p1', apiStages: [{ apiId: api.id, stage: 'prod' }] }));
    const p2 = await gw.send(new CreateUsagePlanCommand({ name: 'p2', apiStages: [{ apiId: api.id, stage: 'prod' }] }));
    await gw.send(new CreateUsagePlanKeyCommand({ usagePlanId: p1.id, keyId: key.id, keyType: 'API_KEY' }));
    await assert.rejects(gw.send(new CreateUsagePlanKeyCommand({ usagePlanId: p2.id, keyId: key.id, keyType: 'API_KEY' })), (e: Error) => e.name === 'ConflictException');
  });
});
