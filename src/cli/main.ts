// The `cumulus` command: start, status, reset, fault.
import { parseArgs } from 'node:util';
import { configFromEnv, DEFAULTS, validateConfig } from '../server/config.js';
import type { Config } from '../server/context.js';
import { COST_USAGE } from './cost.js';
import { FAULT_USAGE, faultCommand } from './faults.js';

const USAGE = `Usage: cumulus <command> [options]

Commands:
  start     Start Cumulus (default port 4566)
  status    Show whether a Cumulus is running, and its services
  reset     Drop all state (or --service NAME's)
${FAULT_USAGE}${COST_USAGE}  runtimes  Lambda runtimes: list, install nodejsNN.x (see cumulus runtimes --help)

Options (start):
  --host H            address to listen on (CUMULUS_HOST, default 127.0.0.1)
  --port P            port (CUMULUS_PORT, default 4566)
  --data-dir DIR      keep state in DIR (CUMULUS_DATA_DIR); in memory when absent
  --clock-speed N     run the virtual clock N times faster (CUMULUS_CLOCK_SPEED)
  --log-level L       debug|info|warn|error|silent (CUMULUS_LOG_LEVEL)
  --default-account A account for credentials that name none (CUMULUS_DEFAULT_ACCOUNT, 000000000000)
  --strict-sigv4      verify SigV4 signatures (CUMULUS_STRICT_SIGV4)
Options (status, reset, fault):
  --endpoint URL      the Cumulus to talk to (CUMULUS_ENDPOINT, default http://127.0.0.1:4566)
  --service NAME      (reset) only this service's state
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'start') {
    const { values } = parseArgs({
      args: rest,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'clock-speed': { type: 'string' },
        'log-level': { type: 'string' },
        'default-account': { type: 'string' },
        'strict-sigv4': { type: 'boolean' },
      },
    });
    const config: Config = { ...DEFAULTS, ...configFromEnv() };
    if (values.host) config.host = values.host;
    if (values.port) config.port = Number(values.port);
    if (values['data-dir']) config.dataDir = values['data-dir'];
    if (values['clock-speed']) config.clockSpeed = Number(values['clock-speed']);
    if (values['log-level']) config.logLevel = values['log-level'] as Config['logLevel'];
    if (values['default-account']) config.defaultAccount = values['default-account'];
    if (values['strict-sigv4']) config.strictSigV4 = true;
    const invalid = validateConfig(config);
    if (invalid) {
      process.stderr.write(`cumulus: ${invalid}\n`);
      return 2;
    }
    const { startCumulus } = await import('../server/server.js');
    let cumulus;
    try {
      cumulus = await startCumulus(config);
    } catch (err) {
      process.stderr.write(`cumulus: could not start: ${(err as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`Cumulus ready on ${cumulus.url}${config.dataDir ? ` (data in ${config.dataDir})` : ' (state in memory)'}\n`);
    const shutdown = async () => {
      await cumulus.stop();
      process.exit(0);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    return -1; // keep running
  }
  if (command === 'status' || command === 'reset' || command === 'fault') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: command === 'fault', options: { endpoint: { type: 'string' }, service: { type: 'string' } } });
    const endpoint = (values.endpoint ?? process.env.CUMULUS_ENDPOINT ?? `http://127.0.0.1:${process.env.CUMULUS_PORT ?? 4566}`).replace(/\/$/, '');
    try {
      if (command === 'fault') return await faultCommand(endpoint, positionals, (s) => process.stdout.write(s));
      if (command === 'status') {
        const res = await fetch(`${endpoint}/_cumulus/health`);
        const health = (await res.json()) as { version: string; uptime: number; services: Record<string, { implemented: boolean; operations: number }> };
        process.stdout.write(`Cumulus ${health.version} at ${endpoint}, up ${health.uptime}s\n`);
        for (const [name, s] of Object.entries(health.services)) {
          process.stdout.write(`  ${name.padEnd(24)} ${s.implemented ? `implemented (${s.operations} operations)` : 'not implemented'}\n`);
        }
      } else {
        const url = `${endpoint}/_cumulus/reset${values.service ? `?service=${encodeURIComponent(values.service)}` : ''}`;
        const res = await fetch(url, { method: 'POST' });
        process.stdout.write(`${await res.text()}\n`);
        if (!res.ok) return 1;
      }
      return 0;
    } catch (err) {
      if (!(err instanceof TypeError)) {
        process.stderr.write(`cumulus: ${(err as Error).message}\n`);
        return 2;
      }
      process.stderr.write(`cumulus: no Cumulus answers at ${endpoint} (${(err as Error).message})\n`);
      return 1;
    }
  }
  if (command === 'cost') {
    const endpoint = (process.env.CUMULUS_ENDPOINT ?? `http://127.0.0.1:${process.env.CUMULUS_PORT ?? 4566}`).replace(/\/$/, '');
    return (await import('./cost.js')).costCommand(endpoint, rest, (s) => process.stdout.write(s));
  }
  if (command === 'runtimes') return (await import('./runtimes.js')).runtimesCommand(rest);
  process.stderr.write(`cumulus: unknown command '${command}'\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`cumulus: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
