// Client certificates: generated as real self-signed X.509 certificates, read, described, tagged and deleted
// through the SDK, boto3 and the AWS CLI; a stage names one (it must exist), and HTTP integrations of that stage
// present it to an https backend.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  DeleteClientCertificateCommand,
  GenerateClientCertificateCommand,
  GetClientCertificateCommand,
  GetClientCertificatesCommand,
  GetStageCommand,
  GetTagsCommand,
  TagResourceCommand,
  UpdateClientCertificateCommand,
  UpdateStageCommand,
} from '@aws-sdk/client-api-gateway';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { ApiBuilder } from '../apigateway/helpers.js';
import { certReportingBackend, stageUrl, type Backend } from './helpers.js';

let c: Cumulus;
let gw: APIGatewayClient;
let backend: Backend;

before(async () => {
  c = await startTestCumulus();
  gw = new APIGatewayClient(clientConfig(c));
  backend = await certReportingBackend();
});
after(async () => {
  gw.destroy();
  await backend.close();
  await c.stop();
});

describe('client certificates', () => {
  test('generate, get, list, update the description, tag and delete', async () => {
    const made = await gw.send(new GenerateClientCertificateCommand({ description: 'first', tags: { team: 'a' } }));
    assert.match(made.clientCertificateId!, /^[a-z0-9]{6}$/);
    const x = new X509Certificate(made.pemEncodedCertificate!);
    assert.ok(x.verify(x.publicKey), 'self-signed');
    assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    const days = (made.expirationDate!.getTime() - made.createdDate!.getTime()) / 86_400_000;
    assert.ok(days > 364.9 && days < 365.1, `valid for ${days} days`);
    assert.equal(new Date(x.validTo).getTime(), Math.floor(made.expirationDate!.getTime() / 1000) * 1000);
    assert.deepEqual(made.tags, { team: 'a' });

    const got = await gw.send(new GetClientCertificateCommand({ clientCertificateId: made.clientCertificateId }));
    assert.equal(got.pemEncodedCertificate, made.pemEncodedCertificate);
    assert.equal(got.description, 'first');

    const upd = await gw.send(new UpdateClientCertificateCommand({ clientCertificateId: made.clientCertificateId, patchOperations: [{ op: 'replace', path: '/description', value: 'renamed' }] }));
    assert.equal(upd.description, 'renamed');
    await assert.rejects(
      gw.send(new UpdateClientCertificateCommand({ clientCertificateId: made.clientCertificateId, patchOperations: [{ op: 'replace', path: '/pemEncodedCertificate', value: 'x' }] })),
      { name: 'BadRequestException' },
    );

    const arn = `arn:aws:apigateway:us-east-1::/clientcertificates/${made.clientCertificateId}`;
    await gw.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'test' } }));
    assert.deepEqual((await gw.send(new GetTagsCommand({ resourceArn: arn }))).tags, { team: 'a', env: 'test' });

    const second = await gw.send(new GenerateClientCertificateCommand({}));
    const page1 = await gw.send(new GetClientCertificatesCommand({ limit: 1 }));
    assert.equal(page1.items!.length, 1);
    assert.ok(page1.position);
    const page2 = await gw.send(new GetClientCertificatesCommand({ limit: 1, position: page1.position }));
    assert.deepEqual([page1.items![0]!.clientCertificateId, page2.items![0]!.clientCertificateId].sort(), [made.clientCertificateId, second.clientCertificateId].sort());

    await gw.send(new DeleteClientCertificateCommand({ clientCertificateId: second.clientCertificateId }));
    await assert.rejects(gw.send(new GetClientCertificateCommand({ clientCertificateId: second.clientCertificateId })), {
      name: 'NotFoundException',
      message: 'Invalid Client Certificate identifier specified',
    });
    await assert.rejects(gw.send(new DeleteClientCertificateCommand({ clientCertificateId: second.clientCertificateId })), { name: 'NotFoundException' });
  });

  test('the AWS CLI and boto3 see the same certificates', async () => {
    const gen = await awsCli(c, ['apigateway', 'generate-client-certificate', '--description', 'from-cli']);
    assert.equal(gen.code, 0, gen.stderr);
    const id = JSON.parse(gen.stdout).clientCertificateId as string;
    const py = await boto3(
      c,
      `gw = boto3.client('apigateway', endpoint_url=endpoint)
gw.update_client_certificate(clientCertificateId=sys.argv[1] if len(sys.argv) > 1 else os.environ['CERT_ID'], patchOperations=[{'op': 'replace', 'path': '/description', 'value': 'from-boto3'}])
items = gw.get_client_certificates()['items']
print(json.dumps([{'id': i['clientCertificateId'], 'd': i.get('description')} for i in items]))`,
      { CERT_ID: id },
    );
    assert.equal(py.code, 0, py.stderr);
    assert.ok((JSON.parse(py.stdout) as { id: string; d: string }[]).some((i) => i.id === id && i.d === 'from-boto3'));
    const del = await awsCli(c, ['apigateway', 'delete-client-certificate', '--client-certificate-id', id]);
    assert.equal(del.code, 0, del.stderr);
    const again = await awsCli(c, ['apigateway', 'get-client-certificate', '--client-certificate-id', id]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /NotFoundException/);
  });

  test('a stage names an existing certificate and presents it to its https backend', async () => {
    const cert = await gw.send(new GenerateClientCertificateCommand({ description: 'for the backend' }));
    const api = await ApiBuilder.create(gw, 'mtls');
    await api.method('/who', 'GET', { type: 'HTTP_PROXY', integrationHttpMethod: 'GET', uri: `${backend.url}/who` });
    await api.deploy('prod');

    // before: no certificate is presented
    const plain = (await (await fetch(`${stageUrl(c, api.id, 'prod')}/who`)).json()) as { clientFingerprint: string | null };
    assert.equal(plain.clientFingerprint, null);

    await assert.rejects(gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/clientCertificateId', value: 'nosuch' }] })), {
      name: 'NotFoundException',
      message: 'Invalid Client Certificate identifier specified',
    });
    const st = await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/clientCertificateId', value: cert.clientCertificateId }] }));
    assert.equal(st.clientCertificateId, cert.clientCertificateId);
    assert.equal((await gw.send(new GetStageCommand({ restApiId: api.id, stageName: 'prod' }))).clientCertificateId, cert.clientCertificateId);

    const seen = (await (await fetch(`${stageUrl(c, api.id, 'prod')}/who`)).json()) as { clientFingerprint: string; url: string };
    assert.equal(seen.url, '/who');
    assert.equal(seen.clientFingerprint, new X509Certificate(cert.pemEncodedCertificate!).fingerprint256);

    // a new deployment keeps the stage's certificate
    await gw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'prod' }));
    const again = (await (await fetch(`${stageUrl(c, api.id, 'prod')}/who`)).json()) as { clientFingerprint: string };
    assert.equal(again.clientFingerprint, new X509Certificate(cert.pemEncodedCertificate!).fingerprint256);

    // removing it from the stage: no certificate again
    await gw.send(new UpdateStageCommand({ restApiId: api.id, stageName: 'prod', patchOperations: [{ op: 'replace', path: '/clientCertificateId', value: '' }] }));
    const none = (await (await fetch(`${stageUrl(c, api.id, 'prod')}/who`)).json()) as { clientFingerprint: string | null };
    assert.equal(none.clientFingerprint, null);
  });
});
