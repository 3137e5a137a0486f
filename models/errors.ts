/**
 * Errors are values with stable codes (`CXR_ERR_*`). Every code is listed in `docs/errors.md`
 * with what to do about it; `test/models/errors.test.ts` keeps the two in sync.
 *
 * `input` errors are the caller's (bad file, bad config, bad signature): the CLI exits 2 and the
 * agent quarantines. `internal` errors are ours or the machine's: the CLI exits 1.
 */
export type ErrorKind = 'input' | 'internal';

export class CxrError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;

  constructor(code: string, message: string, options: { kind?: ErrorKind; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CxrError';
    this.code = code;
    this.kind = options.kind ?? 'input';
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isCxrError(value: unknown): value is CxrError {
  return value instanceof CxrError;
}

/** Wraps anything thrown into a CxrError, keeping the original as `cause`. */
export function asCxrError(value: unknown, code = 'CXR_ERR_INTERNAL'): CxrError {
  if (value instanceof CxrError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new CxrError(code, message, { kind: 'internal', cause: value });
}
