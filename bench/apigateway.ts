// API Gateway's data plane against a real `cumulus start` process, plain HTTP on keep-alive connections:
// GET → Lambda proxy (warm), GET → MOCK, GET → HTTP proxy to a local server; each at 1 and 32 connections
// (requests/s, p50/p99), beside its floor: a raw Node HTTP server in this process doing the same work
// (calling the same handler in-process, answering the same body, proxying to the same server).
//   node dist/bench/apigateway.js [--seconds 3] [--warm 2] [--only lambda,mock,http,invoke] [--connections 1,32] [--cpu-prof DIR]
// Each measurement follows --warm seconds of the same load (both processes' JIT takes seconds to settle).
// `invoke` is Lambda's own Invoke API called directly (POST .../invocations), to show what API Gateway adds on
// top of it. Each run also reports the CPU microseconds per request the Cumulus process and this process spent
// (from /proc, Linux), which stays comparable when the machine is busy.
// Human lines on stderr, a JSON line last on stdout. Targets (issue 5), at 32 connections: Lambda proxy at
// least 25% of the floor's requests/s, MOCK at least 50%, p50 within 2 ms of the floor's.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
} from '@aws-sdk/client-api-gateway';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { cpuSeconds, freePort, log, pct, round, sleep, zip } from './common.js';

const buildRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HANDLER_SOURCE = `exports.handler = async (event) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true, path: event.path }) });`;
const handler = async (event: { path: string }) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true, path: event.path }) });
const MOCK_BODY = '{"ok": true}';

