// Shared pieces of the load balancer tests: web-serving instances, default subnets, waiting for health
// on an advancing clock, and plain HTTP requests with a chosen Host header.
import http from 'node:http';
import { DescribeSubnetsCommand, DescribeVpcsCommand, RunInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand, type ElasticLoadBalancingV2Client, type TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { freePort } from '../helpers/cumulus.js';
import { REAL_PYTHON, advance, b64, until, waitState } from '../ec2/instances-helpers.js';

export { advance, until };

/** A tiny web server (started again at every boot by a per-boot script) answering every path with the instance's id, the path and the headers it got (404 under /missing). */
const SERVER = `import http.server, json, sys
ID = open('id.txt').read().strip()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        body = json.dumps({'id': ID, 'path': self.path, 'headers': {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(404 if self.path.startswith('/missing') else 200)
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
`;

export async function launchWebInstance(ec2: EC2Client, imageId: string): Promise<{ id: string; port: number }> {
  const port = await freePort();
  const userData = `#!/bin/sh
cat > srv.py <<'EOF'
${SERVER}EOF
T=$(curl -s -X PUT "$IMDS/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
curl -s -H "X-aws-ec2-metadata-token: $T" "$IMDS/latest/meta-data/instance-id" > id.txt
mkdir -p var/lib/cloud/scripts/per-boot
cat > var/lib/cloud/scripts/per-boot/web <<EOF
#!/bin/sh
cd "\\$CUMULUS_ROOT" && nohup ${REAL_PYTHON} srv.py ${port} > web.log 2>&1 &
EOF
chmod +x var/lib/cloud/scripts/per-boot/web
./var/lib/cloud/scripts/per-boot/web
`;
  const run = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, UserData: b64(userData) }));
  const id = run.Instances![0]!.InstanceId!;
  await waitState(ec2, id, 'running');
  return { id, port };
}

export async function defaultNetwork(ec2: EC2Client): Promise<{ vpcId: string; subnets: string[] }> {
  const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  const vpcId = vpcs.Vpcs![0]!.VpcId!;
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'default-for-az', Values: ['true'] }] }));
  return { vpcId, subnets: subnets.Subnets!.map((s) => s.SubnetId!) };
}

/** Advances the clock by `step` seconds at a time until every target of the group satisfies `ok`. */
export async function untilHealth(
  c: { url: string },
  elb: ElasticLoadBalancingV2Client,
  tgArn: string,
  ok: (all: TargetHealthDescription[]) => boolean,
  step = 5,
  ms = 20_000,
): Promise<TargetHealthDescription[]> {
  return until(
    'target health',
    async () => {
      const d = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
      if (ok(d.TargetHealthDescriptions!)) return d.TargetHealthDescriptions!;
      await advance(c, step);
      // give the real probes started by the tick a moment to answer
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    },
    ms,
  );
}

export const states = (all: TargetHealthDescription[]) => Object.fromEntries(all.map((t) => [t.Target!.Id!, t.TargetHealth!.State]));

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A GET (or other method) to Cumulus's port or a listener's port, with an explicit Host header. */
export function request(port: number, path: string, opts: { host?: string; method?: string; headers?: Record<string, string>; agent?: http.Agent | false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers }, agent: opts.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export const idOf = (r: Reply) => (JSON.parse(r.text) as { id: string }).id;
