// console.* as AWS's Node.js runtime patches it: each call becomes one stdout line, in the text format
// (TIMESTAMP\tREQUEST_ID\tLEVEL\tmessage) or, with AWS_LAMBDA_LOG_FORMAT=JSON, a JSON record; levels below
// AWS_LAMBDA_LOG_LEVEL are dropped. Newlines inside a record become \r so that a record stays one line.
import util from 'node:util';
import { intoError, toFormatted } from './errors.mjs';

let requestId; // undefined during init, as on AWS (its log lines read "undefined")
export function setRequestId(id) {
  requestId = id;
}

const JSON_LOGS = (process.env.AWS_LAMBDA_LOG_FORMAT ?? '').toUpperCase() === 'JSON';
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const MIN_LEVEL = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL ?? '').toUpperCase()] ?? LEVELS.TRACE;
const out = process.stdout;

function jsonLine(level, params) {
  const rec = { timestamp: new Date().toISOString(), level, requestId };
  if (params.length === 1) {
    rec.message = params[0];
    try {
      return JSON.stringify(rec, (_k, v) =>
        v instanceof Error
          ? Object.assign({ errorType: v.constructor?.name ?? 'UnknownError', errorMessage: v.message, stackTrace: typeof v.stack === 'string' ? v.stack.split('\n') : v.stack }, v)
          : v,
      );
    } catch {
      rec.message = util.format(rec.message);
      return JSON.stringify(rec);
    }
  }
  rec.message = util.format(...params);
  const err = params.find((p) => p instanceof Error);
  if (err) {
    rec.errorType = err.constructor?.name ?? 'UnknownError';
    rec.errorMessage = err.message;
    rec.stackTrace = typeof err.stack === 'string' ? err.stack.split('\n') : [];
  }
  return JSON.stringify(rec);
}

function log(level, params) {
  const line = JSON_LOGS ? jsonLine(level, params) : `${new Date().toISOString()}\t${requestId}\t${level}\t${util.format(...params)}`;
  out.write(line.replace(/\n/g, '\r') + '\n');
}

export function patchConsole() {
  const nop = () => {};
  const at = (name) => (LEVELS[name] >= MIN_LEVEL ? (...p) => log(name, p) : nop);
  console.trace = at('TRACE');
  console.debug = at('DEBUG');
  console.info = at('INFO');
  console.log = console.info;
  console.warn = at('WARN');
  console.error = at('ERROR');
  console.fatal = (...p) => log('FATAL', p);
}

/** "Invoke Error", "Uncaught Exception" …: the label and the error as AWS's runtime logs them. */
export function logError(label, err) {
  if (JSON_LOGS) console.error(intoError(err));
  else console.error(label, toFormatted(intoError(err)));
}
