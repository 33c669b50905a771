// The instance metadata service: one small HTTP listener per running instance on 127.0.0.1, so each
// instance is answered about itself only. The workload finds it through AWS_EC2_METADATA_SERVICE_ENDPOINT
// (what the AWS SDKs read) and IMDS (for `curl $IMDS/latest/meta-data/`). IMDSv1 and v2 (session tokens
// on the clock; HttpTokens=required refuses requests without one).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as iam from '../iam/index.js';
import * as sts from '../sts/index.js';
import { availabilityZones, keyPairByName, type Ec2Ctx } from './network.js';
import { statusChecksOf } from './status-checks.js';
import { getRecord, privateDnsName, publicDnsName, publicIpOf, type InstanceRecord } from './instances.js';

export interface ImdsServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

type Node = string | { [name: string]: Node | undefined };

interface CachedCredentials {
  roleArn: string;
  body: string;
  expiration: number;
}

/** Refresh the role's credentials when less than this is left (AWS rotates them well before expiry). */
const REFRESH_BEFORE_MS = 15 * 60_000;
const CREDENTIAL_SECONDS = 6 * 3600;

export async function startImds(ctx: Ec2Ctx, instanceId: string): Promise<ImdsServer> {
  const tokens = new Map<string, number>();
  let credentials: CachedCredentials | undefined;

  const roleCredentials = (r: InstanceRecord, roleArn: string): string => {
    const now = ctx.clock.now();
    if (!credentials || credentials.roleArn !== roleArn || credentials.expiration - now < REFRESH_BEFORE_MS) {
      const issued = sts.issueRoleCredentials(ctx, { region: ctx.region }, roleArn, r.InstanceId, CREDENTIAL_SECONDS);
      const c = issued.Credentials;
      credentials = {
        roleArn,
        expiration: c.Expiration.getTime(),
        body: JSON.stringify(
          {
            Code: 'Success',
            LastUpdated: iso(ctx.clock.date()),
            Type: 'AWS-HMAC',
            AccessKeyId: c.AccessKeyId,
            SecretAccessKey: c.SecretAccessKey,
            Token: c.SessionToken,
            Expiration: iso(c.Expiration),
          },
          null,
          2,
        ),
      };
    }
    return credentials.body;
  };

  const metadata = (r: InstanceRecord): Node => {
    const zone = availabilityZones(ctx.region).find((z) => z.ZoneName === r.AvailabilityZone);
    const publicIp = publicIpOf(ctx, r);
    const localHost = privateDnsName(ctx.region, r.PrivateIpAddress);
    const groups = r.Groups.map((g) => g.GroupName).join('\n');
    const mac: Node = {
      'device-number': '0',
      'interface-id': r.NetworkInterfaceId,
      'local-hostname': localHost,
      'local-ipv4s': r.PrivateIpAddress,
      mac: r.MacAddress,
      'owner-id': r.OwnerId,
      'public-hostname': publicIp ? publicDnsName(ctx.region, publicIp) : undefined,
      'public-ipv4s': publicIp,
      'security-group-ids': r.Groups.map((g) => g.GroupId).join('\n'),
      'security-groups': groups,
      'subnet-id': r.SubnetId,
      'vpc-id': r.VpcId,
    };
    const tree: Record<string, Node | undefined> = {
      'ami-id': r.ImageId,
      'ami-launch-index': String(r.AmiLaunchIndex),
      'ami-manifest-path': '(unknown)',
      'block-device-mapping': { ami: r.RootDeviceType === 'ebs' ? '/dev/xvda' : 'sda1', root: r.RootDeviceName },
      events: { maintenance: { scheduled: scheduledEvents(ctx, r), history: '[]' } },
      hostname: localHost,
      'instance-action': 'none',
      'instance-id': r.InstanceId,
      'instance-life-cycle': r.SpotInstanceRequestId ? 'spot' : 'on-demand',
      'instance-type': r.InstanceType,
      'local-hostname': localHost,
      'local-ipv4': r.PrivateIpAddress,
      mac: r.MacAddress,
      network: { interfaces: { macs: { [r.MacAddress]: mac } } },
      placement: {
        'availability-zone': r.AvailabilityZone,
        'availability-zone-id': zone?.ZoneId ?? r.AvailabilityZoneId,
        region: ctx.region,
      },
      profile: 'default-hvm',
      'public-hostname': publicIp ? publicDnsName(ctx.region, publicIp) : undefined,
      'public-ipv4': publicIp,
      'reservation-id': r.ReservationId,
      'security-groups': groups,
      services: { domain: 'amazonaws.com', partition: 'aws' },
    };
    // a spot instance's two-minute notice: absent (404) until EC2 posts it
    if (r.SpotNotice) {
      tree.spot = {
        'instance-action': JSON.stringify({ action: r.SpotNotice.action, time: r.SpotNotice.time }),
        'termination-time': r.SpotNotice.action === 'terminate' ? r.SpotNotice.time : undefined,
      };
    }
    const key = r.KeyName ? keyPairByName(ctx, r.KeyName) : undefined;
    if (key) tree['public-keys'] = { [`0=${key.KeyName}`]: { 'openssh-key': `${opensshKey(key.PublicKey, key.KeyName)}\n` } };
    if (r.IamInstanceProfile) {
      const found = iam.instanceProfileByArnOrName(ctx, ctx.account, r.IamInstanceProfile.Arn);
      tree.iam = {
        info: JSON.stringify(
          { Code: 'Success', LastUpdated: iso(ctx.clock.date()), InstanceProfileArn: r.IamInstanceProfile.Arn, InstanceProfileId: r.IamInstanceProfile.Id },
          null,
          2,
        ),
        'security-credentials': found?.role ? { [found.role.RoleName]: roleCredentials(r, found.role.Arn) } : {},
      };
    }
    if (r.MetadataOptions.InstanceMetadataTags === 'enabled') tree.tags = { instance: Object.fromEntries(Object.entries(r.Tags)) };
    return tree;
  };

  const identity = (r: InstanceRecord): string =>
    JSON.stringify(
      {
        accountId: r.OwnerId,
        architecture: r.Architecture,
        availabilityZone: r.AvailabilityZone,
        billingProducts: null,
        devpayProductCodes: null,
        marketplaceProductCodes: null,
        imageId: r.ImageId,
        instanceId: r.InstanceId,
        instanceType: r.InstanceType,
        kernelId: null,
        pendingTime: r.PendingTime.replace(/\.\d{3}Z$/, 'Z'),
        privateIp: r.PrivateIpAddress,
        ramdiskId: null,
        region: ctx.region,
        version: '2017-09-30',
      },
      null,
      2,
    );

  const answer = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), server: 'EC2ws', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const r = getRecord(ctx, instanceId);
    if (!r || (r.State !== 'running' && r.State !== 'pending' && r.State !== 'stopping' && r.State !== 'shutting-down')) return send(404, notFound());
    if (r.MetadataOptions.HttpEndpoint === 'disabled') return send(403, forbidden());
    const url = (req.url ?? '/').split('?')[0]!.replace(/\/{2,}/g, '/');
    const now = ctx.clock.now();
    if (url === '/latest/api/token') {
      if (req.method !== 'PUT') return send(405, '');
      if (req.headers['x-forwarded-for']) return send(403, forbidden());
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return send(400, badRequest());
      const token = randomBytes(42).toString('base64').replace(/[+/=]/g, 'A');
      tokens.set(token, now + ttl * 1000);
      for (const [t, exp] of tokens) if (exp <= now) tokens.delete(t);
      return send(200, token, { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, '');
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (typeof token === 'string') {
      const exp = tokens.get(token);
      if (exp === undefined || exp <= now) return send(401, unauthorized());
    } else if (r.MetadataOptions.HttpTokens === 'required') return send(401, unauthorized());

    if (url === '/') return send(200, ['1.0', '2007-01-19', '2021-07-15', '2024-04-11', 'latest'].join('\n'));
    if (url === '/latest' || url === '/latest/') return send(200, 'dynamic\nmeta-data\nuser-data');
    if (url === '/latest/user-data' || url === '/latest/user-data/') {
      const data = r.UserData ? Buffer.from(r.UserData, 'base64') : undefined;
      if (!data) return send(404, notFound());
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length, server: 'EC2ws' });
      return void res.end(req.method === 'HEAD' ? undefined : data);
    }
    if (url.startsWith('/latest/dynamic')) {
      const dyn: Node = { 'instance-identity': { document: identity(r), signature: signature(r), pkcs7: signature(r) }, 'fws/': undefined };
      return serveNode(dyn, url.slice('/latest/dynamic'.length), send);
    }
    if (url.startsWith('/latest/meta-data')) return serveNode(metadata(r), url.slice('/latest/meta-data'.length), send);
    return send(404, notFound());
  };

  const server = http.createServer((req, res) => {
    try {
      answer(req, res);
    } catch (err) {
      const body = `${(err as Error).message}`;
      res.writeHead(500, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serveNode(root: Node, rest: string, send: (status: number, body: string) => void): void {
  const parts = rest.split('/').filter((p) => p !== '');
  let node: Node | undefined = root;
  for (const p of parts) {
    if (typeof node !== 'object') return send(404, notFound());
    // public-keys/0/ addresses the key by index as well as by "0=name"
    node = node[p] ?? Object.entries(node).find(([k]) => k.startsWith(`${p}=`))?.[1];
    if (node === undefined) return send(404, notFound());
  }
  if (typeof node === 'string') return send(200, node);
  const listing = Object.entries(node!)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (typeof v === 'object' ? (k.includes('=') ? k : `${k}/`) : k));
  send(200, listing.join('\n'));
}

/** events/maintenance/scheduled: the instance's scheduled events in the metadata service's own format. */
function scheduledEvents(ctx: Ec2Ctx, r: InstanceRecord): string {
  const events = statusChecksOf(ctx.clock)?.eventsOf(r) ?? [];
  const gmt = (d: Date | string | undefined) => (d ? new Date(d).toUTCString().replace(/^\w+, /, '') : undefined);
  return JSON.stringify(
    events.map((e) => ({ NotBefore: gmt(e.NotBefore), Code: e.Code, Description: e.Description, EventId: e.InstanceEventId, NotAfter: gmt(e.NotAfter), State: 'active' })),
    null,
    2,
  );
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function signature(r: InstanceRecord): string {
  return Buffer.from(`cumulus:${r.InstanceId}:${r.PendingTime}`).toString('base64');
}

const page = (code: number, title: string) =>
  `<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n <head>\n  <title>${code} - ${title}</title>\n </head>\n <body>\n  <h1>${code} - ${title}</h1>\n </body>\n</html>\n`;
const notFound = () => page(404, 'Not Found');
const unauthorized = () => page(401, 'Unauthorized');
const forbidden = () => page(403, 'Forbidden');
const badRequest = () => page(400, 'Bad Request');

/** The key as EC2 serves it: "type base64 name" (the key's own comment, else its name). */
function opensshKey(publicKey: string, name: string): string {
  const parts = publicKey.trim().split(/\s+/);
  return parts.length >= 3 ? parts.join(' ') : `${parts.join(' ')} ${name}`;
}
