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
