// The workloads' guardian: one small shell process per driver that holds the list of live workload process
// groups and kills them all when Cumulus goes away without stopping them (SIGKILL, a crash, a test runner that
// gave up). Workloads run in their own process groups, so nothing else would end them: a CPU-burning user
// data script would keep running for ever. Cumulus writes `add PGID` / `del PGID` on the guardian's stdin;
// end of input — Cumulus exited, however — kills what is left.
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = [
  'trap "" INT TERM HUP',
  'pgids=""',
  'while read -r op id; do',
  '  case "$op" in',
  '    add) pgids="$pgids $id" ;;',
  '    del) n=""; for p in $pgids; do [ "$p" = "$id" ] || n="$n $p"; done; pgids=$n ;;',
  '  esac',
  'done',
  'for p in $pgids; do kill -9 -$p 2>/dev/null; done',
].join('\n');

export class Guardian {
  private child: ChildProcess | undefined;
  private failed = false;

  add(pgid: number): void {
    this.send(`add ${pgid}\n`);
  }

  remove(pgid: number): void {
    this.send(`del ${pgid}\n`);
  }

  /** A clean shutdown: the workloads are stopped already; the guardian exits with nothing to kill. */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private send(line: string): void {
    const stdin = this.start()?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(line);
  }

  private start(): ChildProcess | undefined {
    if (this.child || this.failed) return this.child;
    try {
      // its own process group: signals sent to Cumulus's group do not reach it
      const child = spawn('/bin/sh', ['-c', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      child.on('error', () => {
        this.failed = true;
        this.child = undefined;
      });
      child.stdin!.on('error', () => undefined);
      // neither the process nor its pipe keeps Cumulus running
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      this.child = child;
    } catch {
      this.failed = true;
    }
    return this.child;
  }
}
