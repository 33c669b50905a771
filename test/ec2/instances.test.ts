import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DescribeImagesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
  GetConsoleOutputCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { clientConfig, freePort, startTestCumulus } from '../helpers/cumulus.js';
import { trustPolicy } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import { REAL_PYTHON, advance, b64, describe1, httpGet, until, waitState } from './instances-helpers.js';

describe('ec2 instances: types, images, and a real instance through its lifecycle', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let al2023: string;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }));
    al2023 = images.Images![0]!.ImageId!;
  });
  after(() => c.stop());

  test('instance types: real figures, filters, offerings per zone', async () => {
    const t = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ['t2.micro', 'i3.large', 't4g.small'] }));
    const byName = new Map(t.InstanceTypes!.map((i) => [i.InstanceType, i]));
    const micro = byName.get('t2.micro')!;
    assert.equal(micro.VCpuInfo!.DefaultVCpus, 1);
    assert.equal(micro.MemoryInfo!.SizeInMiB, 1024);
    assert.equal(micro.FreeTierEligible, true);
    assert.equal(micro.BurstablePerformanceSupported, true);
    assert.equal(micro.Hypervisor, 'xen');
    assert.deepEqual(micro.SupportedRootDeviceTypes, ['ebs']);
    const i3 = byName.get('i3.large')!;
    assert.deepEqual(i3.InstanceStorageInfo!.Disks, [{ Count: 1, SizeInGB: 475, Type: 'ssd' }]);
    assert.deepEqual(i3.SupportedRootDeviceTypes, ['ebs', 'instance-store']);
    assert.deepEqual(byName.get('t4g.small')!.ProcessorInfo!.SupportedArchitectures, ['arm64']);

    const free = await ec2.send(new DescribeInstanceTypesCommand({ Filters: [{ Name: 'free-tier-eligible', Values: ['true'] }] }));
    assert.deepEqual(free.InstanceTypes!.map((i) => i.InstanceType).sort(), ['t2.micro', 't3.micro']);
    const arm = await ec2.send(new DescribeInstanceTypesCommand({ Filters: [{ Name: 'processor-info.supported-architecture', Values: ['arm64'] }] }));
    assert.ok(arm.InstanceTypes!.every((i) => i.InstanceType!.startsWith('t4g.')));

    const offers = await ec2.send(new DescribeInstanceTypeOfferingsCommand({ LocationType: 'availability-zone', Filters: [{ Name: 'instance-type', Values: ['m5.large'] }] }));
    assert.deepEqual(offers.InstanceTypeOfferings!.map((o) => o.Location), ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f']);
    // a retired type (in the model's list, not in the catalog)
    await assert.rejects(ec2.send(new RunInstancesCommand({ ImageId: al2023, InstanceType: 'cc1.4xlarge', MinCount: 1, MaxCount: 1 })), {
      name: 'InvalidParameterValue',
      message: "Invalid value 'cc1.4xlarge' for InstanceType.",
    });
  });

  test('images: owners, filters, deterministic ids per region, errors', async () => {
    const all = await ec2.send(new DescribeImagesCommand({}));
    assert.ok(all.Images!.length >= 6);
    const canonical = await ec2.send(new DescribeImagesCommand({ Owners: ['099720109477'] }));
    assert.ok(canonical.Images!.every((i) => i.Name!.startsWith('ubuntu/')));
    const store = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'root-device-type', Values: ['instance-store'] }] }));
    assert.equal(store.Images!.length, 1);
    const arm = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'architecture', Values: ['arm64'] }, { Name: 'name', Values: ['*noble*'] }] }));
    assert.equal(arm.Images!.length, 1);
    const again = await ec2.send(new DescribeImagesCommand({ ImageIds: [al2023] }));
    assert.equal(again.Images![0]!.RootDeviceName, '/dev/xvda');
    const west = await new EC2Client(clientConfig(c, { region: 'eu-west-1' })).send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    assert.ok(!west.Images!.some((i) => i.ImageId === al2023));
    await assert.rejects(ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-nope'] })), { name: 'InvalidAMIID.Malformed' });
    await assert.rejects(ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] })), {
      name: 'InvalidAMIID.NotFound',
      message: "The image id '[ami-0123456789abcdef0]' does not exist",
    });
  });

  test('a real instance: user data, HTTP server, metadata and role credentials from inside, stop/start keeps the root only', async () => {
    const iamc = new IAMClient(clientConfig(c));
    await iamc.send(new CreateRoleCommand({ RoleName: 'web-role', AssumeRolePolicyDocument: trustPolicy({ Service: 'ec2.amazonaws.com' }) }));
    await iamc.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web-profile' }));
    await iamc.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web-profile', RoleName: 'web-role' }));
    const port = await freePort();
    // The process driver shares the host's network: the program's port is the host port.
    const userData = `#!/bin/sh
echo "hello from user data"
echo kept > root.txt
echo lost > "$INSTANCE_STORE/eph.txt"
T=$(curl -s -X PUT "$IMDS/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
curl -s -H "X-aws-ec2-metadata-token: $T" "$IMDS/latest/meta-data/instance-id" > md-instance-id.txt
curl -s -o /dev/null -w '%{http_code}' "$IMDS/latest/meta-data/instance-id" > md-v1-status.txt
ROLE=$(curl -s -H "X-aws-ec2-metadata-token: $T" "$IMDS/latest/meta-data/iam/security-credentials/")
curl -s -H "X-aws-ec2-metadata-token: $T" "$IMDS/latest/meta-data/iam/security-credentials/$ROLE" > creds.json
curl -s -H "X-aws-ec2-metadata-token: $T" "$IMDS/latest/dynamic/instance-identity/document" > identity.json
cat > var/lib/cloud/scripts/per-boot/web <<EOF
#!/bin/sh
cd "\\$CUMULUS_ROOT" && nohup ${REAL_PYTHON} -m http.server ${port} --bind 127.0.0.1 > web.log 2>&1 &
EOF
chmod +x var/lib/cloud/scripts/per-boot/web
./var/lib/cloud/scripts/per-boot/web
${REAL_PYTHON} -c "import boto3, json; print(json.dumps(boto3.client('sts').get_caller_identity()))" > caller.json 2> caller.err
echo ok > done.txt
echo "user data done"
`;
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: al2023,
        InstanceType: 'm5d.large',
        MinCount: 1,
        MaxCount: 1,
        UserData: b64(userData),
        IamInstanceProfile: { Name: 'web-profile' },
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }] }],
      }),
    );
    const launched = run.Instances![0]!;
    const id = launched.InstanceId!;
    assert.match(id, /^i-[0-9a-f]{17}$/);
    assert.match(run.ReservationId!, /^r-[0-9a-f]{17}$/);
    assert.deepEqual(launched.State, { Code: 0, Name: 'pending' });
    assert.equal(launched.PublicIpAddress, undefined);
    assert.match(launched.PrivateDnsName!, /^ip-172-31-\d+-\d+\.ec2\.internal$/);
    assert.equal(launched.MetadataOptions!.HttpTokens, 'required'); // AL2023 images are IMDSv2-only
    assert.match(launched.BlockDeviceMappings![0]!.Ebs!.VolumeId!, /^vol-/);
    assert.match(launched.NetworkInterfaces![0]!.NetworkInterfaceId!, /^eni-/);
    assert.match(launched.IamInstanceProfile!.Arn!, /instance-profile\/web-profile$/);

    const running = await waitState(ec2, id, 'running');
    assert.match(running.PublicIpAddress!, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(running.PublicDnsName, `ec2-${running.PublicIpAddress!.replace(/\./g, '-')}.compute-1.amazonaws.com`);
    const base = `http://127.0.0.1:${port}`;
    // boto3's import and credential fetch inside the instance can take seconds on a loaded machine
    await until('the instance web server', async () => ((await httpGet(`${base}/done.txt`)).status === 200 ? true : undefined), 60_000);
    assert.equal((await httpGet(`${base}/root.txt`)).text, 'kept\n');
    assert.equal((await httpGet(`${base}/media/ephemeral0/eph.txt`)).text, 'lost\n');
    assert.equal((await httpGet(`${base}/md-instance-id.txt`)).text, id);
    assert.equal((await httpGet(`${base}/md-v1-status.txt`)).text, '401'); // HttpTokens=required refuses IMDSv1
    const creds = JSON.parse((await httpGet(`${base}/creds.json`)).text);
    assert.equal(creds.Code, 'Success');
    assert.equal(creds.Type, 'AWS-HMAC');
    assert.match(creds.AccessKeyId, /^ASIA/);
    const doc = JSON.parse((await httpGet(`${base}/identity.json`)).text);
    assert.equal(doc.instanceId, id);
    assert.equal(doc.region, 'us-east-1');
    assert.equal(doc.privateIp, running.PrivateIpAddress);
    assert.equal(doc.version, '2017-09-30');
    const caller = JSON.parse((await httpGet(`${base}/caller.json`)).text);
    assert.equal(caller.Arn, `arn:aws:sts::000000000000:assumed-role/web-role/${id}`);

    const console1 = await until('console output', async () => {
      const out = await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }));
      const text = Buffer.from(out.Output ?? '', 'base64').toString();
      return text.includes('user data done') ? text : undefined;
    });
    assert.match(console1, /hello from user data/);

    const stopping = await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(stopping.StoppingInstances![0], { InstanceId: id, CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' } });
    const stopped = await waitState(ec2, id, 'stopped');
    assert.equal(stopped.PublicIpAddress, undefined);
    assert.equal(stopped.StateReason!.Code, 'Client.UserInitiatedShutdown');
    assert.match(stopped.StateTransitionReason!, /^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$/);
    await assert.rejects(httpGet(`${base}/root.txt`)); // the workload is gone

    const starting = await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    assert.equal(starting.StartingInstances![0]!.CurrentState!.Name, 'pending');
    const again = await waitState(ec2, id, 'running');
    assert.equal(again.PrivateIpAddress, running.PrivateIpAddress);
    assert.ok(again.PublicIpAddress && again.PublicIpAddress !== running.PublicIpAddress);
    await until('the per-boot web server', async () => ((await httpGet(`${base}/root.txt`)).status === 200 ? true : undefined));
    assert.equal((await httpGet(`${base}/root.txt`)).text, 'kept\n');
    assert.equal((await httpGet(`${base}/media/ephemeral0/eph.txt`)).status, 404);
    const console2 = Buffer.from((await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }))).Output ?? '', 'base64').toString();
    assert.equal(console2.match(/hello from user data/g)!.length, 1); // user data runs at first boot only

    const term = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.equal(term.TerminatingInstances![0]!.CurrentState!.Name, 'shutting-down');
    const gone = await waitState(ec2, id, 'terminated');
    assert.equal(gone.PrivateIpAddress, undefined);
    await until('the web server to go', async () => {
      try {
        await httpGet(`${base}/root.txt`);
        return undefined;
      } catch {
        return true;
      }
    });
    // terminated instances stay visible for about an hour of clock time
    await advance(c, 3000);
    assert.equal((await describe1(ec2, id)).State!.Name, 'terminated');
    await advance(c, 700);
    await until('the terminated instance to vanish', async () => {
      try {
        await describe1(ec2, id);
        return undefined;
      } catch (e) {
        return (e as Error).name === 'InvalidInstanceID.NotFound' ? true : undefined;
      }
    });
  });

  test('the boot delay runs on the clock', async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '120';
    try {
      const run = await ec2.send(new RunInstancesCommand({ ImageId: al2023, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1 }));
      const id = run.Instances![0]!.InstanceId!;
      assert.equal((await describe1(ec2, id)).State!.Name, 'pending');
      await advance(c, 121);
      await waitState(ec2, id, 'running');
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      await waitState(ec2, id, 'terminated');
    } finally {
      process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    }
  });
});
