// Configuration from flags and the environment (flags win).
import type { Config } from './context.js';

export const DEFAULTS: Config = {
  host: '127.0.0.1',
  port: 4566,
  clockSpeed: 1,
  logLevel: 'info',
  defaultAccount: '000000000000',
  defaultRegion: 'us-east-1',
  strictSigV4: false,
  // a 50 MB Lambda zip sent as base64 in JSON is 69,905,067 bytes
  maxBodyBytes: 72 * 1024 * 1024,
};

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<Config> {
  const c: Partial<Config> = {};
  if (env.CUMULUS_HOST) c.host = env.CUMULUS_HOST;
  if (env.CUMULUS_PORT) c.port = Number(env.CUMULUS_PORT);
  if (env.CUMULUS_DATA_DIR) c.dataDir = env.CUMULUS_DATA_DIR;
  if (env.CUMULUS_CLOCK_SPEED) c.clockSpeed = Number(env.CUMULUS_CLOCK_SPEED);
  if (env.CUMULUS_LOG_LEVEL) c.logLevel = env.CUMULUS_LOG_LEVEL as Config['logLevel'];
  if (env.CUMULUS_DEFAULT_ACCOUNT) c.defaultAccount = env.CUMULUS_DEFAULT_ACCOUNT;
  if (env.CUMULUS_DEFAULT_REGION) c.defaultRegion = env.CUMULUS_DEFAULT_REGION;
  if (env.CUMULUS_STRICT_SIGV4) c.strictSigV4 = ['1', 'true', 'yes'].includes(env.CUMULUS_STRICT_SIGV4.toLowerCase());
  if (env.CUMULUS_MAX_BODY_BYTES) c.maxBodyBytes = Number(env.CUMULUS_MAX_BODY_BYTES);
  return c;
}

export function validateConfig(c: Config): string | undefined {
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) return `invalid port: ${c.port}`;
  if (!(c.clockSpeed > 0) || !(c.clockSpeed <= 1_000_000)) return `invalid clock speed (0 < N <= 1000000): ${c.clockSpeed}`;
  if (!/^\d{12}$/.test(c.defaultAccount)) return `the default account must be 12 digits: ${c.defaultAccount}`;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(c.logLevel)) return `invalid log level: ${c.logLevel}`;
  return undefined;
}
