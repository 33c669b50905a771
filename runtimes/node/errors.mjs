// The errors the Node.js runtime reports, shaped as AWS's runtime shapes them: Runtime.* errors of its own,
// the body posted to the Runtime API ({errorType, errorMessage, trace}) and the form errors are logged in.
import util from 'node:util';

export function runtimeError(name, message, stack) {
  const e = new Error(message);
  e.name = `Runtime.${name}`;
  if (stack !== undefined) e.stack = stack;
  else e.stack = `${e.name}: ${message}\n${(e.stack ?? '').split('\n').slice(1).join('\n')}`;
  return e;
}

function isErrorLike(e) {
  return !!e && typeof e.name === 'string' && typeof e.message === 'string' && typeof e.stack === 'string' && !!e.name && !!e.message && !!e.stack;
}

/** The body posted to /error and /init/error: what the caller of Invoke sees. */
export function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split('\n') };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

export function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

/** An error as the runtime logs it: a tab, then JSON with name, message and stack lines. */
export function toFormatted(error) {
  const withProps = (_k, v) => {
    if (!(v instanceof Error)) return v;
    const ret = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
    if (typeof v.stack === 'string') ret.stack = v.stack.split('\n');
    return ret;
  };
  try {
    return '\t' + JSON.stringify(error, withProps);
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}
