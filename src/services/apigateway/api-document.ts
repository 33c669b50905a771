// The text of an API definition given to an import (REST ImportRestApi/PutRestApi, HTTP ImportApi/ReimportApi):
// JSON when it starts like JSON, else YAML. A problem is an ApiDocumentError naming the line (and column); each
// service words the BadRequestException around it.
import { jsonErrorOffset } from './json-position.js';
import { parseYaml, YamlError } from './yaml.js';

export class ApiDocumentError extends Error {}

export function readApiDocument(body: Uint8Array | string): unknown {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  if (/^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      const at = Math.max(0, jsonErrorOffset(text));
      const line = text.slice(0, at).split('\n').length;
      throw new ApiDocumentError(`Unable to parse API definition: malformed JSON at line ${line}, column ${at - text.lastIndexOf('\n', at - 1)}: ${(e as Error).message}`);
    }
  }
  try {
    return parseYaml(text);
  } catch (e) {
    if (e instanceof YamlError) throw new ApiDocumentError(`Unable to parse API definition: ${e.message}`);
    throw e;
  }
}
