// An Application Load Balancer under load: requests/s and p50/p99 at 32 connections through the ALB's
// listener to 2 local targets, beside the same load sent straight to one target (the floor).
//   node dist/bench/elb.js [--requests 20000] [--connections 32] [--cpu-prof DIR]
// Cumulus runs as its own `cumulus start` process and the targets in a third process, so the load generator
// measures what a client would. Prints human lines on stderr and a JSON line last on stdout, with the CPU
// time per request each process spent (from /proc, Linux), which stays comparable when the machine is busy.
// Target (issue 8): at least 50% of the floor's requests/s, and p50 within 1 ms of it.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { cpuSeconds, freePort, log, sleep } from './common.js';

const buildRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
async function waitHttp(url: string, child: ChildProcess, out: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited: ${out()}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up: ${out()}`);
    await sleep(25);
  }
}

function spawnNode(args: string[], env: Record<string, string> = {}): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => void (out = (out + d).slice(-16_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, out: () => out };
}

/** Two plain HTTP servers answering a small body, in one process of their own. */
const TARGETS = `
const http = require('node:http');
for (const port of process.argv.slice(1).map(Number)) {
  http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok ' + port + '\\n'); })
    .listen(port, '127.0.0.1');
}`;

/** A load run, with the CPU microseconds per request each named process spent on it. */
async function measured(run: () => Promise<LoadResult>, pids: Record<string, number | undefined>): Promise<LoadResult & { cpuUsPerRequest?: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const self0 = process.cpuUsage();
  const r = await run();
  const self = process.cpuUsage(self0);
  const count = r.count;
  const out: Record<string, number> = { client: Math.round((self.user + self.system) / count) };
  for (const [k, pid] of Object.entries(pids)) {
    const a = before[k];
    const b = cpuSeconds(pid);
    if (a !== undefined && b !== undefined) out[k] = Math.round(((b - a) * 1e6) / count);
  }
  return { ...r, cpuUsPerRequest: out };
}

interface LoadResult {
  /** requests answered (200 or not) */
  count: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** `total` GETs with `connections` in flight on keep-alive sockets. */
async function load(port: number, total: number, connections: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - t0);
          else errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const worker = async () => {
    while (next < total) {
      next++;
      await one();
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { count: latencies.length + errors, requestsPerSecond: Math.round(latencies.length / seconds), p50Ms: +pct(50).toFixed(2), p99Ms: +pct(99).toFixed(2), errors };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '20000' }, connections: { type: 'string', default: '32' }, 'cpu-prof': { type: 'string' } } });
  const total = Number(values.requests);
  const connections = Number(values.connections);

  const [cumulusPort, t1, t2, listenerPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const targets = spawnNode(['-e', TARGETS, String(t1), String(t2)]);
  const prof = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
  const cumulus = spawnNode([...prof, path.join(buildRoot, 'src/cli/main.js'), 'start', '--port', String(cumulusPort), '--log-level', 'error'], {
    CUMULUS_ELB_PROVISION_SECONDS: '0',
  });
  const url = `http://127.0.0.1:${cumulusPort}`;
  try {
    await waitHttp(`http://127.0.0.1:${t1}/`, targets.child, targets.out);
    await waitHttp(`${url}/_cumulus/health`, cumulus.child, cumulus.out);
    const config = { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const ec2 = new EC2Client(config);
    const elb = new ElasticLoadBalancingV2Client(config);
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))).Subnets!;
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'bench', Subnets: subnets.slice(0, 2).map((s) => s.SubnetId!) }))).LoadBalancers![0]!;
    const tg = (
      await elb.send(
        new CreateTargetGroupCommand({ Name: 'bench', Protocol: 'HTTP', Port: 80, VpcId: lb.VpcId, TargetType: 'ip', HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2 }),
      )
    ).TargetGroups![0]!;
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '127.0.0.1', Port: t1 }, { Id: '127.0.0.1', Port: t2 }] }));
    await elb.send(
      new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: listenerPort, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }),
    );
    // health checks run on the clock: move it until both targets are healthy
    for (let i = 0; ; i++) {
      const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
      if (health.TargetHealthDescriptions!.every((d) => d.TargetHealth?.State === 'healthy')) break;
      if (i > 200) throw new Error(`targets never healthy: ${JSON.stringify(health.TargetHealthDescriptions)}`);
      await fetch(`${url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 5 }) });
      await sleep(50);
    }

    // warm both paths, then measure the floor and the load balancer alternately
    await load(t1, 2000, connections);
    await load(listenerPort, 2000, connections);
    const pids = { cumulus: cumulus.child.pid, targets: targets.child.pid };
    const floor = await measured(() => load(t1, total, connections), pids);
    const alb = await measured(() => load(listenerPort, total, connections), pids);
    const single = await load(listenerPort, Math.min(total, 5000), 1);
    const singleFloor = await load(t1, Math.min(total, 5000), 1);
    const ratio = +(alb.requestsPerSecond / floor.requestsPerSecond).toFixed(3);
    const p50Gap = +(alb.p50Ms - floor.p50Ms).toFixed(2);
    log(`floor (straight to a target), ${connections} connections: ${floor.requestsPerSecond} req/s, p50 ${floor.p50Ms} ms, p99 ${floor.p99Ms} ms`);
    log(`through the ALB to 2 targets: ${alb.requestsPerSecond} req/s, p50 ${alb.p50Ms} ms, p99 ${alb.p99Ms} ms (errors ${alb.errors})`);
    const cpu = (r: typeof floor) => Object.entries(r.cpuUsPerRequest ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
    log(`CPU µs per request: floor [${cpu(floor)}]; ALB [${cpu(alb)}]`);
    log(`ratio ${ratio} [target ≥ 0.5]; p50 gap ${p50Gap} ms [target ≤ 1 ms]; 1 connection: ALB p50 ${single.p50Ms} ms vs floor ${singleFloor.p50Ms} ms`);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'elb',
        node: process.version,
        requests: total,
        connections,
        floor,
        alb,
        oneConnection: { alb: single, floor: singleFloor },
        ratio,
        p50GapMs: p50Gap,
        targetsMet: { ratio: ratio >= 0.5, p50Gap: p50Gap <= 1 },
      })}\n`,
    );
  } finally {
    cumulus.child.kill('SIGTERM');
    targets.child.kill('SIGKILL');
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
