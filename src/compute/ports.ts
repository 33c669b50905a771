// Host ports for workloads: fixed ones checked free, others picked from the ephemeral range (as ECS dynamic
// ports are) or anywhere the kernel likes; ports handed out stay reserved until released, so two workloads
// starting at once never get the same one.
import dgram from 'node:dgram';
import net from 'node:net';
import { DriverError, type PortRequest, type ResolvedPort } from './driver.js';

export const EPHEMERAL_RANGE: readonly [number, number] = [32768, 61000];

/** Whether nothing listens on `port` (on any address). */
export function isPortFree(port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const s = dgram.createSocket('udp4');
      s.once('error', () => {
        s.close();
        resolve(false);
      });
      s.bind(port, '0.0.0.0', () => s.close(() => resolve(true)));
      return;
    }
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A port the kernel picks as free right now. */
export function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port: 0, host: '0.0.0.0', exclusive: true }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export class PortAllocator {
  private readonly reserved = new Set<number>();

  constructor(private readonly range: readonly [number, number] = EPHEMERAL_RANGE) {}

  /** Resolves the requests to host ports, reserving them; throws DriverError PortInUse for a busy fixed port. */
  async allocate(requests: readonly PortRequest[]): Promise<ResolvedPort[]> {
    const out: ResolvedPort[] = [];
    try {
      for (const req of requests) {
        const protocol = req.protocol ?? 'tcp';
        let hostPort = req.hostPort ?? 0;
        if (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535) {
          throw new DriverError('InvalidSpec', `invalid host port ${req.hostPort}`);
        }
        if (hostPort) {
          if (this.reserved.has(hostPort) || !(await isPortFree(hostPort, protocol))) {
            throw new DriverError('PortInUse', `host port ${hostPort}/${protocol} is already in use`);
          }
        } else {
          hostPort = await this.pick(req.range ?? 'ephemeral', protocol);
        }
        this.reserved.add(hostPort);
        const port: ResolvedPort = { containerPort: req.containerPort ?? hostPort, hostPort, protocol };
        if (req.name) port.name = req.name;
        out.push(port);
      }
    } catch (err) {
      this.release(out);
      throw err;
    }
    return out;
  }

  release(ports: readonly ResolvedPort[]): void {
    for (const p of ports) this.reserved.delete(p.hostPort);
  }

  private async pick(range: 'ephemeral' | 'any', protocol: 'tcp' | 'udp'): Promise<number> {
    if (range === 'any' && protocol === 'tcp') {
      for (let i = 0; i < 20; i++) {
        const port = await anyFreePort();
        if (!this.reserved.has(port)) return port;
      }
    }
    const [lo, hi] = this.range;
    for (let i = 0; i < 200; i++) {
      const port = lo + Math.floor(Math.random() * (hi - lo + 1));
      if (this.reserved.has(port)) continue;
      if (await isPortFree(port, protocol)) return port;
    }
    throw new DriverError('PortInUse', `no free host port in ${lo}-${hi}`);
  }
}

/** The variables that tell a workload its ports: PORT (the first), CUMULUS_PORT_<NAME or containerPort>,
 *  and CUMULUS_PORTS ("containerPort:hostPort/protocol,…"). */
export function portEnv(ports: readonly ResolvedPort[]): Record<string, string> {
  if (!ports.length) return {};
  const env: Record<string, string> = { PORT: String(ports[0]!.hostPort) };
  for (const p of ports) {
    env[`CUMULUS_PORT_${envName(p.name ?? String(p.containerPort))}`] = String(p.hostPort);
  }
  env.CUMULUS_PORTS = ports.map((p) => `${p.containerPort}:${p.hostPort}/${p.protocol}`).join(',');
  return env;
}

/** upper-cased, anything but letters and digits → '_' */
export function envName(s: string): string {
  return s.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}
