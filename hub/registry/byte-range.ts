/**
 * HTTP `Range` for one file (RFC 9110 §14): `bytes=a-b`, `bytes=a-`, `bytes=-n`. One range only; a header
 * with several ranges, another unit, or an `If-Range` that does not match the current etag is ignored
 * (the whole file is sent, as the RFC allows). A range that starts at or past the end is unsatisfiable (416).
 */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

export function decideRange(
  rangeHeader: string | undefined,
  sizeBytes: number,
  ifRange?: { header: string | undefined; etag: string },
): RangeDecision {
  if (!rangeHeader) return { kind: 'full' };
  if (ifRange?.header !== undefined && ifRange.header !== ifRange.etag) return { kind: 'full' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'full' };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    // Suffix range: the last n bytes [RFC 9110 §14.1.2].
    const n = Number(last);
    if (n === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, sizeBytes - n), end: sizeBytes - 1 };
  }
  const start = Number(first);
  if (start >= sizeBytes) return { kind: 'unsatisfiable' };
  const end = last === '' ? sizeBytes - 1 : Math.min(Number(last), sizeBytes - 1);
  if (end < start) return { kind: 'full' }; // syntactically invalid: ignore the header
  return { kind: 'partial', start, end };
}
