// Module resolution hooks for ES module handlers: NODE_PATH only serves require(), yet on AWS an ES module
// can import packages from layers (/opt/nodejs/node_modules …) and the SDK the runtime includes. When Node's
// own resolution fails for a bare specifier, these try again from each node_modules directory on NODE_PATH.
// Two forms: synchronous in-thread hooks (module.registerHooks, Node 22.15+), installed up front since they
// cost nothing; and the off-thread loader (module.register, Node 18.19+/20.6+), which costs a worker thread
// and so is only installed after an import failed for want of them.
import fs from 'node:fs';
import * as nodeModule from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

let dirs = [];

const isBare = (s) => !s.startsWith('.') && !s.startsWith('/') && !/^[a-z][a-z0-9+.-]*:/i.test(s);
// resolving from a file beside node_modules/ looks inside it first
const parentIn = (dir) => pathToFileURL(path.join(path.dirname(dir), 'index.mjs')).href;

/** The node_modules directories of NODE_PATH (layers, the bundled SDK), in order. */
export function nodePathModuleDirs() {
  return (process.env.NODE_PATH ?? '').split(':').filter((d) => d && path.basename(d) === 'node_modules');
}

/** Synchronous hooks for module.registerHooks. */
export function syncHooks(moduleDirs) {
  return {
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw err;
        for (const dir of moduleDirs) {
          try {
            return nextResolve(specifier, { ...context, parentURL: parentIn(dir) });
          } catch {}
        }
        throw err;
      }
    },
  };
}

// ---- module.register's hooks (run in the loader's worker thread) ----

export function initialize(data) {
  dirs = data?.moduleDirs ?? [];
}

const RETRY = '?cumulus-node-path';

export async function resolve(specifier, context, nextResolve) {
  try {
    const result = await nextResolve(specifier, context);
    // The handler is imported afresh (its URL marked): its own relative imports are too, since a module
    // whose import failed stays failed under its old URL.
    if (context.parentURL?.endsWith(RETRY) && !isBare(specifier) && result.url.startsWith('file:') && !result.url.includes('?')) {
      return { ...result, url: result.url + RETRY };
    }
    return result;
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw err;
    for (const dir of dirs) {
      try {
        return await nextResolve(specifier, { ...context, parentURL: parentIn(dir) });
      } catch {}
    }
    throw err;
  }
}

// ---- importing a handler module (in the runtime's main thread) ----

let installed; // undefined: not decided yet; 'sync' | 'async' | 'none'

/** Imports an ES module handler: sync hooks up front where Node has them, else the loader thread only when an
 *  import failed for a package that NODE_PATH holds, and then the handler afresh. */
export async function importEsm(file) {
  const url = pathToFileURL(file).href;
  const moduleDirs = nodePathModuleDirs();
  if (installed === undefined) {
    installed = 'none';
    if (moduleDirs.length && typeof nodeModule.registerHooks === 'function') {
      nodeModule.registerHooks(syncHooks(moduleDirs));
      installed = 'sync';
    }
  }
  try {
    return await import(url);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || installed !== 'none') throw err;
    const missing = /Cannot find package '([^']+)'/.exec(err.message)?.[1];
    if (!missing || typeof nodeModule.register !== 'function' || !moduleDirs.some((d) => fs.existsSync(path.join(d, missing)))) throw err;
    nodeModule.register('./esm-node-path.mjs', import.meta.url, { data: { moduleDirs } });
    installed = 'async';
    return import(url + RETRY);
  }
}
