/**
 * JPEG DCT frames: Baseline (4.50, 8-bit) through sharp/libjpeg-turbo; Extended (4.51, 12-bit) through
 * our pure-JS sequential decoder, since libjpeg as built into sharp reads 8-bit samples only.
 * In: one frame's JPEG stream. Out: integer samples. Bad input: CXR_ERR_DECODE_FAILED.
 */
import sharp from 'sharp';
import { imageError } from '../../image-errors.ts';
import type { CodecFrame } from '../stored-values.ts';
import { decodeJpegSequential } from './jpeg-sequential.ts';

/** Sample precision from the first SOFn marker (ITU T.81 B.2.2), or undefined when none is found. */
export function jpegPrecision(bytes: Uint8Array): number | undefined {
  let i = 2;
  while (i + 4 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1] ?? 0;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return bytes[i + 4];
    }
    i += 2 + length;
  }
  return undefined;
}

async function decodeWithSharp(bytes: Uint8Array): Promise<CodecFrame> {
  try {
    const image = sharp(bytes, { failOn: 'error' });
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

export async function decodeJpegDct(bytes: Uint8Array): Promise<CodecFrame> {
  const precision = jpegPrecision(bytes);
  if (precision === undefined) throw imageError('CXR_ERR_DECODE_FAILED', 'no JPEG frame header (SOF) found');
  if (precision <= 8) return decodeWithSharp(bytes);
  try {
    return decodeJpegSequential(bytes);
  } catch (thrown) {
    if (thrown instanceof Error && thrown.name === 'CxrError') throw thrown;
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw imageError('CXR_ERR_DECODE_FAILED', `12-bit JPEG decoding failed (${message})`, thrown);
  }
}
