// The 'http-backend' fault: a backend (host:port) that Cumulus's own HTTP clients reach — load balancer
// targets and their health checks, API Gateway HTTP integrations — answers slowly, with an error status,
// or drops the connection, as an architect designs for. The backend itself is untouched; Cumulus's client
// side behaves as if it were failing.
import { FaultError, type FaultRegistry } from './faults.js';

export interface BackendFault {
  /** answer this status (with a short body) instead of the backend's answer */
  status?: number;
  /** hold the request this long (ms) before it reaches the backend */
  delayMs?: number;
  /** refuse the connection */
  reset?: boolean;
}

export function registerBackendFaults(faults: FaultRegistry): void {
  faults.register('http-backend', {
    description: 'a backend host:port that Cumulus calls (load balancer targets, API Gateway HTTP integrations) answers slowly (delayMs), with an error status (status), or refuses connections (reset)',
    apply(spec) {
      const port = Number(spec.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new FaultError('http-backend needs a "port" (1-65535) and optionally a "host" (default: any)');
      const host = spec.host === undefined ? '*' : String(spec.host);
      const status = spec.status === undefined ? undefined : Number(spec.status);
      if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 599)) throw new FaultError('"status" must be an HTTP status (100-599)');
      const delayMs = spec.delayMs === undefined ? undefined : Number(spec.delayMs);
      if (delayMs !== undefined && !(delayMs >= 0)) throw new FaultError('"delayMs" must be a non-negative number');
      if (status === undefined && delayMs === undefined && spec.reset !== true) throw new FaultError('http-backend needs one of "status", "delayMs" or "reset": true');
      return { target: `${host}:${port}` };
    },
  });
}

/** The fault, if any, on the backend at host:port (a fault without a host matches any host). */
export function backendFault(faults: FaultRegistry, host: string, port: number): BackendFault | undefined {
  const f = faults.find('http-backend', `${host}:${port}`)[0] ?? faults.find('http-backend', `*:${port}`)[0];
  if (!f) return undefined;
  const s = f.spec;
  return {
    ...(s.status !== undefined ? { status: Number(s.status) } : {}),
    ...(s.delayMs !== undefined ? { delayMs: Number(s.delayMs) } : {}),
    ...(s.reset === true ? { reset: true } : {}),
  };
}
