import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EC2Client, RunInstancesCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { awsCli, boto3, clientConfig, freePort, spawnCumulus, startTestCumulus, tempDir } from '../helpers/cumulus.js';
import type { Cumulus } from '../../src/server/server.js';
import { REAL_PYTHON, b64, httpGet, until, waitState } from './instances-helpers.js';

/** User data that serves the instance's root over HTTP at every boot (a cloud-init per-boot script). */
const webUserData = (port: number) => `#!/bin/sh
echo kept > root.txt
cat > var/lib/cloud/scripts/per-boot/web <<EOF
#!/bin/sh
cd "\\$CUMULUS_ROOT" && nohup ${REAL_PYTHON} -m http.server ${port} --bind 127.0.0.1 > web.log 2>&1 &
EOF
chmod +x var/lib/cloud/scripts/per-boot/web
./var/lib/cloud/scripts/per-boot/web
`;

describe('ec2 instances through the AWS CLI and boto3', () => {
  let c: Cumulus;
  before(async () => {
    process.env.CUMULUS_EC2_BOOT_SECONDS = '0';
    c = await startTestCumulus();
  });
  after(() => c.stop());

  test('CLI: run with a user data file, describe with a query, console output, stop/start/terminate and waiters', async () => {
    const images = JSON.parse((await awsCli(c, ['ec2', 'describe-images', '--owners', 'amazon', '--filters', 'Name=name,Values=al2023-ami-*-x86_64'])).stdout);
    const ami = images.Images[0].ImageId;
    const dir = tempDir();
    const file = path.join(dir, 'ud.sh');
    fs.writeFileSync(file, '#!/bin/sh\necho "cli user data ran"\n');
    const run = await awsCli(c, ['ec2', 'run-instances', '--image-id', ami, '--instance-type', 't3.micro', '--count', '1', '--user-data', `file://${file}`, '--tag-specifications', 'ResourceType=instance,Tags=[{Key=Name,Value=cli}]']);
    assert.equal(run.code, 0, run.stderr);
    const id = JSON.parse(run.stdout).Instances[0].InstanceId;
    await until('running', async () => {
      const r = await awsCli(c, ['ec2', 'describe-instances', '--instance-ids', id, '--query', 'Reservations[0].Instances[0].State.Name']);
      return JSON.parse(r.stdout) === 'running' ? true : undefined;
    });
    // the waiter answers at once when the state is reached
    assert.equal((await awsCli(c, ['ec2', 'wait', 'instance-running', '--instance-ids', id])).code, 0);
    const byName = await awsCli(c, ['ec2', 'describe-instances', '--filters', 'Name=tag:Name,Values=cli', '--query', 'Reservations[].Instances[].InstanceId']);
    assert.deepEqual(JSON.parse(byName.stdout), [id]);
    await until('console output', async () => {
      const out = await awsCli(c, ['ec2', 'get-console-output', '--instance-id', id]);
      return (JSON.parse(out.stdout).Output ?? '').includes('cli user data ran') ? true : undefined;
    });
    const userData = await awsCli(c, ['ec2', 'describe-instance-attribute', '--instance-id', id, '--attribute', 'userData']);
    assert.equal(Buffer.from(JSON.parse(userData.stdout).UserData.Value, 'base64').toString(), '#!/bin/sh\necho "cli user data ran"\n');
    const stop = await awsCli(c, ['ec2', 'stop-instances', '--instance-ids', id]);
    assert.equal(JSON.parse(stop.stdout).StoppingInstances[0].CurrentState.Name, 'stopping');
    const bad = await awsCli(c, ['ec2', 'stop-instances', '--instance-ids', 'i-bad']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /InvalidInstanceID\.Malformed/);
    const term = await awsCli(c, ['ec2', 'terminate-instances', '--instance-ids', id]);
    assert.equal(term.code, 0, term.stderr);
    await until('terminated', async () => {
      const r = await awsCli(c, ['ec2', 'describe-instances', '--instance-ids', id, '--query', 'Reservations[0].Instances[0].State.Name']);
      return JSON.parse(r.stdout) === 'terminated' ? true : undefined;
    });
    assert.equal((await awsCli(c, ['ec2', 'wait', 'instance-terminated', '--instance-ids', id])).code, 0);
  });

  test('boto3: launch, reach the instance, credentials inside via the SDK, stop and start with waiters', async () => {
    const port = await freePort();
    const script = `
import urllib.request, time
ec2 = boto3.client('ec2', endpoint_url=endpoint)
iam = boto3.client('iam', endpoint_url=endpoint)
iam.create_role(RoleName='py-role', AssumeRolePolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]}))
iam.create_instance_profile(InstanceProfileName='py-profile')
iam.add_role_to_instance_profile(InstanceProfileName='py-profile', RoleName='py-role')
ami = ec2.describe_images(Owners=['amazon'], Filters=[{'Name': 'name', 'Values': ['al2023-ami-*-x86_64']}])['Images'][0]['ImageId']
ud = os.environ['USER_DATA'] + "${REAL_PYTHON} -c \\"import boto3, json; print(json.dumps(boto3.client('sts').get_caller_identity()))\\" > who.json\\n"
inst = ec2.run_instances(ImageId=ami, InstanceType='t3.small', MinCount=1, MaxCount=1, UserData=ud, IamInstanceProfile={'Name': 'py-profile'})['Instances'][0]
iid = inst['InstanceId']
ec2.get_waiter('instance_running').wait(InstanceIds=[iid], WaiterConfig={'Delay': 1, 'MaxAttempts': 30})
def get(p):
    for _ in range(200):
        try:
            return urllib.request.urlopen('http://127.0.0.1:${port}/' + p).read().decode()
        except Exception:
            time.sleep(0.05)
    raise Exception('unreachable ' + p)
who = None
for _ in range(200):
    try:
        who = json.loads(get('who.json'))
        break
    except Exception:
        time.sleep(0.05)
first = ec2.describe_instances(InstanceIds=[iid])['Reservations'][0]['Instances'][0]
ec2.stop_instances(InstanceIds=[iid])
ec2.get_waiter('instance_stopped').wait(InstanceIds=[iid], WaiterConfig={'Delay': 1, 'MaxAttempts': 30})
ec2.start_instances(InstanceIds=[iid])
ec2.get_waiter('instance_running').wait(InstanceIds=[iid], WaiterConfig={'Delay': 1, 'MaxAttempts': 30})
kept = get('root.txt')
second = ec2.describe_instances(InstanceIds=[iid])['Reservations'][0]['Instances'][0]
ec2.terminate_instances(InstanceIds=[iid])
ec2.get_waiter('instance_terminated').wait(InstanceIds=[iid], WaiterConfig={'Delay': 1, 'MaxAttempts': 30})
print(json.dumps({'id': iid, 'who': who, 'kept': kept, 'ip1': first['PrivateIpAddress'], 'ip2': second['PrivateIpAddress'], 'pub1': first.get('PublicIpAddress'), 'pub2': second.get('PublicIpAddress')}))
`;
    const res = await boto3(c, script, { USER_DATA: webUserData(port) });
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout.trim().split('\n').pop()!);
    assert.equal(out.who.Arn, `arn:aws:sts::000000000000:assumed-role/py-role/${out.id}`);
    assert.equal(out.kept, 'kept\n');
    assert.equal(out.ip1, out.ip2);
    assert.notEqual(out.pub1, out.pub2);
  });
});

