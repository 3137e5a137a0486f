/**
 * First frame of a DICOM image → integer samples, by transfer syntax (table in transfer-syntaxes.ts).
 * In: data set + header. Out: CodecFrame. Bad input: CXR_ERR_UNSUPPORTED_TRANSFER_SYNTAX,
 * CXR_ERR_DICOM_TRUNCATED, CXR_ERR_DECODE_FAILED.
 */
import type { DataSet } from 'dicom-parser';
import { imageError } from '../image-errors.ts';
import { assertCodestreamSize, j2kSize, j2kUsesMct, jpegFrameSize } from './codecs/codestream-size.ts';
import { decodeJpegDct } from './codecs/jpeg-dct.ts';
import { decodeJpegLossless } from './codecs/jpeg-lossless.ts';
import { decodeOpenJpeg, loadOpenJpeg } from './codecs/openjpeg-native.ts';
import { decodeRle } from './codecs/rle.ts';
import { decodeWasm } from './codecs/wasm-decode.ts';
import type { DicomHeader } from './dicom-header.ts';
import { encapsulatedFrameBytes, nativeFrameBytes } from './frame-bytes.ts';
import type { CodecFrame } from './stored-values.ts';
import { unpackNative } from './stored-values.ts';
import { CODEC_BY_TRANSFER_SYNTAX } from './transfer-syntaxes.ts';

export async function decodeFirstFrame(ds: DataSet, header: DicomHeader): Promise<CodecFrame> {
  const codec = CODEC_BY_TRANSFER_SYNTAX[header.transferSyntax];
  if (!codec) {
    throw imageError(
      'CXR_ERR_UNSUPPORTED_TRANSFER_SYNTAX',
      `transfer syntax ${header.transferSyntax} is not supported (see docs/image-reading.md for the list)`,
    );
  }
  if (codec === 'native' || codec === 'native-big') {
    const bigEndian = codec === 'native-big';
    return unpackNative(nativeFrameBytes(ds, header, bigEndian), header, bigEndian);
  }
  const bytes = encapsulatedFrameBytes(ds, header);
  const { rows, cols } = header;
  const signed = header.pixelRepresentation === 1;
  if (codec !== 'rle') {
    const declared = codec === 'jpeg2000' ? j2kSize(bytes) : jpegFrameSize(bytes);
    assertCodestreamSize(declared, rows, cols, codec);
  }
  switch (codec) {
    case 'rle':
      return decodeRle(bytes, header);
    case 'jpeg-dct':
      return decodeJpegDct(bytes, header.photometric);
    case 'jpeg-lossless':
      return decodeJpegLossless(bytes, header.bitsAllocated, rows * cols);
    case 'jpeg-ls':
      return decodeWasm('charls', bytes, { rows, cols, signed });
    case 'jpeg2000': {
      const native = loadOpenJpeg(); // the system's libopenjp2 when installed, else the wasm build
      if (native) return decodeOpenJpeg(native, bytes, { rows, cols, mct: j2kUsesMct(bytes) });
      return decodeWasm('openjpeg', bytes, { rows, cols, signed });
    }
  }
}
