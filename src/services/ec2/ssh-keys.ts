// Key material: real RSA / Ed25519 keys, OpenSSH encodings and fingerprints as EC2 computes them.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { AwsError } from '../../protocol/errors.js';

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function mpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  let v = b.subarray(i);
  if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return sshString(v);
}

/** The public key's SSH wire blob (what follows "ssh-rsa " in base64). */
export function sshBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as { kty: string; n?: string; e?: string; x?: string };
  if (jwk.kty === 'RSA') {
    return Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e!, 'base64url')), mpint(Buffer.from(jwk.n!, 'base64url'))]);
  }
  return Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.from(jwk.x!, 'base64url'))]);
}

export function openSshPublicKey(key: KeyObject, comment?: string): string {
  const type = key.asymmetricKeyType === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519';
  return `${type} ${sshBlob(key).toString('base64')}${comment ? ` ${comment}` : ''}`;
}

const colonHex = (b: Buffer) => b.toString('hex').match(/../g)!.join(':');

/** An unencrypted OpenSSH private key file for an Ed25519 key (what EC2 returns for ed25519 key pairs). */
function openSshEd25519Private(priv: KeyObject, pub: KeyObject, comment: string): string {
  const d = Buffer.from((priv.export({ format: 'jwk' }) as { d: string }).d, 'base64url');
  const x = Buffer.from((pub.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
  const blob = sshBlob(pub);
  const check = randomBytes(4);
  let section = Buffer.concat([check, check, sshString(Buffer.from('ssh-ed25519')), sshString(x), sshString(Buffer.concat([d, x])), sshString(Buffer.from(comment))]);
  const pad: number[] = [];
  for (let i = 1; (section.length + pad.length) % 8 !== 0; i++) pad.push(i);
  section = Buffer.concat([section, Buffer.from(pad)]);
  const nkeys = Buffer.alloc(4);
  nkeys.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(Buffer.from('none')),
    sshString(Buffer.from('none')),
    sshString(Buffer.alloc(0)),
    nkeys,
    sshString(blob),
    sshString(section),
  ]);
  const b64 = body.toString('base64').match(/.{1,70}/g)!.join('\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

export interface GeneratedKey {
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/** CreateKeyPair: RSA 2048 in PKCS#1 PEM (fingerprint: SHA-1 of the PKCS#8 DER private key) or Ed25519. */
export function generateKey(type: 'rsa' | 'ed25519', name: string): GeneratedKey {
  if (type === 'ed25519') {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return {
      privateKey: openSshEd25519Private(privateKey, publicKey, name),
      publicKey: openSshPublicKey(publicKey, name),
      fingerprint: createHash('sha256').update(sshBlob(publicKey)).digest('base64'),
    };
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (privateKey.export({ type: 'pkcs1', format: 'pem' }) as string).trimEnd();
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  return { privateKey: pem, publicKey: openSshPublicKey(publicKey, name), fingerprint: colonHex(createHash('sha1').update(der).digest()) };
}

function readSshString(b: Buffer, off: number): [Buffer, number] {
  if (off + 4 > b.length) throw new Error('short');
  const len = b.readUInt32BE(off);
  if (off + 4 + len > b.length) throw new Error('short');
  return [b.subarray(off + 4, off + 4 + len), off + 4 + len];
}

const invalidFormat = () => new AwsError('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');

/** ImportKeyPair: the key as text (OpenSSH one-liner or PEM), checked; MD5 fingerprint for RSA, SHA-256 for Ed25519. */
export function importKey(material: Uint8Array | string, name: string): { publicKey: string; fingerprint: string; type: 'rsa' | 'ed25519' } {
  let text = (typeof material === 'string' ? material : Buffer.from(material).toString('utf8')).trim();
  if (!/^(ssh-|-----BEGIN|ecdsa-)/.test(text)) {
    const decoded = Buffer.from(text, 'base64').toString('utf8').trim();
    if (/^(ssh-|-----BEGIN)/.test(decoded)) text = decoded;
  }
  let key: KeyObject;
  try {
    if (text.startsWith('-----BEGIN')) {
      key = createPublicKey(text);
    } else {
      const m = /^(ssh-rsa|ssh-ed25519)\s+([A-Za-z0-9+/=]+)(\s.*)?$/.exec(text);
      if (!m) throw invalidFormat();
      const blob = Buffer.from(m[2]!, 'base64');
      const [type, o1] = readSshString(blob, 0);
      if (type.toString() !== m[1]) throw invalidFormat();
      if (m[1] === 'ssh-rsa') {
        const [e, o2] = readSshString(blob, o1);
        const [n] = readSshString(blob, o2);
        key = createPublicKey({ key: { kty: 'RSA', e: e.toString('base64url'), n: n.toString('base64url') }, format: 'jwk' });
      } else {
        const [x] = readSshString(blob, o1);
        if (x.length !== 32) throw invalidFormat();
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: x.toString('base64url') }, format: 'jwk' });
      }
    }
  } catch (e) {
    if (e instanceof AwsError) throw e;
    throw invalidFormat();
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = (key.asymmetricKeyDetails?.modulusLength ?? 0);
    if (bits < 1024 || bits > 4096) throw new AwsError('InvalidKey.Format', 'Invalid RSA key length. Supported lengths are 1024, 2048 and 4096 bits.');
    const der = key.export({ type: 'spki', format: 'der' });
    return { publicKey: openSshPublicKey(key, name), fingerprint: colonHex(createHash('md5').update(der).digest()), type: 'rsa' };
  }
  if (key.asymmetricKeyType === 'ed25519') {
    return { publicKey: openSshPublicKey(key, name), fingerprint: createHash('sha256').update(sshBlob(key)).digest('base64'), type: 'ed25519' };
  }
  throw invalidFormat();
}
