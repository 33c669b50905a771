// Lambda: the control plane (functions, versions, aliases, layers, permissions, concurrency, URLs) lives in
// control-api.ts; invoking (Invoke, InvokeAsync, InvokeWithResponseStream) in invoke-api.ts.
import type { LambdaOperations } from '../../generated/lambda.js';
import { defineService } from '../define.js';
import { controlHandlers, initControl, stopControl } from './control-api.js';
import { initExecution, invokeHandlers, stopExecution } from './invoke-api.js';

export default defineService<LambdaOperations>(
  'lambda',
  { ...controlHandlers, ...invokeHandlers },
  {
    init: async (runtime) => {
      await initControl(runtime);
      await initExecution(runtime);
    },
    stop: async (runtime) => {
      await stopExecution(runtime);
      await stopControl(runtime);
    },
  },
);
