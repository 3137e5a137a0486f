/**
 * DICOM RLE Lossless (1.2.840.10008.1.2.5), PS3.5 Annex G. Pure.
 * In: one frame's bytes (64-byte header of segment offsets, then PackBits segments, one per byte plane,
 * most significant byte first). Out: planar integer samples.
 * Bad input: CXR_ERR_DECODE_FAILED (bad header, a segment that decodes to too few bytes, or that has data left
 * after its plane is full: damage shows as one or the other, since PackBits has no checksum).
 */
import { imageError } from '../../image-errors.ts';
import type { CodecFrame } from '../stored-values.ts';

export interface RleGeometry {
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
}

/** G.3.1: PackBits. Writes exactly `out.length` bytes or throws. */
export function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array): void {
  let i = start;
  let o = 0;
  while (o < out.length && i < end) {
    const n = src[i++] ?? 0;
    if (n < 128) {
      const count = n + 1; // literal run of n+1 bytes
      if (i + count > end || o + count > out.length) break;
      out.set(src.subarray(i, i + count), o);
      i += count;
      o += count;
    } else if (n > 128) {
      const count = 257 - n; // replicate the next byte 257-n times
      if (i >= end || o + count > out.length) break;
      out.fill(src[i++] ?? 0, o, o + count);
      o += count;
    } // n === 128: no operation
  }
  if (o !== out.length) throw imageError('CXR_ERR_DECODE_FAILED', `RLE segment decoded to ${o} of ${out.length} bytes`);
  // G.3.1: each segment is padded to an even length, so one byte may be left; a no-op run (128) may pad too.
  let left = 0;
  for (let at = i; at < end; at++) if (src[at] !== 128) left++;
  if (left > 1) throw imageError('CXR_ERR_DECODE_FAILED', `RLE segment has ${left} bytes left after its plane`);
}

export function decodeRle(bytes: Uint8Array, geometry: RleGeometry): CodecFrame {
  const { rows, cols, samplesPerPixel, bitsAllocated } = geometry;
  const bytesPerSample = bitsAllocated / 8;
  if (!Number.isInteger(bytesPerSample) || bytes.length < 64) {
    throw imageError('CXR_ERR_DECODE_FAILED', 'RLE frame header is missing or bits allocated is not a byte multiple');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segmentCount = view.getUint32(0, true);
  const expected = samplesPerPixel * bytesPerSample;
  if (segmentCount !== expected) {
    throw imageError('CXR_ERR_DECODE_FAILED', `RLE header has ${segmentCount} segments, ${expected} expected`);
  }
  const pixels = rows * cols;
  const plane = new Uint8Array(pixels);
  const samples =
    bytesPerSample === 1 ? new Uint8Array(pixels * samplesPerPixel) : new Uint32Array(pixels * samplesPerPixel);
  for (let s = 0; s < segmentCount; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segmentCount ? view.getUint32(8 + 4 * s, true) : bytes.length;
    if (start < 64 || end > bytes.length || end < start) {
      throw imageError('CXR_ERR_DECODE_FAILED', `RLE segment ${s} offsets are out of bounds`);
    }
    unpackBits(bytes, start, end, plane);
    const sample = Math.floor(s / bytesPerSample);
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample)); // G.2: most significant byte first
    const base = sample * pixels;
    for (let p = 0; p < pixels; p++) samples[base + p] = (samples[base + p] ?? 0) + (plane[p] ?? 0) * 2 ** shift;
  }
  return { samples, samplesPerPixel, planar: true };
}
