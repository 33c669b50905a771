// Every service Cumulus serves. A service not listed here answers NotImplemented for its operations.
import type { ServiceDefinition } from './define.js';
import sts from './sts/provider.js';

export function allServices(): ServiceDefinition[] {
  return [sts];
}
