/**
 * Pixel Data element → the bytes of the first frame.
 * Native: a slice of rows*cols*samples*bitsAllocated bits (YBR_FULL_422: two samples per pixel, PS3.3
 * C.7.6.3.1.2); in Explicit VR Big Endian, OW data of 8 or fewer bits allocated is a run of 16-bit words,
 * so its bytes are swapped back in pairs (PS3.5 8.1.1, 8.2). Encapsulated (PS3.5 A.4): the first frame's
 * fragments; when the Basic Offset Table is empty and there is one frame, all fragments are concatenated.
 * Bad input: CXR_ERR_DICOM_TRUNCATED (fewer bytes than the geometry needs), CXR_ERR_DICOM_INVALID.
 */
import dicomParser, { type DataSet } from 'dicom-parser';
import { imageError } from '../image-errors.ts';
import type { DicomHeader } from './dicom-header.ts';

/** Samples stored per pixel: YBR_FULL_422 keeps one Cb and one Cr for each pair of pixels. */
function storedSamplesPerPixel(header: Pick<DicomHeader, 'photometric' | 'samplesPerPixel'>): number {
  return header.photometric === 'YBR_FULL_422' && header.samplesPerPixel === 3 ? 2 : header.samplesPerPixel;
}

export function nativeFrameBytes(ds: DataSet, header: DicomHeader, bigEndian: boolean): Uint8Array {
  const { rows, cols, bitsAllocated, pixelData } = header;
  const needed = Math.ceil((rows * cols * storedSamplesPerPixel(header) * bitsAllocated) / 8);
  const available = Math.min(pixelData.length, ds.byteArray.length - pixelData.dataOffset);
  if (available < needed) {
    throw imageError(
      'CXR_ERR_DICOM_TRUNCATED',
      `the pixel data is truncated: ${Math.max(available, 0)} bytes present, ${needed} needed for the first frame`,
    );
  }
  const bytes = ds.byteArray.subarray(pixelData.dataOffset, pixelData.dataOffset + needed);
  if (!(bigEndian && bitsAllocated <= 8 && pixelData.vr === 'OW')) return bytes;
  const swapped = new Uint8Array(needed);
  const start = pixelData.dataOffset;
  for (let i = 0; i < needed; i++) swapped[i] = ds.byteArray[start + (i ^ 1)] ?? 0; // the element length is even
  return swapped;
}

function concatenate(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function encapsulatedFrameBytes(ds: DataSet, header: DicomHeader): Uint8Array {
  const { pixelData } = header;
  const fragments = pixelData.fragments ?? [];
  if (!pixelData.encapsulatedPixelData || fragments.length === 0) {
    throw imageError('CXR_ERR_DICOM_INVALID', 'the transfer syntax is compressed but the pixel data has no fragments');
  }
  for (const fragment of fragments) {
    if (fragment.position + fragment.length > ds.byteArray.length) {
      throw imageError('CXR_ERR_DICOM_TRUNCATED', 'a compressed pixel data fragment runs past the end of the file');
    }
  }
  const offsets = pixelData.basicOffsetTable ?? [];
  try {
    if (offsets.length === 0 && header.numberOfFrames === 1) {
      // PS3.5 A.4: one frame may span several fragments; with no offset table, they are all that frame's.
      return concatenate(fragments.map((f) => ds.byteArray.subarray(f.position, f.position + f.length)));
    }
    if (offsets.length === 0 && fragments.length === header.numberOfFrames) {
      // One fragment per frame (always so for RLE, PS3.5 A.4.2): the first fragment is the first frame.
      const first = fragments[0] as (typeof fragments)[number];
      return ds.byteArray.subarray(first.position, first.position + first.length);
    }
    const table = offsets.length > 0 ? offsets : dicomParser.createJPEGBasicOffsetTable(ds, pixelData, fragments);
    return dicomParser.readEncapsulatedImageFrame(ds, pixelData, 0, table, fragments);
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw imageError('CXR_ERR_DICOM_INVALID', `the first frame could not be located (${message})`, thrown);
  }
}
