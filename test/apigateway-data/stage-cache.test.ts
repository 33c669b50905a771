// The data plane keeps each stage's deployed snapshot in memory: every control-plane write must show in the
// very next request (stage variables, a new deployment, throttling settings, a deleted stage, a reset).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APIGatewayClient, DeleteStageCommand, PutIntegrationResponseCommand, UpdateStageCommand } from '@aws-sdk/client-api-gateway';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder, stageUrl } from '../apigateway/helpers.js';

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

async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}

test('writes to stages and deployments show in the next request', async () => {
  const api = await ApiBuilder.create(gw, 'cached');
  await api.method('/hello', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
  await api.response('/hello', 'GET', '200', { responseTemplates: { 'application/json': '{"greeting": "$stageVariables.greeting", "v": 1}' } });
  await api.deploy('live', { greeting: 'one' });
  const url = `${stageUrl(c, api.id, 'live')}/hello`;
  assert.deepEqual(JSON.parse((await get(url)).body), { greeting: 'one', v: 1 });

  await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'live', patchOperations: [{ op: 'replace', path: '/variables/greeting', value: 'two' }] }));
  assert.deepEqual(JSON.parse((await get(url)).body), { greeting: 'two', v: 1 });

  // the API changes, but the stage serves its deployment until a new one
  const resourceId = api.paths.get('/hello')!;
  await gw.send(
    new PutIntegrationResponseCommand({ restApiId: api.id, resourceId, httpMethod: 'GET', statusCode: '200', responseTemplates: { 'application/json': '{"greeting": "$stageVariables.greeting", "v": 2}' } }),
  );
  assert.deepEqual(JSON.parse((await get(url)).body), { greeting: 'two', v: 1 });
  await api.deploy('live');
  assert.deepEqual(JSON.parse((await get(url)).body), { greeting: 'two', v: 2 });

  // throttling set on the stage applies at once: a zero burst refuses every request
  await gw.send(
    new UpdateStageCommand({
      restApiId: api.id,
      stageName: 'live',
      patchOperations: [
        { op: 'replace', path: '/*/*/throttling/rateLimit', value: '0' },
        { op: 'replace', path: '/*/*/throttling/burstLimit', value: '0' },
      ],
    }),
  );
  assert.equal((await get(url)).status, 429);

  await gw.send(new DeleteStageCommand({ restApiId: api.id, stageName: 'live' }));
  assert.equal((await get(url)).status, 403);
});

test('a reset forgets deployed stages', async () => {
  const api = await ApiBuilder.create(gw, 'reset');
  await api.method('/x', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
  await api.response('/x', 'GET', '200', { responseTemplates: { 'application/json': '{"ok": true}' } });
  await api.deploy('s');
  const url = `${stageUrl(c, api.id, 's')}/x`;
  assert.equal((await get(url)).status, 200);
  await fetch(`${c.url}/_cumulus/reset`, { method: 'POST' });
  assert.equal((await get(url)).status, 403);
});

test('a stage not deployed yet answers once it is', async () => {
  const api = await ApiBuilder.create(gw, 'later');
  await api.method('/x', 'GET', { type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } });
  await api.response('/x', 'GET', '200', { responseTemplates: { 'application/json': '{"ok": true}' } });
  const url = `${stageUrl(c, api.id, 'soon')}/x`;
  // the miss is remembered too, until a write
  assert.equal((await get(url)).status, 403);
  assert.equal((await get(url)).status, 403);
  await api.deploy('soon');
  assert.equal((await get(url)).status, 200);
});
