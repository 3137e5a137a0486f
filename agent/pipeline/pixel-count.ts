/**
 * How many samples a file will decode to, read from its header before any pixel is decoded (pure, cheap): the
 * DICOM Rows × Columns × Samples per Pixel (dicom-parser reads the header and points at Pixel Data without
 * copying it), the PNG IHDR, the JPEG SOFn. In: the file's bytes. Out: the count, or undefined when the header
 * cannot be read — the decode stage then reports the file's real error; memory admission counts the file by
 * its size alone.
 */

import { jpegFrameSize } from '../../models/image/dicom/codecs/codestream-size.ts';
import { readDicomHeader } from '../../models/image/dicom/dicom-header.ts';
import { parseDicom } from '../../models/image/dicom/parse-dicom.ts';
import { sniffFormat } from '../../models/image/sniff-format.ts';

export function pixelCount(bytes: Uint8Array): number | undefined {
  try {
    const format = sniffFormat(bytes);
    if (format === 'png') {
      // PNG IHDR: width and height, big endian, at bytes 16..23 (PNG spec 11.2.2); colour counted as 3.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return view.getUint32(16) * view.getUint32(20) * (bytes[25] === 0 || bytes[25] === 4 ? 1 : 3);
    }
    if (format === 'jpeg') {
      const size = jpegFrameSize(bytes);
      return size ? size.rows * size.cols * 3 : undefined;
    }
    const { dataSet, transferSyntax } = parseDicom(bytes, format);
    const header = readDicomHeader(dataSet, transferSyntax);
    return header.rows * header.cols * header.samplesPerPixel;
  } catch {
    return undefined; // not readable here: the decode stage says why, with its code
  }
}
