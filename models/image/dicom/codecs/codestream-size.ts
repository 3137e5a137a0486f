/**
 * Reads the image size a compressed codestream declares, before any codec allocates for it, so that a
 * stream claiming 60000×60000 inside a 1024×1024 DICOM is refused instead of exhausting memory. Pure.
 * JPEG family: the SOFn segment (ITU T.81 B.2.2; JPEG-LS SOF55, T.87 C.2.2). JPEG 2000: the SIZ segment
 * (T.800 A.5.1), also inside a JP2 wrapper. Also whether a JPEG 2000 main header asks for the multiple
 * component transform (COD, T.800 A.6.1), which OpenJPEG undoes, so that the samples come back as RGB.
 */
import { imageError } from '../../image-errors.ts';

export interface CodestreamSize {
  rows: number;
  cols: number;
  precision?: number;
  /** JPEG family: the SOFn marker's second byte (0xc0 baseline, 0xc1 extended, 0xc2 progressive, ...). */
  process?: number;
}

function u16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

function u32(bytes: Uint8Array, at: number): number {
  return u16(bytes, at) * 65536 + u16(bytes, at + 2);
}

const isFrameMarker = (m: number): boolean =>
  (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;

/** The first SOFn of a JPEG / JPEG-LS stream, or undefined when there is none before the first scan. */
export function jpegFrameSize(bytes: Uint8Array): CodestreamSize | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 8 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1] ?? 0;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (isFrameMarker(marker)) {
      return { precision: bytes[i + 4], rows: u16(bytes, i + 5), cols: u16(bytes, i + 7), process: marker };
    }
    if (marker === 0xda) return undefined;
    i += 2 + u16(bytes, i + 2);
  }
  return undefined;
}

/** Where the SIZ segment of a J2K codestream starts (after FF4F FF51), at the start or inside a JP2 file. */
function sizAt(bytes: Uint8Array): number | undefined {
  const limit = Math.min(bytes.length - 24, 4096);
  for (let i = 0; i <= limit; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0x4f && bytes[i + 2] === 0xff && bytes[i + 3] === 0x51) return i + 4;
  }
  return undefined;
}

/** The SIZ segment's image size (Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4)). */
export function j2kSize(bytes: Uint8Array): CodestreamSize | undefined {
  const siz = sizAt(bytes);
  if (siz === undefined) return undefined;
  const cols = u32(bytes, siz + 4) - u32(bytes, siz + 12);
  const rows = u32(bytes, siz + 8) - u32(bytes, siz + 16);
  return { rows, cols };
}

/** Whether the main header's COD segment sets the multiple component transform (SGcod byte 4). */
export function j2kUsesMct(bytes: Uint8Array): boolean {
  const siz = sizAt(bytes);
  if (siz === undefined) return false;
  let i = siz + u16(bytes, siz); // marker segments follow SIZ until the first tile part (SOT FF90)
  while (i + 4 <= bytes.length && bytes[i] === 0xff && bytes[i + 1] !== 0x90) {
    // Lcod(2) Scod(1) progression(1) layers(2) MCT(1)
    if (bytes[i + 1] === 0x52) return bytes[i + 8] === 1;
    i += 2 + u16(bytes, i + 2);
  }
  return false;
}

/** Refuses a codestream whose declared size differs from the DICOM header's (or that declares none). */
export function assertCodestreamSize(
  found: CodestreamSize | undefined,
  rows: number,
  cols: number,
  what: string,
): void {
  if (!found) throw imageError('CXR_ERR_DECODE_FAILED', `${what}: no frame header found in the compressed data`);
  // T.81 B.2.5: rows may be 0 when a DNL marker gives them later.
  const rowsOk = found.rows === rows || found.rows === 0;
  if (!rowsOk || found.cols !== cols) {
    throw imageError(
      'CXR_ERR_DECODE_FAILED',
      `${what}: the codestream is ${found.cols}x${found.rows}, the DICOM header says ${cols}x${rows}`,
    );
  }
}
