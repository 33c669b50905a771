// Auto Scaling's controller at scale: 100 groups of 10 real (sleeping) instances, then the CPU time of one
// controller pass (every group reconciled against EC2, scheduled actions and refreshes looked at), measured
// in process with process.cpuUsage over many passes; also the CPU of a whole clock tick (every timer due in
// 10 virtual seconds: EC2 status checks, metrics … and the controller).
//   node dist/bench/autoscaling.js [--groups 100] [--size 10] [--passes 50] [--ticks 3]
// Prints human lines on stderr and a JSON line last on stdout. Target (issue 7): at most 50 ms of CPU per tick.
import { parseArgs } from 'node:util';
import { AutoScalingClient, CreateAutoScalingGroupCommand, CreateLaunchConfigurationCommand, DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startCumulus } from '../src/server/server.js';
import { reconcileAll } from '../src/services/autoscaling/controller.js';
import { log } from './common.js';

const { values: args } = parseArgs({ options: { groups: { type: 'string', default: '100' }, size: { type: 'string', default: '10' }, passes: { type: 'string', default: '50' }, ticks: { type: 'string', default: '3' } } });
const GROUPS = Number(args.groups);
const SIZE = Number(args.size);
const PASSES = Number(args.passes);
const TICKS = Number(args.ticks);

process.env.CUMULUS_EC2_BOOT_SECONDS ??= '1';
process.env.CUMULUS_EC2_VCPU_LIMIT_STANDARD ??= String(GROUPS * SIZE * 8);

// booting 1,000 workloads keeps the event loop busy for a while: the bench's own calls wait rather than time out
const c = await startCumulus({ port: 0, logLevel: 'warn', headersTimeoutMs: 600_000, requestTimeoutMs: 900_000 });
const cfg = { endpoint: c.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 3 };
const asg = new AutoScalingClient(cfg);
const ec2 = new EC2Client(cfg);
const advance = async (seconds: number) => {
  const res = await fetch(`${c.url}/_cumulus/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds }), headers: { 'content-type': 'application/json' } });
  if (!res.ok) throw new Error(`advance: ${res.status}`);
};
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

try {
  const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }))).Images![0]!.ImageId!;
  // a sleeping workload: the instances cost nothing while the controller is measured
  const userData = Buffer.from('#!/bin/sh\nexec sleep 86400\n').toString('base64');
  await asg.send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'bench', ImageId: ami, InstanceType: 't3.nano', UserData: userData }));
  const t0 = Date.now();
  for (let k = 0; k < GROUPS; k++) {
    await asg.send(
      new CreateAutoScalingGroupCommand({ AutoScalingGroupName: `g${k}`, LaunchConfigurationName: 'bench', MinSize: SIZE, MaxSize: SIZE, AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] }),
    );
    if ((k + 1) % 20 === 0) log(`  ${k + 1} groups (${Date.now() - t0} ms)`);
  }
  log(`created ${GROUPS} groups of ${SIZE} in ${Date.now() - t0} ms`);
  const all = async (): Promise<AutoScalingGroup[]> => {
    const out: AutoScalingGroup[] = [];
    let token: string | undefined;
    do {
      const page = await asg.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 100, NextToken: token }));
      out.push(...page.AutoScalingGroups!);
      token = page.NextToken;
    } while (token);
    return out;
  };
  for (let round = 0; ; round++) {
    const groups = await all();
    const inService = groups.reduce((n, g) => n + (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length, 0);
    if (inService === GROUPS * SIZE) break;
    if (round > 200) throw new Error(`only ${inService} instances in service`);
    await advance(10);
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`${GROUPS * SIZE} instances in service after ${Date.now() - t0} ms`);

  // one controller pass, in process
  reconcileAll(c.runtime);
  const samples: number[] = [];
  for (let k = 0; k < PASSES; k++) {
    const before = process.cpuUsage();
    reconcileAll(c.runtime);
    samples.push(cpuMs(process.cpuUsage(before)));
  }
  samples.sort((a, b) => a - b);
  const p50 = samples[Math.floor(samples.length / 2)]!;
  const p95 = samples[Math.floor(samples.length * 0.95)]!;
  log(`controller pass CPU: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);

  // a whole tick of the clock (10 virtual seconds: every service's timers, the controller among them)
  const ticks: number[] = [];
  for (let k = 0; k < TICKS; k++) {
    const before = process.cpuUsage();
    const wall = Date.now();
    await advance(10);
    ticks.push(cpuMs(process.cpuUsage(before)));
    log(`  tick ${k + 1}: ${ticks[k]!.toFixed(0)} ms CPU, ${Date.now() - wall} ms wall`);
  }
  ticks.sort((a, b) => a - b);
  const tickP50 = ticks[Math.floor(ticks.length / 2)]!;
  log(`whole clock tick CPU (all services, incl. the HTTP call): p50 ${tickP50.toFixed(1)} ms`);
  const groups = await all();
  const stillInService = groups.reduce((n, g) => n + (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length, 0);
  console.log(
    JSON.stringify({
      groups: GROUPS,
      instancesPerGroup: SIZE,
      controllerCpuMsPerTickP50: Math.round(p50 * 10) / 10,
      controllerCpuMsPerTickP95: Math.round(p95 * 10) / 10,
      wholeTickCpuMsP50: Math.round(tickP50 * 10) / 10,
      instancesInService: stillInService,
      targetMs: 50,
      ok: p50 <= 50,
    }),
  );
} finally {
  await c.stop();
}
