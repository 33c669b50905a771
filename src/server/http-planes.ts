// Data planes: traffic on the main port that is not an AWS API call (API Gateway stages, function URLs,
// load balancer hosts). Services register them at init through runtime.http.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WireRequest } from '../protocol/identify.js';
import type { HttpResult } from '../protocol/wire.js';

export interface PlaneInfo {
  /** Host header, lower-cased, with port */
  host: string;
  raw: http.IncomingMessage;
  /** the response; a plane that writes it itself (streaming, proxying) returns HANDLED */
  res: http.ServerResponse;
  sourceIp: string;
}

/** Returned by a plane that has written (or is writing) the response itself. */
export const HANDLED = Symbol('handled');

/** Answers the request (a result, or HANDLED), or returns undefined to let the next plane / the control plane have it. */
export type DataPlane = (req: WireRequest, info: PlaneInfo) => Promise<HttpResult | typeof HANDLED | undefined> | HttpResult | typeof HANDLED | undefined;

/** Takes an HTTP upgrade (WebSocket) if it is for this plane; returns false to pass. */
export type UpgradePlane = (raw: http.IncomingMessage, socket: Duplex, head: Buffer) => boolean;

export class HttpRegistry {
  readonly planes: DataPlane[] = [];
  readonly upgrades: UpgradePlane[] = [];

  addDataPlane(plane: DataPlane): void {
    this.planes.push(plane);
  }

  addUpgradePlane(plane: UpgradePlane): void {
    this.upgrades.push(plane);
  }
}
