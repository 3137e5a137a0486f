/**
 * Tells the container format from the first bytes, never from the file name.
 * In: the file's bytes. Out: a SniffedFormat. Bad input: CXR_ERR_EMPTY_FILE / CXR_ERR_NOT_AN_IMAGE /
 * CXR_ERR_DICOM_TRUNCATED (a zero preamble cut before the "DICM" magic).
 */
import { imageError } from './image-errors.ts';

export type SniffedFormat =
  /** PS3.10 file: 128-byte preamble + "DICM" + meta group. */
  | 'dicom-part10'
  /** A meta group (0002,xxxx) without the preamble. */
  | 'dicom-meta-no-preamble'
  /** A bare data set (no preamble, no meta), as old CR files; implicit or explicit VR little endian. */
  | 'dicom-implicit-raw'
  | 'dicom-explicit-raw'
  | 'png'
  | 'jpeg';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const DICOM_PREAMBLE_BYTES = 128;

function startsWith(bytes: Uint8Array, magic: number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  return magic.every((value, i) => bytes[at + i] === value);
}

function isUpperLetter(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x41 && byte <= 0x5a;
}

export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  if (bytes.length === 0) throw imageError('CXR_ERR_EMPTY_FILE', 'the file is empty (0 bytes)');
  if (startsWith(bytes, [0x44, 0x49, 0x43, 0x4d], DICOM_PREAMBLE_BYTES)) return 'dicom-part10';
  if (startsWith(bytes, PNG_MAGIC)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  // Preamble-less data sets start with a low group number, little endian: (0002,xxxx) or (0008,xxxx).
  if (bytes.length >= 8 && bytes[1] === 0x00 && bytes[3] === 0x00) {
    const explicit = isUpperLetter(bytes[4]) && isUpperLetter(bytes[5]);
    if (bytes[0] === 0x02) return 'dicom-meta-no-preamble';
    if (bytes[0] === 0x08) return explicit ? 'dicom-explicit-raw' : 'dicom-implicit-raw';
  }
  const headIsZero = bytes.subarray(0, DICOM_PREAMBLE_BYTES).every((b) => b === 0);
  if (bytes.length < DICOM_PREAMBLE_BYTES + 4 && headIsZero) {
    throw imageError('CXR_ERR_DICOM_TRUNCATED', `the file ends inside the DICOM preamble (${bytes.length} bytes)`);
  }
  throw imageError('CXR_ERR_NOT_AN_IMAGE', 'not a DICOM, PNG or JPEG file (unknown magic bytes)');
}
