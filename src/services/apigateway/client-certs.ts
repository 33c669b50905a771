// Client certificates: a self-signed X.509 certificate (RSA 2048, valid 365 days) API Gateway presents to HTTP
// backends of stages that name it, so a backend can tell API Gateway's calls from others. Only the public
// certificate is ever returned; the private key stays here for the data plane's TLS handshakes.
import type { ApigatewayOperations, ClientCertificate } from '../../generated/apigateway.js';
import { regional, type RequestContext } from '../../server/context.js';
import type { Scope, Store } from '../../state/db.js';
import { issueSelfSigned } from '../acm/issue.js';
import type { Handlers } from '../define.js';
import { notFound } from './errors.js';
import { newId } from './ids.js';
import { page } from './lookup.js';
import { applyPatches, scalars } from './patch.js';
import { SERVICE } from './store.js';

export interface ClientCertificateRecord {
  clientCertificateId: string;
  description?: string;
  pemEncodedCertificate: string;
  /** never returned: used to present the certificate to backends */
  privateKeyPem: string;
  createdDate: number;
  expirationDate: number;
  tags: Record<string, string>;
}

const VALIDITY_MS = 365 * 24 * 3600 * 1000;

export const clientCertificates = (store: Store) => store.table<ClientCertificateRecord>(SERVICE, 'clientcertificates');

export function clientCertificateOf(ctx: RequestContext, id: string): ClientCertificateRecord {
  const c = clientCertificates(ctx.store).get(regional(ctx), id);
  if (!c) throw notFound('Invalid Client Certificate identifier specified');
  return c;
}

/** The certificate and key a stage presents, for the data plane (undefined when it was deleted since). */
export function clientCertificateMaterial(store: Store, scope: Scope, id: string): { cert: string; key: string } | undefined {
  const c = clientCertificates(store).get(scope, id);
  return c ? { cert: c.pemEncodedCertificate, key: c.privateKeyPem } : undefined;
}

function view(c: ClientCertificateRecord): ClientCertificate {
  return {
    clientCertificateId: c.clientCertificateId,
    description: c.description,
    pemEncodedCertificate: c.pemEncodedCertificate,
    createdDate: new Date(c.createdDate),
    expirationDate: new Date(c.expirationDate),
    tags: Object.keys(c.tags).length ? c.tags : undefined,
  };
}

export const clientCertificateHandlers: Handlers<ApigatewayOperations> = {
  GenerateClientCertificate(ctx, { description, tags }) {
    const id = newId(6);
    const now = ctx.clock.now();
    // second precision, as X.509 times are
    const notBefore = new Date(Math.floor(now / 1000) * 1000);
    const notAfter = new Date(notBefore.getTime() + VALIDITY_MS);
    const issued = issueSelfSigned(`apigateway-${id}`, [], notBefore, notAfter, 'RSA_2048');
    const rec: ClientCertificateRecord = {
      clientCertificateId: id,
      description,
      pemEncodedCertificate: issued.certificatePem,
      privateKeyPem: issued.privateKeyPem,
      createdDate: now,
      expirationDate: notAfter.getTime(),
      tags: tags ?? {},
    };
    clientCertificates(ctx.store).put(regional(ctx), id, rec);
    return view(rec);
  },
  GetClientCertificate(ctx, { clientCertificateId }) {
    return view(clientCertificateOf(ctx, clientCertificateId));
  },
  GetClientCertificates(ctx, { position, limit }) {
    const all = clientCertificates(ctx.store).list(regional(ctx)).sort((a, b) => a.createdDate - b.createdDate || a.clientCertificateId.localeCompare(b.clientCertificateId));
    const p = page(all, (c) => c.clientCertificateId, position, limit);
    return { items: p.items.map(view), position: p.position };
  },
  UpdateClientCertificate(ctx, { clientCertificateId, patchOperations }) {
    const c = clientCertificateOf(ctx, clientCertificateId);
    applyPatches(c, patchOperations, scalars(['replace'], 'string', '/description'));
    clientCertificates(ctx.store).put(regional(ctx), clientCertificateId, c);
    return view(c);
  },
  DeleteClientCertificate(ctx, { clientCertificateId }) {
    clientCertificateOf(ctx, clientCertificateId);
    clientCertificates(ctx.store).delete(regional(ctx), clientCertificateId);
  },
};
