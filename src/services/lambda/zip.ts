// A small zip reader for deployment packages and layers: the central directory, stored and deflated
// entries (node:zlib), Unix modes from the external attributes (so a `bootstrap` stays executable),
// symlinks that stay inside the package; names that would escape the target directory are refused.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export class ZipError extends Error {}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** offset of the local file header */
  offset: number;
  /** Unix mode (type and permission bits) when the archive was made on Unix, else undefined */
  mode?: number;
  encrypted: boolean;
}

const EOCD_SIG = 0x06054b50;
const CDIR_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/** The entries of a zip archive, from its central directory. Throws ZipError for anything that is not a zip. */
export function readEntries(buf: Buffer): ZipEntry[] {
  if (buf.length < 22) throw new ZipError('too short');
  let eocd = -1;
  const stop = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= stop; i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('zip64 archives are not supported');
  if (cdOffset + cdSize > buf.length) throw new ZipError('central directory out of range');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CDIR_SIG) throw new ZipError('bad central directory entry');
    const madeBy = buf.readUInt16LE(p + 4);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const external = buf.readUInt32LE(p + 38);
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString((flags & 0x800) !== 0 ? 'utf8' : 'latin1');
    const unixMode = external >>> 16;
    entries.push({
      name,
      method,
      compressedSize,
      size,
      offset,
      mode: madeBy >> 8 === 3 && unixMode !== 0 ? unixMode : undefined,
      encrypted: (flags & 1) !== 0,
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry (checks the size the directory announced). */
export function entryData(buf: Buffer, e: ZipEntry): Buffer {
  if (e.encrypted) throw new ZipError(`${e.name} is encrypted`);
  if (e.offset + 30 > buf.length || buf.readUInt32LE(e.offset) !== LOCAL_SIG) throw new ZipError(`bad local header for ${e.name}`);
  const start = e.offset + 30 + buf.readUInt16LE(e.offset + 26) + buf.readUInt16LE(e.offset + 28);
  if (start + e.compressedSize > buf.length) throw new ZipError(`${e.name} is truncated`);
  const raw = buf.subarray(start, start + e.compressedSize);
  let data: Buffer;
  if (e.method === 0) data = raw;
  else if (e.method === 8) {
    try {
      // maxOutputLength bounds a zip bomb that lies about its size
      data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size + 1) });
    } catch (err) {
      throw new ZipError(`${e.name}: ${(err as Error).message}`);
    }
  } else throw new ZipError(`${e.name}: compression method ${e.method} is not supported`);
  if (data.length !== e.size) throw new ZipError(`${e.name}: size mismatch`);
  return data;
}

/** Total uncompressed size announced by the directory. */
export function unzippedSize(entries: ZipEntry[]): number {
  return entries.reduce((n, e) => n + e.size, 0);
}

function inside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Unpacks `buf` into `dir` (created). Directories get 0755, files keep their mode or get 0644. */
export function extractZip(buf: Buffer, dir: string): void {
  const entries = readEntries(buf);
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  const links: { target: string; file: string }[] = [];
  for (const e of entries) {
    const name = e.name.replace(/\\/g, '/');
    if (name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.split('/').includes('..')) throw new ZipError(`unsafe path ${e.name}`);
    const file = path.resolve(root, name);
    if (!inside(root, file)) throw new ZipError(`unsafe path ${e.name}`);
    const type = e.mode !== undefined ? e.mode & S_IFMT : 0;
    if (name.endsWith('/') || type === S_IFDIR) {
      fs.mkdirSync(file, { recursive: true });
      continue;
    }
    const data = entryData(buf, e);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (type === S_IFLNK) {
      links.push({ target: data.toString('utf8'), file });
      continue;
    }
    const perm = e.mode !== undefined && e.mode & 0o777 ? e.mode & 0o777 : 0o644;
    fs.writeFileSync(file, data, { mode: perm | 0o400 });
    fs.chmodSync(file, perm | 0o400);
  }
  // symlinks last, so a link cannot redirect a later file outside the package
  for (const { target, file } of links) {
    const resolved = path.resolve(path.dirname(file), target);
    if (path.isAbsolute(target) || !inside(root, resolved)) throw new ZipError(`unsafe symlink ${path.relative(root, file)}`);
    fs.rmSync(file, { force: true });
    fs.symlinkSync(target, file);
  }
}
