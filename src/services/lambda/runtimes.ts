// The catalog of Lambda runtimes: which identifiers Cumulus accepts, which AWS has deprecated, and how an
// execution environment of each is launched (command + the runtime's part of the environment). The Node and
// Python runtimes are Cumulus's own bootstraps (runtimes/node/bootstrap.mjs, runtimes/python/bootstrap.py)
// that speak the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API; provided.* run the function's own bootstrap.
//
// Environment contract (set by runtimeLaunch; the service adds AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_*,
// AWS_LAMBDA_LOG_*, AWS_REGION, credentials, TZ … and the function's variables):
//   LAMBDA_TASK_ROOT     the unpacked code (AWS's /var/task)
//   LAMBDA_RUNTIME_DIR   the runtime's own files (AWS's /var/runtime)
//   CUMULUS_LAMBDA_OPT   the directories that stand for /opt, ':'-separated, the one whose files win first
//                        (AWS unpacks layers in order into /opt, so the last layer listed wins)
//   CUMULUS_LAMBDA_PYTHON_SDK  (python) boto3 and its dependencies, after the layers on sys.path (AWS's /var/runtime)
//   _HANDLER, AWS_EXECUTION_ENV (AWS_Lambda_<runtime>; not set for provided.*), NODE_PATH, PATH, LD_LIBRARY_PATH
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installNode, nodeInterpreter, pythonInterpreter, pythonSdkDir, runtimesDir, type Interpreter } from './runtime-interpreters.js';

const NODE_MAJORS = [18, 20, 22, 24] as const;
const PYTHON_MINORS = ['3.9', '3.10', '3.11', '3.12', '3.13'] as const;

export const SUPPORTED_RUNTIMES: readonly string[] = Object.freeze([
  ...NODE_MAJORS.map((m) => `nodejs${m}.x`),
  ...PYTHON_MINORS.map((v) => `python${v}`),
  'provided.al2',
  'provided.al2023',
]);

/** Deprecated runtimes AWS no longer accepts for CreateFunction, with the runtime AWS recommends instead. */
const DEPRECATED: Record<string, string> = {
  nodejs: 'nodejs22.x',
  'nodejs4.3': 'nodejs22.x',
  'nodejs4.3-edge': 'nodejs22.x',
  'nodejs6.10': 'nodejs22.x',
  'nodejs8.10': 'nodejs22.x',
  'nodejs10.x': 'nodejs22.x',
  'nodejs12.x': 'nodejs22.x',
  'nodejs14.x': 'nodejs22.x',
  'nodejs16.x': 'nodejs22.x',
  'python2.7': 'python3.13',
  'python3.6': 'python3.13',
  'python3.7': 'python3.13',
  'python3.8': 'python3.13',
  java8: 'java21',
  'dotnetcore1.0': 'dotnet8',
  'dotnetcore2.0': 'dotnet8',
  'dotnetcore2.1': 'dotnet8',
  'dotnetcore3.1': 'dotnet8',
  dotnet6: 'dotnet8',
  dotnet7: 'dotnet8',
  'ruby2.5': 'ruby3.3',
  'ruby2.7': 'ruby3.3',
  'go1.x': 'provided.al2023',
  provided: 'provided.al2023',
};

export const DEPRECATED_RUNTIMES: readonly string[] = Object.freeze(Object.keys(DEPRECATED));

/** CreateFunction/UpdateFunctionConfiguration's InvalidParameterValueException message for a deprecated runtime. */
export function deprecatedRuntimeMessage(runtime: string): string {
  const instead = DEPRECATED[runtime] ?? 'nodejs22.x';
  return `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (${instead}) while creating or updating functions.`;
}

export interface RuntimeLaunch {
  command: string[];
  env: Record<string, string>;
  /** honest, e.g. "node v20.19.1 (host fallback for nodejs22.x)" */
  interpreter: string;
  /** the runtime client also speaks the Runtime API over a Unix socket named by _CUMULUS_RUNTIME_API_SOCKET */
  unixSocket?: boolean;
}

/** Thrown when an environment of this function cannot start; `errorType` is what AWS reports (Runtime.*). */
export class RuntimeLaunchError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeLaunchError';
  }
}

// ---- where things are ----------------------------------------------------------------------------------

let cachedRoot: string | undefined;

