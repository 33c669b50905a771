// The predefined security policies (DescribeSSLPolicies) and which protocols each allows.
import type { SslPolicy } from '../../generated/elbv2.js';

const TLS12_CIPHERS = ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA384'];
const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const LEGACY_CIPHERS = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA', 'AES128-GCM-SHA256', 'AES128-SHA256', 'AES128-SHA', 'AES256-GCM-SHA384', 'AES256-SHA256', 'AES256-SHA'];

interface Def {
  name: string;
  protocols: string[];
  ciphers: string[];
}

const DEFS: Def[] = [
  { name: 'ELBSecurityPolicy-TLS13-1-2-2021-06', protocols: ['TLSv1.2', 'TLSv1.3'], ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS, ...LEGACY_CIPHERS.slice(4, 10)] },
  { name: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06', protocols: ['TLSv1.2', 'TLSv1.3'], ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS.filter((c) => c.includes('GCM'))] },
  { name: 'ELBSecurityPolicy-TLS13-1-3-2021-06', protocols: ['TLSv1.3'], ciphers: TLS13_CIPHERS },
  { name: 'ELBSecurityPolicy-TLS13-1-0-2021-06', protocols: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS, ...LEGACY_CIPHERS] },
  { name: 'ELBSecurityPolicy-2016-08', protocols: ['TLSv1', 'TLSv1.1', 'TLSv1.2'], ciphers: [...TLS12_CIPHERS, ...LEGACY_CIPHERS] },
  { name: 'ELBSecurityPolicy-TLS-1-1-2017-01', protocols: ['TLSv1.1', 'TLSv1.2'], ciphers: [...TLS12_CIPHERS, ...LEGACY_CIPHERS] },
  { name: 'ELBSecurityPolicy-TLS-1-2-2017-01', protocols: ['TLSv1.2'], ciphers: [...TLS12_CIPHERS, ...LEGACY_CIPHERS.slice(4, 10)] },
  { name: 'ELBSecurityPolicy-TLS-1-2-Ext-2018-06', protocols: ['TLSv1.2'], ciphers: [...TLS12_CIPHERS, ...LEGACY_CIPHERS] },
  { name: 'ELBSecurityPolicy-FS-1-2-Res-2020-10', protocols: ['TLSv1.2'], ciphers: TLS12_CIPHERS.filter((c) => c.includes('GCM')) },
  { name: 'ELBSecurityPolicy-2015-05', protocols: ['TLSv1', 'TLSv1.1', 'TLSv1.2'], ciphers: [...TLS12_CIPHERS, ...LEGACY_CIPHERS] },
];

export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

export function sslPolicy(name: string): Def | undefined {
  return DEFS.find((d) => d.name === name);
}

export function sslPolicies(): SslPolicy[] {
  return DEFS.map((d) => ({
    Name: d.name,
    SslProtocols: d.protocols,
    Ciphers: d.ciphers.map((Name, i) => ({ Name, Priority: i + 1 })),
    SupportedLoadBalancerTypes: ['application', 'network'],
  }));
}

/** Node's minVersion/maxVersion for a policy. */
export function tlsVersions(name: string | undefined): { minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; maxVersion: 'TLSv1.2' | 'TLSv1.3' } {
  const p = sslPolicy(name ?? DEFAULT_SSL_POLICY) ?? sslPolicy(DEFAULT_SSL_POLICY)!;
  return { minVersion: p.protocols[0] as 'TLSv1', maxVersion: p.protocols.includes('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2' };
}
