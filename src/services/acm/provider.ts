// A minimal ACM: import certificates (PEM, the key must match), request one (issued at once, self-signed,
// so HTTPS listeners work without DNS validation), describe, list, get, delete (refused while a load
// balancer uses it) and tags.
import { randomUUID, X509Certificate, createPrivateKey } from 'node:crypto';
import type { AcmOperations, CertificateDetail } from '../../generated/acm.js';
import { AwsError } from '../../protocol/errors.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { mergeTags, removeTags, tagList } from '../../protocol/tags.js';
import { regional, type RequestContext } from '../../server/context.js';
import { defineService, type Handlers } from '../define.js';
import { certificateUsers } from './index.js';
import { issueSelfSigned } from './issue.js';
import { table, type CertificateRecord } from './store.js';

const notFound = (a: string) => new AwsError('ResourceNotFoundException', `Could not find certificate ${a}.`);
const validation = (m: string) => new AwsError('ValidationException', m);

function get(ctx: RequestContext, a: string): CertificateRecord {
  const c = table(ctx).get(regional(ctx), a);
  if (!c) throw notFound(a);
  return c;
}

const text = (v: Uint8Array | string) => (typeof v === 'string' ? v : Buffer.from(v).toString('utf8'));

function keyAlgorithm(cert: X509Certificate): string {
  const k = cert.publicKey;
  if (k.asymmetricKeyType === 'rsa') return `RSA_${k.asymmetricKeyDetails?.modulusLength ?? 2048}`;
  const curve = k.asymmetricKeyDetails?.namedCurve;
  return curve === 'secp384r1' ? 'EC_secp384r1' : curve === 'secp521r1' ? 'EC_secp521r1' : 'EC_prime256v1';
}

function namesOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
}

const cn = (dn: string) => /CN=([^\n,]+)/.exec(dn)?.[1] ?? '';

function describeView(ctx: RequestContext, c: CertificateRecord): CertificateDetail {
  const inUse = certificateUsers(ctx, regional(ctx), c.CertificateArn);
  const issued = c.Type === 'AMAZON_ISSUED';
  return {
    CertificateArn: c.CertificateArn,
    DomainName: c.DomainName,
    SubjectAlternativeNames: c.SubjectAlternativeNames,
    DomainValidationOptions: issued ? c.SubjectAlternativeNames.map((DomainName) => ({ DomainName, ValidationDomain: DomainName, ValidationStatus: 'SUCCESS', ValidationMethod: 'DNS' })) : undefined,
    Serial: c.Serial,
    Subject: c.Subject,
    Issuer: c.Issuer,
    CreatedAt: issued ? c.CreatedAt : undefined,
    IssuedAt: c.IssuedAt,
    ImportedAt: c.ImportedAt,
    Status: new Date(c.NotAfter).getTime() < ctx.clock.now() ? 'EXPIRED' : c.Status,
    NotBefore: c.NotBefore,
    NotAfter: c.NotAfter,
    KeyAlgorithm: c.KeyAlgorithm as CertificateDetail['KeyAlgorithm'],
    SignatureAlgorithm: c.SignatureAlgorithm,
    InUseBy: inUse,
    Type: c.Type,
    KeyUsages: [{ Name: 'DIGITAL_SIGNATURE' }, { Name: 'KEY_ENCIPHERMENT' }],
    ExtendedKeyUsages: [
      { Name: 'TLS_WEB_SERVER_AUTHENTICATION', OID: '1.3.6.1.5.5.7.3.1' },
      { Name: 'TLS_WEB_CLIENT_AUTHENTICATION', OID: '1.3.6.1.5.5.7.3.2' },
    ],
    RenewalEligibility: issued ? (inUse.length ? 'ELIGIBLE' : 'INELIGIBLE') : 'INELIGIBLE',
    Options: { CertificateTransparencyLoggingPreference: 'ENABLED' },
  };
}

