// ACM's public API for other services: load balancers terminate TLS with a certificate's material.
import type { Runtime } from '../../server/context.js';
import type { Scope } from '../../state/db.js';
import { table } from './store.js';

export interface CertificateMaterial {
  certificatePem: string;
  privateKeyPem: string;
  chainPem?: string;
  domainName: string;
}

/** The certificate and key of an issued certificate, or undefined when there is none by that ARN. */
export function certificateMaterial(runtime: Pick<Runtime, 'store'>, scope: Scope, arn: string): CertificateMaterial | undefined {
  const c = table(runtime).get(scope, arn);
  if (!c || c.Status !== 'ISSUED') return undefined;
  return { certificatePem: c.CertificatePem, privateKeyPem: c.PrivateKeyPem, chainPem: c.ChainPem, domainName: c.DomainName };
}

/** Who uses certificates (load balancers register a lookup), for DescribeCertificate's InUseBy and DeleteCertificate. */
const users: ((runtime: Pick<Runtime, 'store'>, scope: Scope, arn: string) => string[])[] = [];

export function registerCertificateUser(fn: (runtime: Pick<Runtime, 'store'>, scope: Scope, arn: string) => string[]): void {
  users.push(fn);
}

export function certificateUsers(runtime: Pick<Runtime, 'store'>, scope: Scope, arn: string): string[] {
  return [...new Set(users.flatMap((u) => u(runtime, scope, arn)))];
}
