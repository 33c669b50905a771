// GetConsoleOutput: the instance's real output (its boot script and whatever its programs print) since launch,
// read from the workload's console log (it survives stop/start and Cumulus restarts).
import fs from 'node:fs';
import type { Ec2Operations } from '../../generated/ec2.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { recordsByIds } from './instances.js';
import { engineFor } from './lifecycle.js';

/** AWS returns at most the last 64 KB of console output. */
const CONSOLE_LIMIT = 64 * 1024;

function tail(buf: Buffer): Buffer {
  return buf.length > CONSOLE_LIMIT ? buf.subarray(buf.length - CONSOLE_LIMIT) : buf;
}

export const consoleHandlers: Handlers<Ec2Operations> = {
  async GetConsoleOutput(ctx, input) {
    const [r] = recordsByIds(ctx, [input.InstanceId]);
    dryRun(input);
    let out: Buffer | undefined;
    if (r!.ConsoleLog) {
      try {
        out = fs.readFileSync(r!.ConsoleLog);
      } catch {
        /* not written yet, or removed */
      }
    }
    if (!out) {
      const handle = engineFor(ctx).handleOf(r!.InstanceId);
      if (handle) out = Buffer.from(await handle.logs.readAll());
    }
    return {
      InstanceId: r!.InstanceId,
      Timestamp: ctx.clock.date().toISOString(),
      Output: out && out.length ? tail(out).toString('base64') : undefined,
    };
  },
};