function serialOf(hex: string): string {
  return hex.toLowerCase().match(/.{1,2}/g)!.join(':');
}

function recordFromPem(ctx: RequestContext, a: string, certPem: string, keyPem: string, chainPem: string | undefined, type: CertificateRecord['Type'], tags: CertificateRecord['Tags']): CertificateRecord {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw validation('The certificate field contains an invalid certificate.');
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw validation('The private key is not supported.');
  }
  if (!cert.checkPrivateKey(key)) throw validation('The private key does not match the public key in the certificate.');
  if (chainPem) {
    try {
      new X509Certificate(chainPem);
    } catch {
      throw validation('The certificate chain field contains an invalid certificate.');
    }
  }
  const names = namesOf(cert);
  const domain = cn(cert.subject) || names[0] || '';
  const now = ctx.clock.date().toISOString();
  const rsa = cert.publicKey.asymmetricKeyType === 'rsa';
  return {
    CertificateArn: a,
    DomainName: domain,
    SubjectAlternativeNames: names.length ? names : [domain],
    Type: type,
    Status: 'ISSUED',
    CertificatePem: certPem,
    PrivateKeyPem: keyPem,
    ChainPem: chainPem,
    Serial: serialOf(cert.serialNumber),
    Subject: cert.subject.split('\n').join(','),
    Issuer: type === 'AMAZON_ISSUED' ? 'Amazon' : cn(cert.issuer) || cert.issuer.split('\n').join(','),
    NotBefore: new Date(cert.validFrom).toISOString(),
    NotAfter: new Date(cert.validTo).toISOString(),
    KeyAlgorithm: keyAlgorithm(cert),
    SignatureAlgorithm: rsa ? 'SHA256WITHRSA' : 'SHA256WITHECDSA',
    CreatedAt: now,
    ImportedAt: type === 'IMPORTED' ? now : undefined,
    IssuedAt: type === 'AMAZON_ISSUED' ? now : undefined,
    Tags: tags,
  };
}

const TAG_RULES = { code: 'ValidationException', limitCode: 'TooManyTagsException' };

