/**
 * JPEG Lossless, Process 14 (4.57, 4.70) via jpeg-lossless-decoder-js (pure JS, any predictor, 2–16 bit).
 * In: one frame's JPEG stream. Out: integer samples. Bad input: CXR_ERR_DECODE_FAILED, also for damage the
 * library passes over (it stops at a stray marker and leaves the rest of the frame 0): every row must be
 * decoded and the decoder must have used the entropy-coded data up to the EOI marker.
 */
import { createRequire } from 'node:module';
import { imageError } from '../../image-errors.ts';
import type { CodecFrame } from '../stored-values.ts';

interface LosslessDecoder {
  decode(buffer: ArrayBufferLike, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
  numComp: number;
  /** Where the decoder stopped: the next pixel to write, and the frame size (its public fields). */
  xLoc: number;
  yLoc: number;
  xDim: number;
  yDim: number;
  /** Bytes read from the start of the stream. */
  stream: { index: number } | null;
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
  assertDataUsedUp(bytes, decoder);
  const samplesPerPixel = decoder.numComp || 1;
  return { samples, samplesPerPixel, planar: false };
}

/** Bytes the decoder may read ahead of where the entropy-coded data ends. */
const READ_AHEAD_BYTES = 4;

function assertDataUsedUp(bytes: Uint8Array, decoder: LosslessDecoder): void {
  const stoppedAt = decoder.stream?.index ?? 0;
  let eoi = Math.max(0, stoppedAt - READ_AHEAD_BYTES);
  while (eoi + 1 < bytes.length && !(bytes[eoi] === 0xff && bytes[eoi + 1] === 0xd9)) eoi++;
  if (decoder.yLoc < decoder.yDim) {
    throw imageError(
      'CXR_ERR_DECODE_FAILED',
      `JPEG Lossless data is damaged: decoding stopped at row ${decoder.yLoc} of ${decoder.yDim}`,
    );
  }
  if (eoi + 1 >= bytes.length || eoi - stoppedAt > 2) {
    throw imageError(
      'CXR_ERR_DECODE_FAILED',
      `JPEG Lossless data is damaged: ${Math.max(eoi - stoppedAt, 0)} bytes were left before the end of the image`,
    );
  }
}
