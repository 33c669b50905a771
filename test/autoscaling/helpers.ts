// Shared pieces of the Auto Scaling tests: a group by name, and advancing the clock until a group settles.
import { DescribeAutoScalingGroupsCommand, type AutoScalingClient, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { advance } from '../ec2/instances-helpers.js';

export const group = async (asg: AutoScalingClient, name: string): Promise<AutoScalingGroup | undefined> =>
  (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];

/** Advances the clock `step` seconds at a time until `ok` holds (bounded in real time). */
export async function settle(
  c: { url: string },
  asg: AutoScalingClient,
  name: string,
  ok: (g: AutoScalingGroup | undefined) => boolean,
  what: string,
  step = 10,
  ms = 30_000,
): Promise<AutoScalingGroup | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const g = await group(asg, name);
    if (ok(g)) return g;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ desired: g?.DesiredCapacity, instances: g?.Instances })}`);
    await advance(c, step);
    await new Promise((r) => setTimeout(r, 30));
  }
}

export const inService = (n: number) => (g: AutoScalingGroup | undefined) =>
  (g?.Instances ?? []).length === n && g!.Instances!.every((i) => i.LifecycleState === 'InService');

export async function amazonLinux(ec2: EC2Client): Promise<string> {
  const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
  return images.Images![0]!.ImageId!;
}

export const SLEEPER = Buffer.from('#!/bin/sh\nexec sleep 3600\n').toString('base64');
