/**
 * JPEG DCT frames: Baseline (4.50, 8-bit) through sharp/libjpeg-turbo; Extended (4.51, 12-bit) through
 * our pure-JS sequential decoder, since libjpeg as built into sharp reads 8-bit samples only.
 * In: one frame's JPEG stream and the header's Photometric Interpretation. Out: integer samples; 8-bit
 * colour comes back as RGB (libjpeg converts YCbCr unless the stream or DICOM says the data are RGB,
 * see jpeg-colour.ts). Bad input, including damaged entropy-coded data: CXR_ERR_DECODE_FAILED.
 */
import sharp from 'sharp';
import { imageError } from '../../image-errors.ts';
import type { CodecFrame } from '../stored-values.ts';
import { jpegFrameSize } from './codestream-size.ts';
import { declareDicomColourSpace } from './jpeg-colour.ts';
import { checkJpegEntropyData, decodeJpegSequential } from './jpeg-sequential.ts';

async function decodeWithSharp(bytes: Uint8Array): Promise<CodecFrame> {
  try {
    const image = sharp(bytes, { failOn: 'warning' });
    const meta = await image.metadata();
    const grey = (meta.channels ?? 1) < 3;
    const { data, info } = await (grey ? image.toColourspace('b-w') : image.removeAlpha())
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      samples: new Uint8Array(data.buffer, data.byteOffset, data.length),
      samplesPerPixel: info.channels,
      planar: false,
      rgb: true,
    };
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw imageError('CXR_ERR_DECODE_FAILED', `JPEG decoding failed (${message})`, thrown);
  }
}

/**
 * Damage libjpeg does not report (its Huffman decoding falls back into step and the picture comes out wrong
 * from there on) is found by decoding every block of a sequential Huffman stream again, strictly, without the
 * IDCT (jpeg-sequential.ts). Other processes rely on libjpeg's warnings alone.
 */
export function checkSequentialJpeg(bytes: Uint8Array): void {
  const process = jpegFrameSize(bytes)?.process;
  if (process === 0xc0 || process === 0xc1) checkJpegEntropyData(bytes);
}

export async function decodeJpegDct(bytes: Uint8Array, photometric: string): Promise<CodecFrame> {
  const precision = jpegFrameSize(bytes)?.precision;
  if (precision === undefined) throw imageError('CXR_ERR_DECODE_FAILED', 'no JPEG frame header (SOF) found');
  if (precision <= 8) {
    checkSequentialJpeg(bytes);
    return decodeWithSharp(declareDicomColourSpace(bytes, photometric));
  }
  try {
    return decodeJpegSequential(bytes);
  } catch (thrown) {
    if (thrown instanceof Error && thrown.name === 'CxrError') throw thrown;
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw imageError('CXR_ERR_DECODE_FAILED', `12-bit JPEG decoding failed (${message})`, thrown);
  }
}
