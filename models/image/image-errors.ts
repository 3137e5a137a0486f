/**
 * Stable error codes of the image readers (all `input` errors: the file is at fault, the agent quarantines it).
 * Documented in docs/errors.md, section "Image reading".
 */
import { CxrError } from '../errors.ts';

export const IMAGE_ERROR_CODES = [
  'CXR_ERR_FILE_UNREADABLE',
  'CXR_ERR_EMPTY_FILE',
  'CXR_ERR_NOT_AN_IMAGE',
  'CXR_ERR_DICOM_TRUNCATED',
  'CXR_ERR_DICOM_INVALID',
  'CXR_ERR_DICOM_NO_PIXEL_DATA',
  'CXR_ERR_UNSUPPORTED_TRANSFER_SYNTAX',
  'CXR_ERR_UNSUPPORTED_PIXEL_FORMAT',
  'CXR_ERR_IMAGE_TOO_LARGE',
  'CXR_ERR_DECODE_FAILED',
] as const;

export type ImageErrorCode = (typeof IMAGE_ERROR_CODES)[number];

/** An `input` CxrError with one of the image codes. */
export function imageError(code: ImageErrorCode, message: string, cause?: unknown): CxrError {
  return new CxrError(code, message, { kind: 'input', cause });
}