const handlers: Handlers<AcmOperations> = {
  ImportCertificate(ctx, input) {
    const t = table(ctx);
    const existing = input.CertificateArn ? get(ctx, input.CertificateArn) : undefined;
    if (existing && existing.Type !== 'IMPORTED') throw validation('Only imported certificates can be reimported.');
    const a = existing?.CertificateArn ?? arn({ service: 'acm', region: ctx.region, account: ctx.account, resource: `certificate/${randomUUID()}` });
    if (existing && input.Tags?.length) throw validation('Tags cannot be specified when reimporting a certificate.');
    const rec = recordFromPem(ctx, a, text(input.Certificate), text(input.PrivateKey), input.CertificateChain ? text(input.CertificateChain) : undefined, 'IMPORTED', existing?.Tags ?? mergeTags({}, input.Tags ?? [], TAG_RULES));
    t.put(regional(ctx), a, rec);
    return { CertificateArn: a };
  },

  RequestCertificate(ctx, input) {
    if (input.CertificateAuthorityArn) throw validation('Private certificates are not supported by Cumulus.');
    const names = [input.DomainName, ...(input.SubjectAlternativeNames ?? []).filter((n) => n !== input.DomainName)];
    if (names.length > 100) throw new AwsError('LimitExceededException', 'A certificate can have at most 100 domain names.');
    for (const n of names) if (!/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(n) || n.length > 253) throw validation(`The domain name '${n}' is not valid.`);
    const now = ctx.clock.date();
    const notAfter = new Date(now.getTime() + 395 * 86_400_000);
    const issued = issueSelfSigned(input.DomainName, names, now, notAfter, input.KeyAlgorithm ?? 'RSA_2048');
    const a = arn({ service: 'acm', region: ctx.region, account: ctx.account, resource: `certificate/${randomUUID()}` });
    const rec = recordFromPem(ctx, a, issued.certificatePem, issued.privateKeyPem, undefined, 'AMAZON_ISSUED', mergeTags({}, input.Tags ?? [], TAG_RULES));
    table(ctx).put(regional(ctx), a, { ...rec, DomainName: input.DomainName, SubjectAlternativeNames: names });
    return { CertificateArn: a };
  },

  DescribeCertificate(ctx, input) {
    return { Certificate: describeView(ctx, get(ctx, input.CertificateArn)) };
  },

  GetCertificate(ctx, input) {
    const c = get(ctx, input.CertificateArn);
    return { Certificate: c.CertificatePem, CertificateChain: c.ChainPem };
  },

  ListCertificates(ctx, input) {
    let all = table(ctx).list(regional(ctx));
    const statuses = input.CertificateStatuses;
    if (statuses?.length) all = all.filter((c) => statuses.includes(describeView(ctx, c).Status!));
    if (input.Includes?.keyTypes?.length) all = all.filter((c) => input.Includes!.keyTypes!.includes(c.KeyAlgorithm as never));
    else all = all.filter((c) => ['RSA_1024', 'RSA_2048'].includes(c.KeyAlgorithm));
    if (input.SortBy === 'CREATED_AT') {
      all.sort((x, y) => x.CreatedAt.localeCompare(y.CreatedAt));
      if (input.SortOrder === 'DESCENDING') all.reverse();
    }
    const page = paginate(all, (c) => c.CertificateArn, { token: input.NextToken, max: input.MaxItems, defaultMax: 1000, invalidTokenCode: 'InvalidArgsException' });
    return {
      CertificateSummaryList: page.items.map((c) => {
        const d = describeView(ctx, c);
        return {
          CertificateArn: c.CertificateArn,
          DomainName: c.DomainName,
          SubjectAlternativeNameSummaries: c.SubjectAlternativeNames,
          HasAdditionalSubjectAlternativeNames: false,
          Status: d.Status,
          Type: c.Type,
          KeyAlgorithm: d.KeyAlgorithm,
          KeyUsages: ['DIGITAL_SIGNATURE', 'KEY_ENCIPHERMENT'],
          ExtendedKeyUsages: ['TLS_WEB_SERVER_AUTHENTICATION', 'TLS_WEB_CLIENT_AUTHENTICATION'],
          InUse: (d.InUseBy ?? []).length > 0,
          RenewalEligibility: d.RenewalEligibility,
          NotBefore: c.NotBefore,
          NotAfter: c.NotAfter,
          CreatedAt: c.CreatedAt,
          IssuedAt: c.IssuedAt,
          ImportedAt: c.ImportedAt,
        };
      }),
      NextToken: page.next,
    };
  },

  DeleteCertificate(ctx, input) {
    const c = get(ctx, input.CertificateArn);
    if (certificateUsers(ctx, regional(ctx), c.CertificateArn).length) {
      throw new AwsError('ResourceInUseException', `Certificate ${c.CertificateArn} in account ${ctx.account} is in use.`);
    }
    table(ctx).delete(regional(ctx), c.CertificateArn);
  },

  AddTagsToCertificate(ctx, input) {
    const c = get(ctx, input.CertificateArn);
    table(ctx).put(regional(ctx), c.CertificateArn, { ...c, Tags: mergeTags(c.Tags, input.Tags, TAG_RULES) });
  },

  RemoveTagsFromCertificate(ctx, input) {
    const c = get(ctx, input.CertificateArn);
    table(ctx).put(regional(ctx), c.CertificateArn, { ...c, Tags: removeTags(c.Tags, input.Tags.map((t) => t.Key)) });
  },

  ListTagsForCertificate(ctx, input) {
    return { Tags: tagList(get(ctx, input.CertificateArn).Tags) };
  },
};

export default defineService<AcmOperations>('acm', handlers, { validationErrorCode: 'ValidationException' });
