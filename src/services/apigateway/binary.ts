// Binary media types: which bodies API Gateway treats as binary (base64 in proxy events, decoded in responses).

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Does a content type (or an Accept list) match one of the API's binary media types (with * wildcards)? */
export function isBinary(binaryMediaTypes: string[], contentType: string | undefined): boolean {
  if (!binaryMediaTypes.length || !contentType) return false;
  for (const candidate of contentType.split(',').map(mediaType)) {
    if (!candidate) continue;
    const [type, sub] = candidate.split('/');
    for (const b of binaryMediaTypes) {
      const [bt, bs] = b.toLowerCase().split('/');
      if ((bt === '*' || bt === type) && (bs === '*' || bs === sub)) return true;
    }
  }
  return false;
}

export type ContentHandling = 'CONVERT_TO_BINARY' | 'CONVERT_TO_TEXT' | string | undefined;

/**
 * The method request body as the integration gets it ("Content type conversions in API Gateway"): a body whose
 * Content-Type is a binary media type stays binary (and is not mapped) unless CONVERT_TO_TEXT makes it a
 * base64 string; text is mapped, then CONVERT_TO_BINARY base64-decodes the result.
 */
export function integrationRequestPayload(binaryMediaTypes: string[], contentType: string | undefined, body: Buffer, handling: ContentHandling, map: (text: string) => string): Buffer {
  if (isBinary(binaryMediaTypes, contentType)) {
    if (handling !== 'CONVERT_TO_TEXT') return body;
    return Buffer.from(map(body.toString('base64')));
  }
  const mapped = map(body.toString('utf8'));
  return handling === 'CONVERT_TO_BINARY' ? Buffer.from(mapped, 'base64') : Buffer.from(mapped);
}

/**
 * The integration response body as the method answers it: binary data is the backend's body when its
 * Content-Type is a binary media type; the client asks for binary when the first type of its Accept is one.
 * Text passes through (mapped) unless the client wants binary (or CONVERT_TO_BINARY): then it is base64-decoded;
 * binary passes through for a binary Accept (or CONVERT_TO_BINARY), else it becomes a base64 string.
 */
export function methodResponsePayload(
  binaryMediaTypes: string[],
  backendContentType: string | undefined,
  accept: string | undefined,
  body: Buffer,
  handling: ContentHandling,
  map: (text: string) => string,
): Buffer {
  const firstAccept = accept?.split(',')[0];
  const wantsBinary = isBinary(binaryMediaTypes, firstAccept);
  if (isBinary(binaryMediaTypes, backendContentType)) {
    if (handling === 'CONVERT_TO_TEXT') return Buffer.from(map(body.toString('base64')));
    if (handling === 'CONVERT_TO_BINARY' || wantsBinary) return body;
    return Buffer.from(map(body.toString('base64')));
  }
  const text = map(body.toString('utf8'));
  if (handling === 'CONVERT_TO_BINARY' || (wantsBinary && handling !== 'CONVERT_TO_TEXT')) return Buffer.from(text, 'base64');
  return Buffer.from(text);
}
