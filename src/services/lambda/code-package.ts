// Deployment packages and layer contents on disk, content-addressed by the zip's sha256:
// <base>/code/<hex>.zip (what GetFunction's Code.Location serves) and <base>/code/<hex>/ (unpacked).
// The base is <dataDir>/lambda with a data dir, else a temp dir removed when Cumulus stops.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AwsError } from '../../protocol/errors.js';
import type { Store } from '../../state/db.js';
import { invalidParameter } from './errors.js';
import { tables } from './store.js';
import { extractZip, readEntries, unzippedSize, ZipError } from './zip.js';

export const LIMITS = {
  CodeSizeZipped: 52_428_800,
  CodeSizeUnzipped: 262_144_000,
  TotalCodeSize: 80_530_636_800,
};

interface Base {
  dir: string;
  temp: boolean;
}

const bases = new WeakMap<Store, Base>();

export function openCodeStore(store: Store, dataDir: string | undefined): void {
  const dir = dataDir ? path.join(dataDir, 'lambda') : fs.mkdtempSync(path.join(os.tmpdir(), 'cumulus-lambda-'));
  fs.mkdirSync(path.join(dir, 'code'), { recursive: true });
  bases.set(store, { dir, temp: !dataDir });
}

export function closeCodeStore(store: Store): void {
  pending.get(store)?.cancel();
  pending.delete(store);
  const base = bases.get(store);
  if (base?.temp) fs.rmSync(base.dir, { recursive: true, force: true });
  bases.delete(store);
}

function base(store: Store): string {
  const b = bases.get(store);
  if (!b) throw new Error('lambda code store is not open');
  return b.dir;
}

export function codeDir(store: Store, hex: string): string {
  return path.join(base(store), 'code', hex);
}

export function zipFile(store: Store, hex: string): string {
  return path.join(base(store), 'code', `${hex}.zip`);
}

export interface StoredPackage {
  /** base64 sha256, as CodeSha256 */
  CodeSha256: string;
  hex: string;
  CodeSize: number;
  UnzippedSize: number;
}

/** Checks a zip as Lambda does and keeps it (zip and unpacked tree); the same bytes are stored once. */
export function storePackage(store: Store, zip: Buffer, operation: string): StoredPackage {
  if (zip.length > LIMITS.CodeSizeZipped) {
    // AWS measures the base64 request: 50 MB of zip is 69,905,067 characters
    throw new AwsError('RequestEntityTooLargeException', `Request must be smaller than 69905067 bytes for the ${operation} operation`, {
      status: 413,
      fields: { Type: 'User' },
    });
  }
  const digest = createHash('sha256').update(zip).digest();
  const hex = digest.toString('hex');
  const unzipError = () => invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');
  let size: number;
  try {
    size = unzippedSize(readEntries(zip));
  } catch (err) {
    if (err instanceof ZipError) throw unzipError();
    throw err;
  }
  if (size > LIMITS.CodeSizeUnzipped) throw invalidParameter(`Unzipped size must be smaller than ${LIMITS.CodeSizeUnzipped} bytes`);
  const dir = codeDir(store, hex);
  if (!fs.existsSync(dir)) {
    const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      extractZip(zip, tmp);
      fs.writeFileSync(zipFile(store, hex), zip);
      fs.renameSync(tmp, dir);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (err instanceof ZipError) throw unzipError();
      throw err;
    }
  }
  return { CodeSha256: digest.toString('base64'), hex, CodeSize: zip.length, UnzippedSize: size };
}

/** How long a package outlives its last reference: invocations already running on it (at most 15 minutes) finish. */
const GRACE_MS = 15 * 60_000;
const pending = new WeakMap<Store, { cancel(): void }>();

/** Collects garbage once the grace period has passed on the clock (one pending collection per store). */
export function scheduleGarbageCollection(store: Store, clock: { setTimeout(fn: () => void, ms: number): { cancel(): void } }): void {
  if (pending.has(store)) return;
  pending.set(
    store,
    clock.setTimeout(() => {
      pending.delete(store);
      collectGarbage(store);
    }, GRACE_MS),
  );
}

/** Removes packages no function, version or layer version refers to any more. */
export function collectGarbage(store: Store): void {
  const b = bases.get(store);
  if (!b) return;
  const t = tables(store);
  const used = new Set<string>();
  for (const { record } of t.functions.listAll()) {
    used.add(record.latest.codeHex);
    for (const l of record.latest.Layers) used.add(l.codeHex);
  }
  for (const { record } of t.versions.listAll()) {
    used.add(record.codeHex);
    for (const l of record.Layers) used.add(l.codeHex);
  }
  for (const { record } of t.layerVersions.listAll()) used.add(record.codeHex);
  const dir = path.join(b.dir, 'code');
  for (const name of fs.readdirSync(dir)) {
    const hex = name.replace(/\.zip$/, '');
    if (/^[0-9a-f]{64}$/.test(hex) && !used.has(hex)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/** The zip a request carries (ZipFile); S3 sources fail as they do in AWS when the bucket cannot be read. */
export function packageFromInput(
  store: Store,
  input: { ZipFile?: Uint8Array | string; S3Bucket?: string; S3Key?: string; ImageUri?: string },
  operation: string,
): StoredPackage {
  if (input.ZipFile !== undefined && (input.S3Bucket !== undefined || input.S3Key !== undefined)) {
    throw invalidParameter('Please do not provide other FunctionCode parameters when providing a ZipFile.');
  }
  if (input.ZipFile !== undefined) {
    const z = input.ZipFile;
    const buf = Buffer.isBuffer(z) ? z : typeof z === 'string' ? Buffer.from(z, 'base64') : Buffer.from(z.buffer, z.byteOffset, z.byteLength);
    return storePackage(store, buf, operation);
  }
  if (input.S3Bucket !== undefined || input.S3Key !== undefined) {
    // Cumulus has no S3 yet: every bucket is one Lambda cannot read
    throw invalidParameter(
      `Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist`,
    );
  }
  if (input.ImageUri !== undefined) throw invalidParameter('Container image functions (PackageType Image) are not supported by Cumulus yet.');
  throw invalidParameter('Please provide a source for function code.');
}
