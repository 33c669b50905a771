// requestParameters and responseElements as CloudTrail writes them: lowerCamelCase member names, AWS's
// date format, and secrets replaced (AWS never records passwords, secret keys or session tokens).

const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/** Member names whose values are secrets. */
const SECRET = /(password|secret|secretaccesskey|sessiontoken|privatekey|webidentitytoken|samlassertion|authorizationtoken|secretstring|secretbinary)$/i;
/** Members that hold maps of user-chosen keys, whose keys are kept as they are. */
const MAPS = new Set([
  'Tags', 'Variables', 'Attributes', 'Metadata', 'Parameters', 'RequestParameters', 'ResponseParameters',
  'StageVariables', 'Headers', 'QueryStringParameters', 'Context', 'Properties', 'PolicyDocuments',
]);
/** Members AWS blanks as sensitive without being secrets by name. */
const SENSITIVE: Record<string, string> = { UserData: '<sensitiveDataRemoved>', Variables: HIDDEN };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** CloudTrail's rendering of timestamps inside request parameters and response elements: "Jan 5, 2024, 9:04:12 PM" (UTC). */
export function elementDate(d: Date): string {
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

function camel(key: string): string {
  return key.length ? key[0]!.toLowerCase() + key.slice(1) : key;
}

function convert(value: unknown, keepKeys: boolean, depth: number): unknown {
  if (value === null || value === undefined) return value;
  if (value instanceof Date) return elementDate(value);
  if (value instanceof Uint8Array) return HIDDEN;
  if (depth > 32) return null;
  if (Array.isArray(value)) return value.map((v) => convert(v, false, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      const name = keepKeys ? k : camel(k);
      if (!keepKeys && SENSITIVE[k] !== undefined) out[name] = SENSITIVE[k];
      else if (SECRET.test(k) && (typeof v === 'string' || v instanceof Uint8Array)) out[name] = HIDDEN;
      else out[name] = convert(v, !keepKeys && MAPS.has(k), depth + 1);
    }
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** The parameters or response of a call as CloudTrail records them; null when there is nothing to record. */
export function elements(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return null;
  const out = convert(value, false, 0) as Record<string, unknown>;
  return Object.keys(out).length ? out : null;
}
