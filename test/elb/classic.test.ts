import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeImagesCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  ConfigureHealthCheckCommand,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeInstanceHealthCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingClient,
  ModifyLoadBalancerAttributesCommand,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import { clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { waitState } from '../ec2/instances-helpers.js';
import { advance, idOf, launchWebInstance, request, until } from './helpers.js';
import { tcpExchange } from './local-targets.js';

describe('elb (Classic): listeners, instances, health check, traffic', () => {
  let c: Cumulus;
  let elb: ElasticLoadBalancingClient;
  let ec2: EC2Client;
  let a: { id: string; port: number };
  let b: { id: string; port: number };
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    c = await startTestCumulus();
    elb = new ElasticLoadBalancingClient(clientConfig(c));
    ec2 = new EC2Client(clientConfig(c));
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
    // both instances serve on the same port? no: each has its own; a Classic LB has one instance port per listener, so use one instance per LB
    [a, b] = await Promise.all([launchWebInstance(ec2, images.Images![0]!.ImageId!), launchWebInstance(ec2, images.Images![0]!.ImageId!)]);
  });
  after(() => c.stop());

  async function inService(name: string, ids: string[]) {
    return until('InService', async () => {
      const h = await elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: name }));
      if (ids.every((id) => h.InstanceStates!.some((s) => s.InstanceId === id && s.State === 'InService'))) return h.InstanceStates!;
      await advance(c, 5);
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    });
  }

  test('create, health check, InService, HTTP by Host and path, TCP on its own port, out of service when stopped', async () => {
    await assert.rejects(
      elb.send(new CreateLoadBalancerCommand({ LoadBalancerName: 'classic', Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: a.port }] })),
      { name: 'ValidationError' },
    );
    const created = await elb.send(
      new CreateLoadBalancerCommand({
        LoadBalancerName: 'classic',
        AvailabilityZones: ['us-east-1a', 'us-east-1b'],
        Listeners: [
          { Protocol: 'HTTP', LoadBalancerPort: 80, InstanceProtocol: 'HTTP', InstancePort: a.port },
          { Protocol: 'TCP', LoadBalancerPort: 9000, InstanceProtocol: 'TCP', InstancePort: a.port },
        ],
        Tags: [{ Key: 'env', Value: 'test' }],
      }),
    );
    assert.match(created.DNSName!, /^classic-\d+\.us-east-1\.elb\.localhost$/);
    const d = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['classic'] }))).LoadBalancerDescriptions![0]!;
    assert.deepEqual(d.HealthCheck, { Target: `TCP:${a.port}`, Interval: 30, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 10 });
    assert.deepEqual(d.AvailabilityZones, ['us-east-1a', 'us-east-1b']);
    assert.equal(d.ListenerDescriptions!.length, 2);
    await assert.rejects(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['nope'] })), {
      name: 'AccessPointNotFoundException',
      message: "There is no ACTIVE Load Balancer named 'nope'",
    });

    await assert.rejects(
      elb.send(new ConfigureHealthCheckCommand({ LoadBalancerName: 'classic', HealthCheck: { Target: 'HTTP:80', Interval: 10, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 2 } })),
      { name: 'ValidationError' },
    );
    await elb.send(
      new ConfigureHealthCheckCommand({ LoadBalancerName: 'classic', HealthCheck: { Target: `HTTP:${a.port}/health`, Interval: 10, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 2 } }),
    );
    await elb.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'classic', Instances: [{ InstanceId: a.id }] }));
    const first = await elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: 'classic' }));
    assert.deepEqual(first.InstanceStates![0], { InstanceId: a.id, State: 'OutOfService', ReasonCode: 'ELB', Description: 'Instance registration is still in progress.' });
    await inService('classic', [a.id]);

    assert.equal(idOf(await request(c.port, '/x', { host: created.DNSName! })), a.id);
    assert.equal(JSON.parse((await request(c.port, '/_aws/elb/classic/80/y')).text).path, '/y');

    const attrs = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerName: 'classic' }));
    assert.deepEqual(attrs.LoadBalancerAttributes!.ConnectionDraining, { Enabled: false, Timeout: 300 });
    assert.deepEqual(attrs.LoadBalancerAttributes!.ConnectionSettings, { IdleTimeout: 60 });
    const tcpPort = Number(attrs.LoadBalancerAttributes!.AdditionalAttributes!.find((x) => x.Key === 'cumulus.local_port.9000')!.Value);
    const raw = await tcpExchange(tcpPort, 'GET /tcp HTTP/1.0\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.[01] 200/);

    await elb.send(
      new ModifyLoadBalancerAttributesCommand({ LoadBalancerName: 'classic', LoadBalancerAttributes: { ConnectionDraining: { Enabled: true, Timeout: 60 }, ConnectionSettings: { IdleTimeout: 120 } } }),
    );
    const attrs2 = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerName: 'classic' }));
    assert.deepEqual(attrs2.LoadBalancerAttributes!.ConnectionDraining, { Enabled: true, Timeout: 60 });

    await elb.send(new AddTagsCommand({ LoadBalancerNames: ['classic'], Tags: [{ Key: 'owner', Value: 'me' }] }));
    const tags = await elb.send(new DescribeTagsCommand({ LoadBalancerNames: ['classic'] }));
    assert.deepEqual(tags.TagDescriptions![0]!.Tags, [{ Key: 'env', Value: 'test' }, { Key: 'owner', Value: 'me' }]);

    await ec2.send(new StopInstancesCommand({ InstanceIds: [a.id] }));
    await waitState(ec2, a.id, 'stopped');
    const h = await elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: 'classic' }));
    assert.deepEqual(h.InstanceStates![0], { InstanceId: a.id, State: 'OutOfService', ReasonCode: 'Instance', Description: 'Instance is in stopped state.' });
    // Classic does not fail open: no instance in service → 503
    assert.equal((await request(c.port, '/', { host: created.DNSName! })).status, 503);

    await elb.send(new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: 'classic', Instances: [{ InstanceId: a.id }] }));
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: 'classic' }));
    assert.equal((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancerDescriptions!.length, 0);
  });

  test('a failing HTTP health check takes the instance out of service with the reason', async () => {
    const created = await elb.send(
      new CreateLoadBalancerCommand({ LoadBalancerName: 'classic2', AvailabilityZones: ['us-east-1a'], Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: b.port }] }),
    );
    await elb.send(
      new ConfigureHealthCheckCommand({ LoadBalancerName: 'classic2', HealthCheck: { Target: `HTTP:${b.port}/`, Interval: 10, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 2 } }),
    );
    await elb.send(new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'classic2', Instances: [{ InstanceId: b.id }] }));
    await inService('classic2', [b.id]);
    assert.equal(idOf(await request(c.port, '/', { host: created.DNSName! })), b.id);
    await elb.send(
      new ConfigureHealthCheckCommand({ LoadBalancerName: 'classic2', HealthCheck: { Target: `HTTP:${b.port}/missing`, Interval: 10, Timeout: 5, UnhealthyThreshold: 2, HealthyThreshold: 2 } }),
    );
    const out = await until('OutOfService', async () => {
      const h = await elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: 'classic2' }));
      if (h.InstanceStates![0]!.State === 'OutOfService') return h.InstanceStates![0]!;
      await advance(c, 10);
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    });
    assert.equal(out.ReasonCode, 'Instance');
    assert.equal(out.Description, 'Instance has failed at least the UnhealthyThreshold number of health checks consecutively.');
    assert.equal((await request(c.port, '/', { host: created.DNSName! })).status, 503);
  });
});
