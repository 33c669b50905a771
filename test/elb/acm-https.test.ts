// ACM certificates (requested: issued at once, self-signed; imported: PEM with its key) and an HTTPS
// listener terminating TLS with one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import {
  ACMClient,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  GetCertificateCommand,
  ImportCertificateCommand,
  ListCertificatesCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DescribeListenerAttributesCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { clientConfig, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { defaultNetwork, untilHealth } from './helpers.js';
import { echoTarget, webTarget, type WebTarget } from './local-targets.js';

function opensslPair(cn: string): { cert: string; key: string } {
  const dir = tempDir('acm-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '30', '-subj', `/CN=${cn}`], { cwd: dir, stdio: 'ignore' });
  const out = { cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

function httpsGet(port: number, servername: string): Promise<{ status: number; cn: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/secure', servername, rejectUnauthorized: false, agent: false }, (res) => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, cn: String(cert.subject.CN), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('acm and HTTPS listeners', () => {
  let c: Cumulus;
  let acm: ACMClient;
  let target: WebTarget;
  before(async () => {
    c = await startTestCumulus();
    acm = new ACMClient(clientConfig(c));
    target = await webTarget('secure');
  });
  after(async () => {
    await c.stop();
    await target.close();
  });

  test('RequestCertificate issues a certificate at once; ImportCertificate checks the key', async () => {
    const { CertificateArn } = await acm.send(new RequestCertificateCommand({ DomainName: 'app.example.com', SubjectAlternativeNames: ['www.example.com'], ValidationMethod: 'DNS' }));
    assert.match(CertificateArn!, /^arn:aws:acm:us-east-1:000000000000:certificate\/[0-9a-f-]{36}$/);
    const d = (await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!;
    assert.equal(d.Status, 'ISSUED');
    assert.equal(d.Type, 'AMAZON_ISSUED');
    assert.deepEqual(d.SubjectAlternativeNames, ['app.example.com', 'www.example.com']);
    assert.equal(d.KeyAlgorithm, 'RSA_2048');
    const pem = (await acm.send(new GetCertificateCommand({ CertificateArn }))).Certificate!;
    const x = new X509Certificate(pem);
    assert.match(x.subject, /CN=app\.example\.com/);
    assert.match(x.subjectAltName!, /DNS:www\.example\.com/);
    assert.ok(x.verify(x.publicKey), 'self-signed');

    const a = opensslPair('imported.example.com');
    const b = opensslPair('other.example.com');
    await assert.rejects(acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(a.cert), PrivateKey: Buffer.from(b.key) })), { name: 'ValidationException' });
    const imp = await acm.send(new ImportCertificateCommand({ Certificate: Buffer.from(a.cert), PrivateKey: Buffer.from(a.key), Tags: [{ Key: 'k', Value: 'v' }] }));
    const di = (await acm.send(new DescribeCertificateCommand({ CertificateArn: imp.CertificateArn }))).Certificate!;
    assert.equal(di.Type, 'IMPORTED');
    assert.equal(di.DomainName, 'imported.example.com');
    const list = await acm.send(new ListCertificatesCommand({}));
    assert.equal(list.CertificateSummaryList!.length, 2);
    await assert.rejects(acm.send(new DescribeCertificateCommand({ CertificateArn: CertificateArn!.replace(/.{4}$/, 'ffff') })), { name: 'ResourceNotFoundException' });
  });

  test('an HTTPS listener terminates TLS with the certificate; the certificate is in use until the listener goes', async () => {
    const elb = new ElasticLoadBalancingV2Client(clientConfig(c));
    const { CertificateArn } = await acm.send(new RequestCertificateCommand({ DomainName: 'secure.example.com' }));
    const net = await defaultNetwork(new EC2Client(clientConfig(c)));
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'tls', Subnets: net.subnets.slice(0, 2) }))).LoadBalancers![0]!;
    const tg = (
      await elb.send(
        new CreateTargetGroupCommand({ Name: 'tls', TargetType: 'ip', Protocol: 'HTTP', Port: 80, VpcId: net.vpcId, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2 }),
      )
    ).TargetGroups![0]!;
    await assert.rejects(
      elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTPS', Port: 443, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] })),
      { name: 'ValidationError' },
    );
    const l = (
      await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lb.LoadBalancerArn,
          Protocol: 'HTTPS',
          Port: 443,
          Certificates: [{ CertificateArn }],
          DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
        }),
      )
    ).Listeners![0]!;
    assert.equal(l.SslPolicy, 'ELBSecurityPolicy-TLS13-1-2-2021-06');
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '127.0.0.1', Port: target.port }] }));
    await untilHealth(c, elb, tg.TargetGroupArn!, (t) => t.every((x) => x.TargetHealth!.State === 'healthy'));
    const attrs = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: l.ListenerArn }));
    const port = Number(attrs.Attributes!.find((x) => x.Key === 'cumulus.local_port')!.Value);
    const r = await httpsGet(port, 'secure.example.com');
    assert.equal(r.status, 200);
    assert.equal(r.cn, 'secure.example.com');
    const seen = JSON.parse(r.body);
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers['x-forwarded-port'], '443');

    const d = (await acm.send(new DescribeCertificateCommand({ CertificateArn }))).Certificate!;
    assert.deepEqual(d.InUseBy, [lb.LoadBalancerArn]);
    await assert.rejects(acm.send(new DeleteCertificateCommand({ CertificateArn })), { name: 'ResourceInUseException' });
    await elb.send(new DeleteListenerCommand({ ListenerArn: l.ListenerArn }));
    await acm.send(new DeleteCertificateCommand({ CertificateArn }));
  });

  test('an NLB TLS listener terminates TLS and forwards the bytes over TCP', async () => {
    const elb = new ElasticLoadBalancingV2Client(clientConfig(c));
    const echo = await echoTarget('plain');
    try {
      const { CertificateArn } = await acm.send(new RequestCertificateCommand({ DomainName: 'tls.example.com', KeyAlgorithm: 'EC_prime256v1' }));
      const net = await defaultNetwork(new EC2Client(clientConfig(c)));
      const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'nlb-tls', Type: 'network', Subnets: [net.subnets[0]!] }))).LoadBalancers![0]!;
      const tg = (
        await elb.send(new CreateTargetGroupCommand({ Name: 'nlb-tls', TargetType: 'ip', Protocol: 'TCP', Port: 9, VpcId: net.vpcId, HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2 }))
      ).TargetGroups![0]!;
      const l = (
        await elb.send(
          new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'TLS', Port: 8443, Certificates: [{ CertificateArn }], DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }),
        )
      ).Listeners![0]!;
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '127.0.0.1', Port: echo.port }] }));
      await untilHealth(c, elb, tg.TargetGroupArn!, (t) => t.every((x) => x.TargetHealth!.State === 'healthy'), 10);
      const attrs = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: l.ListenerArn }));
      const port = Number(attrs.Attributes!.find((x) => x.Key === 'cumulus.local_port')!.Value);
      const answer = await new Promise<{ text: string; cn: string }>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port, servername: 'tls.example.com', rejectUnauthorized: false }, () => s.write('hello'));
        s.once('data', (d) => {
          resolve({ text: d.toString(), cn: String(s.getPeerCertificate().subject.CN) });
          s.destroy();
        });
        s.on('error', reject);
      });
      assert.deepEqual(answer, { text: 'plain:hello', cn: 'tls.example.com' });
    } finally {
      await echo.close();
    }
  });
});
