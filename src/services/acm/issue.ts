// Issuing a certificate at once for RequestCertificate: a new key pair and a self-signed X.509 v3
// certificate for the domain (and its alternative names), written with node:crypto and DER.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { bitString, boolean, explicit, integer, nil, octets, oid, sequence, set, time, tlv, utf8 } from './der.js';

export interface Issued {
  certificatePem: string;
  privateKeyPem: string;
  serial: Buffer;
}

const toPem = (der: Buffer, label: string) => `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;

export function issueSelfSigned(domain: string, names: string[], notBefore: Date, notAfter: Date, keyAlgorithm: string): Issued {
  const ec = keyAlgorithm.startsWith('EC_');
  const { privateKey, publicKey } = ec
    ? generateKeyPairSync('ec', { namedCurve: keyAlgorithm === 'EC_secp384r1' ? 'secp384r1' : keyAlgorithm === 'EC_secp521r1' ? 'secp521r1' : 'prime256v1' })
    : generateKeyPairSync('rsa', { modulusLength: Number(/RSA_(\d+)/.exec(keyAlgorithm)?.[1] ?? '2048') });
  const sigAlg = ec ? sequence(oid('1.2.840.10045.4.3.2')) : sequence(oid('1.2.840.113549.1.1.11'), nil());
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8(domain))));
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const san = sequence(...[...new Set([domain, ...names])].map((n) => tlv(0x82, Buffer.from(n, 'ascii'))));
  const extensions = explicit(
    3,
    sequence(
      sequence(oid('2.5.29.19'), boolean(true), octets(sequence())),
      sequence(oid('2.5.29.15'), boolean(true), octets(tlv(0x03, Buffer.from([0x05, 0xa0])))),
      sequence(oid('2.5.29.37'), octets(sequence(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')))),
      sequence(oid('2.5.29.17'), octets(san)),
    ),
  );
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const tbs = sequence(explicit(0, integer(Buffer.from([2]))), integer(serial), sigAlg, name, sequence(time(notBefore), time(notAfter)), name, spki, extensions);
  const signature = sign('sha256', tbs, privateKey);
  const cert = sequence(tbs, sigAlg, bitString(signature));
  return { certificatePem: toPem(cert, 'CERTIFICATE'), privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, serial };
}

export { createPrivateKey, createPublicKey };
