// ACM certificate records (regional): the PEM material and what AWS shows about it.
import type { TagMap } from '../../protocol/tags.js';
import type { Store } from '../../state/db.js';

export interface CertificateRecord {
  CertificateArn: string;
  DomainName: string;
  SubjectAlternativeNames: string[];
  Type: 'IMPORTED' | 'AMAZON_ISSUED';
  Status: 'ISSUED' | 'PENDING_VALIDATION' | 'EXPIRED' | 'FAILED';
  CertificatePem: string;
  PrivateKeyPem: string;
  ChainPem?: string;
  Serial: string;
  Subject: string;
  Issuer: string;
  NotBefore: string;
  NotAfter: string;
  KeyAlgorithm: string;
  SignatureAlgorithm: string;
  CreatedAt: string;
  ImportedAt?: string;
  IssuedAt?: string;
  Tags: TagMap;
}

export const table = (ctx: { store: Store }) => ctx.store.table<CertificateRecord>('acm', 'certificate');
