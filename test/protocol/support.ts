// Helpers for the protocol tests: raw requests in each protocol, and picking operations Cumulus does not
// serve yet (so a test of the NotImplemented error keeps working while services land).
import type { Cumulus } from '../../src/server/server.js';
import { fakeAuth } from '../helpers/cumulus.js';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

export async function send(c: { url: string }, path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  const res = await fetch(`${c.url}${path}`, { method: init.method ?? 'POST', headers: init.headers, body: init.body as BodyInit | undefined });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A query/ec2 request: form-encoded body, SigV4-looking authorization for `service`. */
export function query(c: { url: string }, service: string, params: Record<string, string>): Promise<RawResponse> {
  return send(c, '/', {
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: fakeAuth(service) },
    body: new URLSearchParams(params).toString(),
  });
}

/** A JSON-protocol request: X-Amz-Target and a JSON body. */
export function json(c: { url: string }, service: string, target: string, body: unknown, version = '1.1'): Promise<RawResponse> {
  return send(c, '/', {
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': target, authorization: fakeAuth(service) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Whether Cumulus has a handler for the operation. */
export function serves(c: Cumulus, service: string, operation: string): boolean {
  return Boolean(c.controlPlane.service(service)?.handlers[operation]);
}

/** The first [service, operation] Cumulus does not serve yet, or undefined when it serves them all. */
export function firstUnserved(c: Cumulus, candidates: [string, string][]): [string, string] | undefined {
  return candidates.find(([s, op]) => !serves(c, s, op));
}

/** The validation error code of a service: its own when it declares one, else the protocol's. */
export function validationCode(c: Cumulus, service: string, protocolDefault: string): string {
  return c.controlPlane.service(service)?.options.validationErrorCode ?? protocolDefault;
}

/** The text of the first element `name` of an XML document (entities decoded). */
export function xmlText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