describe('ec2 instances after a Cumulus restart with a data dir', () => {
  test('running instances boot again; their root volume is still there', async () => {
    const dataDir = tempDir();
    const env = { CUMULUS_EC2_BOOT_SECONDS: '0' };
    const port = await freePort();
    let first = await spawnCumulus(['--data-dir', dataDir], env);
    try {
      const ec2 = new EC2Client(clientConfig(first));
      const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-*-x86_64'] }] }))).Images![0]!.ImageId!;
      const id = (await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, UserData: b64(webUserData(port)) }))).Instances![0]!.InstanceId!;
      await waitState(ec2, id, 'running');
      await until('web server', async () => ((await httpGet(`http://127.0.0.1:${port}/root.txt`)).status === 200 ? true : undefined));
      await first.kill('SIGTERM');
      await until('workload gone', async () => {
        try {
          await httpGet(`http://127.0.0.1:${port}/root.txt`);
          return undefined;
        } catch {
          return true;
        }
      });
      first = await spawnCumulus(['--data-dir', dataDir], env);
      const again = new EC2Client(clientConfig(first));
      await waitState(again, id, 'running');
      const root = await until('web server after restart', async () => {
        const r = await httpGet(`http://127.0.0.1:${port}/root.txt`);
        return r.status === 200 ? r.text : undefined;
      });
      assert.equal(root, 'kept\n');
      await again.send(new (await import('@aws-sdk/client-ec2')).TerminateInstancesCommand({ InstanceIds: [id] }));
      await waitState(again, id, 'terminated');
    } finally {
      await first.kill('SIGTERM');
    }
  });
});
