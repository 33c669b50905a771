// Pagination done once: opaque tokens over an ordered list, for NextToken/MaxResults and Marker/MaxItems APIs.
import { AwsError } from './errors.js';

export interface Page<T> {
  items: T[];
  /** token for the next page; undefined on the last page */
  next?: string;
}

export interface PageRequest {
  /** the NextToken or Marker the client sent */
  token?: string;
  /** MaxResults / MaxItems the client sent */
  max?: number;
  /** the service's default page size */
  defaultMax?: number;
  /** the code of the error for a token this service did not issue (InvalidNextTokenException, InvalidParameterValue …) */
  invalidTokenCode?: string;
}

function encode(offset: number, key: string): string {
  return Buffer.from(JSON.stringify({ o: offset, k: key })).toString('base64url');
}

/**
 * Slices `items` (already in the service's order) into a page. A token remembers the key of the next item,
 * so a page boundary stays right when items before it are deleted between calls.
 */
export function paginate<T>(items: T[], keyOf: (item: T) => string, req: PageRequest): Page<T> {
  let start = 0;
  if (req.token) {
    let decoded: { o: number; k: string };
    try {
      decoded = JSON.parse(Buffer.from(req.token, 'base64url').toString('utf8'));
      if (typeof decoded.o !== 'number' || typeof decoded.k !== 'string') throw new Error('bad token');
    } catch {
      throw new AwsError(req.invalidTokenCode ?? 'InvalidNextTokenException', 'The pagination token is not valid.');
    }
    const byKey = items.findIndex((item) => keyOf(item) === decoded.k);
    start = byKey >= 0 ? byKey : Math.min(decoded.o, items.length);
  }
  const max = req.max && req.max > 0 ? req.max : (req.defaultMax ?? 100);
  const page = items.slice(start, start + max);
  const nextIndex = start + max;
  return { items: page, next: nextIndex < items.length ? encode(nextIndex, keyOf(items[nextIndex]!)) : undefined };
}
