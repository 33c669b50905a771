// Lambda's control plane: functions, versions, aliases, layers, permissions, concurrency, event invoke
// configs, function URL configs, tags and account settings. Invoking lives in invoke-api.ts.
import type { LambdaOperations } from '../../generated/lambda.js';
import type { Runtime } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { accountHandlers } from './account.js';
import { aliasHandlers } from './aliases.js';
import { codeDownloadPlane } from './code-download.js';
import { closeCodeStore, collectGarbage, openCodeStore } from './code-package.js';
import { concurrencyHandlers } from './concurrency.js';
import { eventInvokeConfigHandlers } from './event-invoke-config.js';
import { functionHandlers } from './functions-api.js';
import { functionSettingsHandlers } from './function-settings.js';
import { layerHandlers } from './layers.js';
import { permissionHandlers } from './permissions.js';
import { registerClock } from './resolve.js';
import { urlConfigHandlers } from './url-config.js';
import { versionHandlers } from './versions.js';

export const controlHandlers: Handlers<LambdaOperations> = {
  ...functionHandlers,
  ...versionHandlers,
  ...aliasHandlers,
  ...layerHandlers,
  ...permissionHandlers,
  ...concurrencyHandlers,
  ...eventInvokeConfigHandlers,
  ...urlConfigHandlers,
  ...accountHandlers,
  ...functionSettingsHandlers,
};

export async function initControl(runtime: Runtime): Promise<void> {
  openCodeStore(runtime.store, runtime.config.dataDir);
  registerClock(runtime.store, runtime.clock);
  runtime.http.addDataPlane(codeDownloadPlane(runtime));
  // packages left by functions deleted while Cumulus was down, or by a reset
  collectGarbage(runtime.store);
  runtime.bus.on('reset', (e) => {
    if (!e.service || e.service === 'lambda') collectGarbage(runtime.store);
  });
}

export async function stopControl(runtime: Runtime): Promise<void> {
  closeCodeStore(runtime.store);
}