/** The checkout's runtimes/ directory (found upwards from this file: src when run from source, a dist directory when built). */
export function runtimesSourceDir(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'runtimes');
    if (fs.existsSync(path.join(candidate, 'node', 'bootstrap.mjs'))) return (cachedRoot = candidate);
    const up = path.dirname(dir);
    if (up === dir) throw new Error('Lambda runtimes not found: no runtimes/node/bootstrap.mjs above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

type Family = { kind: 'node'; major: number } | { kind: 'python'; minor: string } | { kind: 'provided' };

function family(runtime: string): Family | undefined {
  if (!SUPPORTED_RUNTIMES.includes(runtime)) return undefined;
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  if (node) return { kind: 'node', major: Number(node[1]) };
  const py = /^python(3\.\d+)$/.exec(runtime);
  if (py) return { kind: 'python', minor: py[1]! };
  return { kind: 'provided' };
}

// Interpreter lookups touch the disk (and may run python once): remember them until an install changes things.
const interpreters = new Map<string, Interpreter | undefined>();

/** Forget what was found (after `cumulus runtimes install`, or when PATH changed). */
export function refreshRuntimes(): void {
  interpreters.clear();
}

export function interpreterOf(runtime: string): Interpreter | undefined {
  if (interpreters.has(runtime)) return interpreters.get(runtime);
  const f = family(runtime);
  let found: Interpreter | undefined;
  if (f?.kind === 'node') found = nodeInterpreter(f.major);
  else if (f?.kind === 'python') found = pythonInterpreter(f.minor);
  interpreters.set(runtime, found);
  return found;
}

/** What actually runs `runtime` here, in words (for the README, GetFunction and logs). */
export function interpreterFor(runtime: string): string {
  const f = family(runtime);
  if (!f) return `${runtime} is not supported by Cumulus`;
  if (f.kind === 'provided') return `the function's own bootstrap executable (${runtime}, on the host's OS)`;
  const i = interpreterOf(runtime);
  if (f.kind === 'node') {
    const v = `node v${i!.version}`;
    if (i!.source === 'installed') return `${v} (installed by cumulus runtimes install)`;
    if (i!.source === 'exact') return `${v} (host)`;
    const failed = installFailed.get(runtime);
    if (failed) return `${v} (host fallback for ${runtime}: installing Node ${f.major} failed: ${failed})`;
    return `${v} (host fallback for ${runtime}; \`cumulus runtimes install ${runtime}\` fetches Node ${f.major})`;
  }
  if (!i) return `no Python interpreter found for ${runtime}`;
  if (i.source === 'exact') return `python ${i.version} (${i.path})`;
  return `python ${i.version} (host fallback for ${runtime}: no python${f.minor} on this host)`;
}

// ---- launching ---------------------------------------------------------------------------------------------

/** Layer directories in the order their files win (the last layer listed wins, as when unpacked into /opt). */
const byPrecedence = (layerDirs: string[]) => [...layerDirs].reverse();

function joinPaths(...parts: Array<string | undefined>): string {
  return parts.filter((p): p is string => !!p).join(':');
}

function commonEnv(runtime: string, o: { codeDir: string; layerDirs: string[]; handler?: string }, binDir: string | undefined, runtimeDir: string) {
  const opt = byPrecedence(o.layerDirs);
  const env: Record<string, string> = {
    LAMBDA_TASK_ROOT: o.codeDir,
    LAMBDA_RUNTIME_DIR: runtimeDir,
    CUMULUS_LAMBDA_OPT: opt.join(':'),
    LANG: 'en_US.UTF-8',
    // AWS: /var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin — the runtime's interpreter first, /opt/bin last.
    PATH: joinPaths(binDir, process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', ...opt.map((d) => path.join(d, 'bin'))),
    LD_LIBRARY_PATH: joinPaths(o.codeDir, path.join(o.codeDir, 'lib'), ...opt.map((d) => path.join(d, 'lib')), process.env.LD_LIBRARY_PATH),
  };
  if (o.handler !== undefined) env._HANDLER = o.handler;
  if (!runtime.startsWith('provided')) env.AWS_EXECUTION_ENV = `AWS_Lambda_${runtime}`;
  return env;
}

/** A node_modules directory holding only @aws-sdk (the SDK v3 that AWS's Node runtimes include), when Cumulus has it. */
let sdkDir: string | null | undefined;
function nodeSdkDir(): string | undefined {
  if (sdkDir !== undefined) return sdkDir ?? undefined;
  sdkDir = null;
  try {
    const sdk = path.join(path.dirname(runtimesSourceDir()), 'node_modules', '@aws-sdk');
    if (!fs.existsSync(sdk)) return undefined;
    const dir = path.join(runtimesDir(), 'node-sdk', 'node_modules');
    const link = path.join(dir, '@aws-sdk');
    if (!fs.existsSync(link) || fs.realpathSync(link) !== fs.realpathSync(sdk)) {
      fs.mkdirSync(dir, { recursive: true });
      fs.rmSync(link, { force: true, recursive: true });
      fs.symlinkSync(sdk, link, 'dir');
    }
    sdkDir = dir;
  } catch {
    sdkDir = null;
  }
  return sdkDir ?? undefined;
}

function findBootstrap(o: { codeDir: string; layerDirs: string[] }): string {
  const candidates = [path.join(o.codeDir, 'bootstrap'), ...byPrecedence(o.layerDirs).map((d) => path.join(d, 'bootstrap'))];
  const found = candidates.find((p) => fs.existsSync(p) && fs.statSync(p).isFile());
  if (!found) {
    // AWS names its own paths: /var/task/bootstrap, /opt/bootstrap.
    throw new RuntimeLaunchError('Runtime.InvalidEntrypoint', "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
  }
  try {
    fs.accessSync(found, fs.constants.X_OK);
  } catch {
    const shown = found.startsWith(o.codeDir) ? '/var/task/bootstrap' : '/opt/bootstrap';
    throw new RuntimeLaunchError('Runtime.InvalidEntrypoint', `fork/exec ${shown}: permission denied`);
  }
  return found;
}

/**
 * How to start an execution environment of `runtime` for code in `codeDir` with `layerDirs` (in the order the
 * function lists its layers); `memoryMiB` (the function's MemorySize) sizes Node's heap as AWS's bootstrap does. Throws an Error with a clear message when the runtime cannot run here, and a
 * RuntimeLaunchError (errorType Runtime.InvalidEntrypoint) when a provided runtime's bootstrap is missing.
 */
export function runtimeLaunch(runtime: string, o: { codeDir: string; layerDirs: string[]; handler?: string; memoryMiB?: number }): RuntimeLaunch {
  const f = family(runtime);
  if (!f) {
    throw new Error(
      DEPRECATED[runtime] !== undefined
        ? deprecatedRuntimeMessage(runtime)
        : `Runtime ${runtime} is not supported by Cumulus (supported: ${SUPPORTED_RUNTIMES.join(', ')})`,
    );
  }
  const src = runtimesSourceDir();
  if (f.kind === 'provided') {
    const bootstrap = findBootstrap(o);
    return {
      command: [bootstrap],
      env: commonEnv(runtime, o, undefined, path.dirname(bootstrap)),
      interpreter: interpreterFor(runtime),
    };
  }
  if (f.kind === 'node') {
    const i = interpreterOf(runtime)!;
    const runtimeDir = path.join(src, 'node');
    const env = commonEnv(runtime, o, path.dirname(i.path), runtimeDir);
    // AWS: /opt/nodejs/nodeNN/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task
    const opt = byPrecedence(o.layerDirs);
    env.NODE_PATH = joinPaths(
      ...opt.flatMap((d) => [path.join(d, 'nodejs', `node${f.major}`, 'node_modules'), path.join(d, 'nodejs', 'node_modules')]),
      nodeSdkDir(),
      runtimeDir,
      o.codeDir,
    );
    // AWS's Node bootstrap: --expose-gc, 80 KB headers, and a heap sized from the function's memory
    const args = ['--expose-gc', '--max-http-header-size', '81920'];
    if (o.memoryMiB && o.memoryMiB > 0) {
      const newSpace = Math.floor(o.memoryMiB / 10);
      args.push(`--max-semi-space-size=${Math.max(1, Math.floor(newSpace / 2))}`, `--max-old-space-size=${o.memoryMiB - newSpace}`);
    }
    return { command: [i.path, ...args, path.join(runtimeDir, 'bootstrap.mjs')], env, interpreter: interpreterFor(runtime), unixSocket: true };
  }
  const i = interpreterOf(runtime);
  if (!i) throw new Error(`Runtime ${runtime} cannot run here: no python${f.minor} or python3 found on PATH or in pyenv`);
  const runtimeDir = path.join(src, 'python');
  const env = commonEnv(runtime, o, path.dirname(i.path), runtimeDir);
  const sdk = pythonSdkDir(f.minor, i.path);
  if (sdk) env.CUMULUS_LAMBDA_PYTHON_SDK = sdk;
  return { command: [i.path, path.join(runtimeDir, 'bootstrap.py')], env, interpreter: interpreterFor(runtime), unixSocket: true };
}

const installing = new Map<string, Promise<void>>();
const installFailed = new Map<string, string>();

/**
 * When CUMULUS_LAMBDA_INSTALL_RUNTIMES=1, installs a missing Node runtime before its first use (opt-in: it
 * downloads). A failed install is not retried by this process: the host's Node runs the function, and
 * interpreterFor says why.
 */
export function ensureRuntime(runtime: string): Promise<void> {
  const f = family(runtime);
  if (f?.kind !== 'node' || !['1', 'true', 'yes'].includes((process.env.CUMULUS_LAMBDA_INSTALL_RUNTIMES ?? '').toLowerCase())) return Promise.resolve();
  if (interpreterOf(runtime)?.source !== 'fallback' || installFailed.has(runtime)) return Promise.resolve();
  let p = installing.get(runtime);
  if (!p) {
    p = installNode(runtime, f.major)
      .then(
        () => refreshRuntimes(),
        (err: Error) => void installFailed.set(runtime, err.message.split('\n')[0]!),
      )
      .finally(() => installing.delete(runtime));
    installing.set(runtime, p);
  }
  return p;
}
