// Logging: one line per request, and the service's own messages, filtered by level.
import type { Config, Logger } from './context.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

export function createLogger(level: Config['logLevel']): Logger {
  const min = LEVELS[level] ?? LEVELS.info;
  const at = (l: keyof typeof LEVELS, stream: NodeJS.WriteStream) => (msg: string) => {
    if (LEVELS[l] >= min) stream.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${msg}\n`);
  };
  return { debug: at('debug', process.stdout), info: at('info', process.stdout), warn: at('warn', process.stderr), error: at('error', process.stderr) };
}
