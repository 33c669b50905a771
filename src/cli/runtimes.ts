// `cumulus runtimes list|install`: which interpreter runs each Lambda runtime here, and fetching the Node
// versions the host lacks (from the npm registry, into $CUMULUS_RUNTIMES_DIR or ~/.cache/cumulus/runtimes).
import { installNode, runtimesDir } from '../services/lambda/runtime-interpreters.js';
import { interpreterFor, interpreterOf, refreshRuntimes, SUPPORTED_RUNTIMES } from '../services/lambda/runtimes.js';

export const RUNTIMES_USAGE = `Usage: cumulus runtimes <list | install RUNTIME... | install --all>

  list               each Lambda runtime and the interpreter that runs it on this host
  install RUNTIME    fetch Node NN for nodejsNN.x from the npm registry (package node-<os>-<arch>@NN)
                     into ${'$'}CUMULUS_RUNTIMES_DIR (default ~/.cache/cumulus/runtimes); for python3.X,
                     report the interpreter found (Cumulus uses the host's Pythons: PATH, pyenv)
  install --all      every nodejsNN.x runtime whose Node version the host lacks
`;

function list(out: (s: string) => void): number {
  out(`Lambda runtimes (installed runtimes in ${runtimesDir()}):\n`);
  for (const r of SUPPORTED_RUNTIMES) out(`  ${r.padEnd(16)} ${interpreterFor(r)}\n`);
  return 0;
}

async function install(names: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let wanted = names.filter((n) => n !== '--all');
  if (names.includes('--all')) {
    wanted = SUPPORTED_RUNTIMES.filter((r) => r.startsWith('nodejs') && interpreterOf(r)?.source === 'fallback');
    if (wanted.length === 0) out('every Node.js runtime already runs its own Node version\n');
  }
  if (wanted.length === 0 && !names.includes('--all')) {
    err(RUNTIMES_USAGE);
    return 2;
  }
  let status = 0;
  for (const runtime of wanted) {
    if (!SUPPORTED_RUNTIMES.includes(runtime)) {
      err(`cumulus: unknown runtime '${runtime}' (supported: ${SUPPORTED_RUNTIMES.join(', ')})\n`);
      status = 1;
      continue;
    }
    const node = /^nodejs(\d+)\.x$/.exec(runtime);
    if (node) {
      try {
        const i = await installNode(runtime, Number(node[1]), (line) => out(`${runtime}: ${line}\n`));
        refreshRuntimes();
        out(`${runtime}: node v${i.version} (${i.path})\n`);
      } catch (e) {
        err(`cumulus: could not install ${runtime}: ${(e as Error).message}\n`);
        status = 1;
      }
      continue;
    }
    if (runtime.startsWith('python')) {
      const i = interpreterOf(runtime);
      out(`${runtime}: ${interpreterFor(runtime)}\n`);
      if (!i || i.source === 'fallback') {
        err(`cumulus: Cumulus runs ${runtime} with the host's Python; install ${runtime.replace('python', 'python ')} (e.g. \`pyenv install ${runtime.slice(6)}\` or your OS's package) to run it exactly\n`);
        status = 1;
      }
      continue;
    }
    out(`${runtime}: nothing to install (the function's own bootstrap runs)\n`);
  }
  return status;
}

/** Runs `cumulus runtimes ARGS`; returns the exit status. */
export async function runtimesCommand(
  args: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list' || sub === undefined) return list(out);
  if (sub === 'install') return install(rest, out, err);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    out(RUNTIMES_USAGE);
    return 0;
  }
  err(`cumulus: unknown runtimes command '${sub}'\n\n${RUNTIMES_USAGE}`);
  return 2;
}
