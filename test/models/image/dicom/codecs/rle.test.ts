import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRle, unpackBits } from '../../../../../models/image/dicom/codecs/rle.ts';

/** Builds an RLE frame (PS3.5 G.5 header) from already PackBits-encoded segments. */
function frame(segments: number[][]): Uint8Array {
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((segment, i) => {
    view.setUint32(4 + 4 * i, offset, true);
    offset += segment.length;
  });
  return Uint8Array.from([...header, ...segments.flat()]);
}

describe('RLE Lossless (PS3.5 Annex G)', () => {
  it('PackBits: literal runs, replicate runs and the 128 no-op', () => {
    const out = new Uint8Array(7);
    // literal 2 bytes (n=1), no-op (128), replicate 5x (n=-4 → 252)
    unpackBits(Uint8Array.from([1, 9, 8, 128, 252, 7]), 0, 6, out);
    assert.deepEqual([...out], [9, 8, 7, 7, 7, 7, 7]);
  });

  it('decodes 16-bit samples from high-byte and low-byte segments', () => {
    const bytes = frame([
      [253, 0x12], // high bytes: 0x12 four times
      [3, 0x01, 0x02, 0x03, 0x04], // low bytes literal
    ]);
    const decoded = decodeRle(bytes, { rows: 2, cols: 2, samplesPerPixel: 1, bitsAllocated: 16 });
    assert.deepEqual([...decoded.samples], [0x1201, 0x1202, 0x1203, 0x1204]);
  });

  it('decodes RGB as three planar segments', () => {
    const bytes = frame([
      [255, 10],
      [255, 20],
      [255, 30],
    ]);
    const decoded = decodeRle(bytes, { rows: 1, cols: 2, samplesPerPixel: 3, bitsAllocated: 8 });
    assert.equal(decoded.planar, true);
    assert.deepEqual([...decoded.samples], [10, 10, 20, 20, 30, 30]);
  });

  it('rejects a segment count that does not match the geometry, and short segments', () => {
    assert.throws(() => decodeRle(frame([[0, 1]]), { rows: 1, cols: 1, samplesPerPixel: 1, bitsAllocated: 16 }), {
      code: 'CXR_ERR_DECODE_FAILED',
    });
    assert.throws(() => decodeRle(frame([[0, 1]]), { rows: 1, cols: 4, samplesPerPixel: 1, bitsAllocated: 8 }), {
      code: 'CXR_ERR_DECODE_FAILED',
    });
  });
});
