// #cloud-config user data run at first boot (write_files, runcmd, bootcmd, packages noted) and the EBS
// volumes RunInstances creates from BlockDeviceMappings, with volume TagSpecifications.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DescribeImagesCommand, DescribeVolumesCommand, EC2Client, GetConsoleOutputCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { awsCli, clientConfig, startTestCumulus } from '../helpers/cumulus.js';
import { awsError } from '../iam/errors.js';
import type { Cumulus } from '../../src/server/server.js';
import { engineFor } from '../../src/services/ec2/lifecycle.js';
import { instanceTable } from '../../src/services/ec2/instances.js';
import { parseYaml } from '../../src/services/ec2/yaml-lite.js';
import { b64, describe1, until, waitState } from './instances-helpers.js';

describe('ec2 cloud-config and launch block device mappings', () => {
  let c: Cumulus;
  let ec2: EC2Client;
  let ami: string;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    process.env.CUMULUS_EC2_STOP_GRACE_SECONDS = '0';
    c = await startTestCumulus();
    ec2 = new EC2Client(clientConfig(c));
    const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['099720109477'] }))).Images!;
    ami = images.find((i) => i.Architecture === 'x86_64' && i.RootDeviceType === 'ebs')!.ImageId!;
  });
  after(() => c.stop());
  const consoleOf = async (id: string) => Buffer.from((await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }))).Output ?? '', 'base64').toString();

  test('the YAML cloud-config uses', () => {
    assert.deepEqual(
      parseYaml(`#cloud-config
packages: [nginx, "curl"]
write_files:
  - path: /etc/a.conf   # a comment
    permissions: '0600'
    content: |
      line one
      line two
  - path: b.txt
    encoding: b64
    content: aGk=
runcmd:
- echo 'it''s' "ok"
- [ls, -l, "/tmp dir"]
final_message: >-
  folded
  text
`),
      {
        packages: ['nginx', 'curl'],
        write_files: [
          { path: '/etc/a.conf', permissions: '0600', content: 'line one\nline two\n' },
          { path: 'b.txt', encoding: 'b64', content: 'aGk=' },
        ],
        runcmd: [`echo 'it''s' "ok"`, ['ls', '-l', '/tmp dir']],
        final_message: 'folded text',
      },
    );
  });

  test('write_files, runcmd (strings and lists), bootcmd and packages at first boot, output in the console', async () => {
    const config = `#cloud-config
package_update: true
packages:
  - nginx
bootcmd:
  - echo booted >> boots.log
write_files:
  - path: /etc/app/app.conf
    permissions: '0640'
    content: |
      port=8080
      name=cumulus
  - path: /srv/data.bin
    encoding: b64
    content: ${Buffer.from('binary!').toString('base64')}
  - path: /etc/app/after.txt
    defer: true
    content: written last
runcmd:
  - echo "runcmd sees $(cat etc/app/app.conf | head -1)"
  - [sh, -c, "echo list form > list.txt"]
  - test -f etc/app/after.txt || echo "deferred file not there yet"
final_message: all done here
`;
    const id = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, UserData: b64(config) }))).Instances![0]!.InstanceId!;
    await waitState(ec2, id, 'running');
    const text = await until('cloud-config output', async () => {
      const t = await consoleOf(id);
      return t.includes('all done here') ? t : undefined;
    });
    assert.match(text, /cloud-init: write_files: wrote \/etc\/app\/app\.conf \(23 bytes, mode 0640\)/);
    assert.match(text, /packages ignored \(Cumulus installs no packages\): nginx/);
    assert.match(text, /runcmd sees port=8080/);
    assert.match(text, /deferred file not there yet/);
    const r = instanceTable(c.runtime).get({ account: '000000000000', region: 'us-east-1' }, id)!;
    const root = engineFor(c.runtime).rootDirOf(r);
    assert.equal(fs.readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8'), 'port=8080\nname=cumulus\n');
    assert.equal(fs.statSync(path.join(root, 'etc/app/app.conf')).mode & 0o777, 0o640);
    assert.equal(fs.readFileSync(path.join(root, 'srv/data.bin'), 'utf8'), 'binary!');
    assert.equal(fs.readFileSync(path.join(root, 'etc/app/after.txt'), 'utf8'), 'written last');
    assert.equal(fs.readFileSync(path.join(root, 'list.txt'), 'utf8'), 'list form\n');
    assert.equal(fs.readFileSync(path.join(root, 'boots.log'), 'utf8'), 'booted\n');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  test('a cloud-config that does not parse is reported in the console; the instance still runs', async () => {
    const id = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, UserData: b64('#cloud-config\nruncmd:\n  - "unterminated\n') }))).Instances![0]!.InstanceId!;
    await waitState(ec2, id, 'running');
    await until('parse error in console', async () => ((await consoleOf(id)).includes('could not parse the cloud-config user data: line 3') ? true : undefined));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  });

  test('BlockDeviceMappings create and attach volumes at launch; volume tags; DeleteOnTermination', async () => {
    const mappings = JSON.stringify([
      { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 20, VolumeType: 'gp3', Iops: 4000, DeleteOnTermination: true } },
      { DeviceName: '/dev/sdg', Ebs: { VolumeSize: 125, VolumeType: 'st1', DeleteOnTermination: false } },
      { DeviceName: '/dev/sdh', VirtualName: 'ephemeral0' },
    ]);
    const out = await awsCli(c, [
      'ec2', 'run-instances', '--image-id', ami, '--instance-type', 't3.micro', '--count', '1',
      '--block-device-mappings', mappings,
      '--tag-specifications', 'ResourceType=volume,Tags=[{Key=team,Value=data}]',
      '--user-data', '#!/bin/sh\necho hello > mnt/sdf/hello.txt\n',
    ]);
    assert.equal(out.code, 0, out.stderr);
    const id = JSON.parse(out.stdout).Instances[0].InstanceId as string;
    await waitState(ec2, id, 'running');
    const inst = await describe1(ec2, id);
    const devices = inst.BlockDeviceMappings!.map((b) => b.DeviceName);
    assert.equal(devices.length, 3);
    assert.ok(devices.includes('/dev/sdf') && devices.includes('/dev/sdg'));
    const vols = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [id] }] }))).Volumes!;
    assert.equal(vols.length, 3);
    const sdf = vols.find((v) => v.Attachments![0]!.Device === '/dev/sdf')!;
    assert.equal(sdf.Size, 20);
    assert.equal(sdf.VolumeType, 'gp3');
    assert.equal(sdf.Iops, 4000);
    assert.equal(sdf.Attachments![0]!.DeleteOnTermination, true);
    const sdg = vols.find((v) => v.Attachments![0]!.Device === '/dev/sdg')!;
    assert.equal(sdg.Attachments![0]!.DeleteOnTermination, false);
    assert.ok(vols.every((v) => v.Tags?.some((t) => t.Key === 'team' && t.Value === 'data')), 'every volume, the root too, has the tag');
    // the new volume is mounted inside the instance from its first boot
    const engine = engineFor(c.runtime);
    await until('file on /dev/sdf', async () => (fs.existsSync(path.join(engine.baseDir, 'volumes', sdf.VolumeId!, 'hello.txt')) ? true : undefined));
    await awsError(
      ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { VolumeType: 'io1', VolumeSize: 10 } }] })),
      'MissingParameter',
      400,
    );
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitState(ec2, id, 'terminated');
    const left = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [sdg.VolumeId!] }))).Volumes![0]!;
    assert.equal(left.State, 'available');
    await awsError(ec2.send(new DescribeVolumesCommand({ VolumeIds: [sdf.VolumeId!] })), 'InvalidVolume.NotFound', 400);
  });
});
