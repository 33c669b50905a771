// Internal endpoints: /_cumulus/health, /_cumulus/reset, /_cumulus/clock[/advance], and LocalStack's health.
import fs from 'node:fs';
import { serviceIndex } from '../protocol/model.js';
import type { WireRequest } from '../protocol/identify.js';
import type { HttpResult } from '../protocol/wire.js';
import type { Runtime } from './context.js';
import type { ControlPlane } from './dispatch.js';
import { FaultError, type FaultSpec } from './faults.js';

export const VERSION: string = (() => {
  try {
    return JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version as string;
  } catch {
    return JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
  }
})();

/** The last instant a JavaScript Date can hold. */
const MAX_EPOCH_MILLIS = 8.64e15;
/** A million times real time: a year passes in about half a minute. Faster would overflow dates within hours. */
export const MAX_CLOCK_SPEED = 1_000_000;

const json = (status: number, body: unknown): HttpResult => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const problem = (status: number, message: string) => json(status, { error: message });

interface InternalDeps {
  runtime: Runtime;
  controlPlane: ControlPlane;
  startedAt: number;
}

function parseBody(req: WireRequest): Record<string, unknown> | undefined {
  if (!req.body.length) return {};
  try {
    const v = JSON.parse(req.body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export async function handleInternal(req: WireRequest, deps: InternalDeps): Promise<HttpResult> {
  const { runtime, controlPlane } = deps;
  const route = `${req.method} ${req.path.replace(/\/+$/, '')}`;
  switch (route) {
    case 'GET /_cumulus/health':
    case 'HEAD /_cumulus/health':
      return json(200, {
        status: 'running',
        version: VERSION,
        uptime: Math.round((Date.now() - deps.startedAt) / 1000),
        dataDir: runtime.config.dataDir ?? null,
        clock: { now: runtime.clock.date().toISOString(), speed: runtime.clock.getSpeed() },
        services: Object.fromEntries(
          serviceIndex()
            .filter((e) => e.vendored || controlPlane.implemented(e.id))
            .map((e) => [e.id, { implemented: controlPlane.implemented(e.id), operations: implementedOps(controlPlane, e.id) }]),
        ),
      });
    case 'GET /_localstack/health':
    case 'HEAD /_localstack/health':
      // LocalStack's shape, so tools that wait on it (testcontainers, awslocal scripts) work unchanged
      return json(200, {
        services: Object.fromEntries(
          serviceIndex()
            .filter((e) => e.vendored || controlPlane.implemented(e.id))
            .map((e) => [e.id, controlPlane.implemented(e.id) ? 'running' : 'disabled']),
        ),
        edition: 'community',
        version: `cumulus-${VERSION}`,
      });
    case 'GET /_localstack/info':
      return json(200, { version: `cumulus-${VERSION}`, edition: 'community', is_license_activated: false, uptime: Math.round((Date.now() - deps.startedAt) / 1000) });
    case 'POST /_cumulus/reset': {
      const service = req.query.get('service') ?? undefined;
      if (service && !controlPlane.implemented(service)) return problem(400, `unknown service: ${service}`);
      runtime.store.reset(service);
      runtime.bus.emit('reset', { service });
      return json(200, { reset: service ?? 'all' });
    }
    case 'GET /_cumulus/clock':
      return json(200, { now: runtime.clock.date().toISOString(), epochMillis: runtime.clock.now(), speed: runtime.clock.getSpeed() });
    case 'POST /_cumulus/clock/advance': {
      const body = parseBody(req);
      const seconds = body?.seconds;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        return problem(400, 'expected a JSON body {"seconds": N} with N a non-negative number');
      }
      // past the last date JavaScript can represent, every timestamp Cumulus writes would fail
      if (runtime.clock.now() + seconds * 1000 > MAX_EPOCH_MILLIS) return problem(400, `advancing by ${seconds} seconds would pass the year 275760`);
      runtime.clock.advance(seconds);
      return json(200, { now: runtime.clock.date().toISOString(), epochMillis: runtime.clock.now(), speed: runtime.clock.getSpeed() });
    }
    case 'POST /_cumulus/clock/speed': {
      const body = parseBody(req);
      const speed = body?.speed;
      if (typeof speed !== 'number' || !(speed > 0) || !(speed <= MAX_CLOCK_SPEED)) {
        return problem(400, `expected a JSON body {"speed": N} with 0 < N <= ${MAX_CLOCK_SPEED}`);
      }
      runtime.clock.setSpeed(speed);
      return json(200, { now: runtime.clock.date().toISOString(), speed });
    }
    case 'GET /_cumulus/faults':
      return json(200, { faults: runtime.faults.list() });
    case 'GET /_cumulus/faults/kinds':
      return json(200, { kinds: runtime.faults.kindNames() });
    case 'POST /_cumulus/faults': {
      const body = parseBody(req);
      if (!body || typeof body.kind !== 'string') return problem(400, 'expected a JSON body {"kind": "...", ...} naming the fault; GET /_cumulus/faults/kinds lists them');
      try {
        return json(201, { fault: runtime.faults.inject(body as FaultSpec) });
      } catch (err) {
        if (err instanceof FaultError) return problem(400, err.message);
        throw err;
      }
    }
    case 'DELETE /_cumulus/faults':
      return json(200, { cleared: runtime.faults.clearAll() });
    default:
      if (req.method === 'DELETE' && route.startsWith('DELETE /_cumulus/faults/')) {
        const id = decodeURIComponent(route.slice('DELETE /_cumulus/faults/'.length));
        return runtime.faults.clear(id) ? json(200, { cleared: 1 }) : problem(404, `no active fault ${id}`);
      }
      return problem(404, `no internal endpoint ${route}`);
  }
}

function implementedOps(controlPlane: ControlPlane, id: string): number {
  const s = controlPlane.service(id);
  return s ? Object.values(s.handlers).filter(Boolean).length : 0;
}
