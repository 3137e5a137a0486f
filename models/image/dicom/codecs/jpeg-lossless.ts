/**
 * JPEG Lossless, Process 14 (4.57, 4.70) via jpeg-lossless-decoder-js (pure JS, any predictor, 2–16 bit).
 * In: one frame's JPEG stream. Out: integer samples. Bad input: CXR_ERR_DECODE_FAILED.
 */
import { createRequire } from 'node:module';
import { imageError } from '../../image-errors.ts';
import type { CodecFrame } from '../stored-values.ts';

interface LosslessDecoder {
  decode(buffer: ArrayBufferLike, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
  numComp: number;
}

const require = createRequire(import.meta.url);
const lossless = require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };

export function decodeJpegLossless(bytes: Uint8Array, bitsAllocated: number, expectedSamples: number): CodecFrame {
  let samples: Uint8Array | Uint16Array;
  const decoder = new lossless.Decoder();
  try {
    samples = decoder.decode(bytes.buffer, bytes.byteOffset, bytes.length, bitsAllocated <= 8 ? 1 : 2);
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    throw imageError('CXR_ERR_DECODE_FAILED', `JPEG Lossless decoding failed (${message})`, thrown);
  }
  if (samples.length < expectedSamples) {
    throw imageError(
      'CXR_ERR_DECODE_FAILED',
      `JPEG Lossless frame has ${samples.length} of ${expectedSamples} samples`,
    );
  }
  const samplesPerPixel = decoder.numComp || 1;
  return { samples, samplesPerPixel, planar: false };
}