async function startCumulus(cpuProf: string | undefined): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const prof = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [];
  const child = spawn(process.execPath, [...prof, path.join(buildRoot, 'src/cli/main.js'), 'start', '--port', String(port), '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    // the MOCK path can pass AWS's default account throttle (10,000 requests/s, bursts of 5,000): raise it, as a quota increase would
    env: { ...process.env, CUMULUS_APIGATEWAY_ACCOUNT_RATE: '1000000', CUMULUS_APIGATEWAY_ACCOUNT_BURST: '1000000' },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('cumulus exited');
    try {
      if ((await fetch(`${url}/_cumulus/health`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error('cumulus did not start');
    await sleep(25);
  }
  return { child, url };
}

/** A direct Lambda Invoke is a POST with a (not checked) SigV4 header; every other kind is a plain GET. */
const INVOKE_HEADERS = {
  authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0',
  'content-type': 'application/json',
};

function get(agent: http.Agent, url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const invoke = url.pathname.endsWith('/invocations');
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, agent, method: invoke ? 'POST' : 'GET', headers: invoke ? INVOKE_HEADERS : undefined },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(invoke ? '{"path":"/lambda"}' : undefined);
  });
}

interface Figures {
  p50: number;
  p99: number;
  rate: number;
  /** CPU µs per request: this process (client, and the floor when it is the floor) and Cumulus */
  cpuUs: { bench: number; cumulus?: number };
}

/** GETs `url` from `connections` keep-alive connections for `seconds`, after `warmSeconds` of the same load. */
async function load(url: string, connections: number, seconds: number, warmSeconds: number, cumulusPid: number | undefined): Promise<Figures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(url);
  // warm: every connection (and, for Lambda, as many environments) answers, then the same load for a while —
  // the JIT of both processes (server and client) takes seconds of it to settle: measured from the first
  // hundred requests on, the Lambda proxy's first 3 s ran at two thirds of the rate of the next ones
  for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: connections }, () => get(agent, u)));
  const warmEnd = performance.now() + warmSeconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < warmEnd) await get(agent, u);
    }),
  );
  const lat: number[] = [];
  const c0 = cpuSeconds(cumulusPid);
  const self0 = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await get(agent, u);
        lat.push(performance.now() - t);
      }
    }),
  );
  const self = process.cpuUsage(self0);
  const c1 = cpuSeconds(cumulusPid);
  agent.destroy();
  const cpuUs = { bench: Math.round((self.user + self.system) / lat.length), cumulus: c0 !== undefined && c1 !== undefined ? Math.round(((c1 - c0) * 1e6) / lat.length) : undefined };
  return { p50: round(pct(lat, 50)), p99: round(pct(lat, 99)), rate: Math.round(lat.length / seconds), cpuUs };
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '3' }, warm: { type: 'string', default: '2' }, only: { type: 'string', default: 'lambda,mock,http' }, connections: { type: 'string', default: '1,32' }, 'cpu-prof': { type: 'string' } },
  });
  const seconds = Number(values.seconds);
  const warmSeconds = Number(values.warm);
  const kinds = values.only.split(',');
  const connectionCounts = values.connections.split(',').map(Number);
  // the HTTP backend both the API and the floor proxy to
  const backend = http.createServer((_q, s) => {
    s.writeHead(200, { 'content-type': 'application/json' });
    s.end(MOCK_BODY);
  });
  const backendUrl = await listen(backend);
  const backendAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  // the floors: the same work, in this process, on a raw Node server
  const floor = http.createServer((q, s) => {
    if (q.url === '/mock') {
      s.writeHead(200, { 'content-type': 'application/json' });
      s.end(MOCK_BODY);
    } else if (q.url === '/lambda' || q.url === '/invoke') {
      void handler({ path: q.url }).then((r) => {
        s.writeHead(r.statusCode, r.headers);
        s.end(r.body);
      });
    } else {
      const b = new URL(backendUrl);
      http.get({ host: b.hostname, port: b.port, path: '/', agent: backendAgent }, (r) => {
        s.writeHead(r.statusCode ?? 502, { 'content-type': r.headers['content-type'] ?? 'application/json' });
        r.pipe(s);
      });
    }
  });
  const floorUrl = await listen(floor);

  const c = await startCumulus(values['cpu-prof']);
  const cfg = { endpoint: c.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  const gw = new APIGatewayClient(cfg);
  const lambda = new LambdaClient(cfg);
  const iam = new IAMClient(cfg);
  try {
    const role = await iam.send(new CreateRoleCommand({ RoleName: 'bench', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
    const fn = await lambda.send(new CreateFunctionCommand({ FunctionName: 'bench', Role: role.Role!.Arn!, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip(HANDLER_SOURCE) } }));
    for (let i = 0; ; i++) {
      const s = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'bench' }));
      if (s.State === 'Active') break;
      if (i > 400) throw new Error('function not active');
      await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 0.5 }) });
      await sleep(10);
    }
    const api = await gw.send(new CreateRestApiCommand({ name: 'bench' }));
    const add = async (part: string) => (await gw.send(new CreateResourceCommand({ restApiId: api.id, parentId: api.rootResourceId, pathPart: part }))).id!;
    const lambdaRes = await add('lambda');
    const mockRes = await add('mock');
    const httpRes = await add('http');
    for (const id of [lambdaRes, mockRes, httpRes]) await gw.send(new PutMethodCommand({ restApiId: api.id, resourceId: id, httpMethod: 'GET', authorizationType: 'NONE' }));
    await gw.send(new PutIntegrationCommand({ restApiId: api.id, resourceId: lambdaRes, httpMethod: 'GET', type: 'AWS_PROXY', integrationHttpMethod: 'POST', uri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fn.FunctionArn}/invocations` }));
    await gw.send(new PutIntegrationCommand({ restApiId: api.id, resourceId: mockRes, httpMethod: 'GET', type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }));
    await gw.send(new PutMethodResponseCommand({ restApiId: api.id, resourceId: mockRes, httpMethod: 'GET', statusCode: '200' }));
    await gw.send(new PutIntegrationResponseCommand({ restApiId: api.id, resourceId: mockRes, httpMethod: 'GET', statusCode: '200', responseTemplates: { 'application/json': MOCK_BODY } }));
    await gw.send(new PutIntegrationCommand({ restApiId: api.id, resourceId: httpRes, httpMethod: 'GET', type: 'HTTP_PROXY', integrationHttpMethod: 'GET', uri: `${backendUrl}/` }));
    await gw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'bench' }));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'bench', StatementId: 'apigw', Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com', SourceArn: `arn:aws:execute-api:us-east-1:000000000000:${api.id}/*` }));
    const stage = `${c.url}/_aws/execute-api/${api.id}/bench`;

    const results: Record<string, Record<string, { cumulus: Figures; floor: Figures; rateRatio: number; p50DeltaMs: number }>> = {};
    const invokeUrl = `${c.url}/2015-03-31/functions/bench/invocations`;
    for (const kind of kinds) {
      results[kind] = {};
      for (const connections of connectionCounts) {
        const cumulus = await load(kind === 'invoke' ? invokeUrl : `${stage}/${kind}`, connections, seconds, warmSeconds, c.child.pid);
        const fl = await load(`${floorUrl}/${kind}`, connections, seconds, warmSeconds, c.child.pid);
        const rateRatio = round(cumulus.rate / fl.rate);
        const p50DeltaMs = round(cumulus.p50 - fl.p50);
        results[kind]![`c${connections}`] = { cumulus, floor: fl, rateRatio, p50DeltaMs };
        log(`${kind.padEnd(6)} ${String(connections).padStart(2)} conn: ${cumulus.rate} req/s p50 ${cumulus.p50} ms p99 ${cumulus.p99} ms | floor ${fl.rate} req/s p50 ${fl.p50} ms | ratio ${rateRatio} Δp50 ${p50DeltaMs} ms | CPU µs/req cumulus ${cumulus.cpuUs.cumulus} bench ${cumulus.cpuUs.bench} (floor bench ${fl.cpuUs.bench})`);
      }
    }
    const at32 = (k: string) => results[k]?.c32;
    const targets = {
      lambdaRatioAtLeast025: at32('lambda') ? at32('lambda')!.rateRatio >= 0.25 : undefined,
      mockRatioAtLeast05: at32('mock') ? at32('mock')!.rateRatio >= 0.5 : undefined,
      // At 32 connections a p50 is about 32 / rate: for the Lambda proxy, within 2 ms of the floor's would mean
      // about half the floor's rate, which would leave its own 25% target nothing to say. Read here as meant for
      // MOCK and the HTTP proxy; the Lambda proxy's is reported beside it.
      p50Within2msMockAndHttp: ['mock', 'http'].filter(at32).every((k) => at32(k)!.p50DeltaMs <= 2),
      lambdaP50Within2ms: at32('lambda') ? at32('lambda')!.p50DeltaMs <= 2 : undefined,
    };
    const load1 = os.loadavg()[0]!.toFixed(2);
    log(`load average (1 min) ${load1}`);
    process.stdout.write(JSON.stringify({ bench: 'apigateway', seconds, loadAverage: os.loadavg(), results, targets }) + '\n');
  } finally {
    gw.destroy();
    lambda.destroy();
    iam.destroy();
    // the profile is written as Cumulus exits
    const exited = new Promise((r) => c.child.once('exit', r));
    c.child.kill('SIGTERM');
    if (values['cpu-prof']) await exited;
    backend.close();
    floor.close();
    backendAgent.destroy();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
