// The 'http-backend' fault seen through API Gateway's HTTP integrations: an error status passes through, a
// backend slower than the integration's timeout gets the gateway's timeout answer, a refused connection 500.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiGatewayV2Client, CreateApiCommand, UpdateIntegrationCommand, GetIntegrationsCommand } from '@aws-sdk/client-apigatewayv2';
import type { Cumulus } from '../../src/server/server.js';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { callApi, startBackend, type Backend } from './helpers.js';

let c: Cumulus;
let backend: Backend;
before(async () => {
  c = await startTestCumulus();
  backend = await startBackend();
});
after(async () => {
  await c.stop();
  await backend.close();
});

const inject = async (spec: Record<string, unknown>) => {
  const res = await fetch(`${c.url}/_cumulus/faults`, { method: 'POST', body: JSON.stringify({ kind: 'http-backend', port: Number(new URL(backend.url).port), ...spec }) });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return (JSON.parse(text) as { fault: { id: string } }).fault.id;
};
const clear = (id: string) => fetch(`${c.url}/_cumulus/faults/${id}`, { method: 'DELETE' });

test('an HTTP API in front of a failing backend', async () => {
  const gw = new ApiGatewayV2Client(clientConfig(c));
  const id = (await gw.send(new CreateApiCommand({ Name: 'fragile', ProtocolType: 'HTTP', Target: backend.url }))).ApiId!;
  const integration = (await gw.send(new GetIntegrationsCommand({ ApiId: id }))).Items![0]!;
  await gw.send(new UpdateIntegrationCommand({ ApiId: id, IntegrationId: integration.IntegrationId!, TimeoutInMillis: 1000 }));
  assert.equal((await callApi(c, id, '/ok')).status, 200);

  const failing = await inject({ status: 503 });
  const r = await callApi(c, id, '/ok');
  assert.equal(r.status, 503);
  assert.match(r.text, /injected fault: 503/);
  await clear(failing);

  const slow = await inject({ delayMs: 5000 });
  const timedOut = await callApi(c, id, '/ok');
  assert.equal(timedOut.status, 503);
  assert.deepEqual(JSON.parse(timedOut.text), { message: 'Service Unavailable' });
  await clear(slow);

  const refused = await inject({ reset: true });
  assert.equal((await callApi(c, id, '/ok')).status, 500);
  await clear(refused);
  assert.equal((await callApi(c, id, '/ok')).status, 200);
});
