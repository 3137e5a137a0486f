/**
 * The viewer's PNG decoder (hub/web/src/screens/viewer/film/png-samples.ts) in Node, which has the same
 * DecompressionStream and Blob as the browser: rows filtered with each of the five PNG filter types come back
 * exactly, at 8 and 16 bits, and whole PNGs written by libvips (sharp, adaptive filtering) decode to the samples
 * sharp itself reads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { pngSamples, samplesFromRows } from '../../../hub/web/src/screens/viewer/film/png-samples.ts';

const paeth = (a: number, b: number, c: number) => {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** Filters big-endian rows the way an encoder does (PNG 1.2 §6): row y gets type `types[y % types.length]`. */
function filterRows(bytes: Uint8Array, height: number, stride: number, bpp: number, types: number[]): Uint8Array {
  const out = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const type = types[y % types.length] as number;
    out[y * (stride + 1)] = type;
    for (let x = 0; x < stride; x++) {
      const v = bytes[y * stride + x] as number;
      const a = x >= bpp ? (bytes[y * stride + x - bpp] as number) : 0;
      const b = y > 0 ? (bytes[(y - 1) * stride + x] as number) : 0;
      const c = y > 0 && x >= bpp ? (bytes[(y - 1) * stride + x - bpp] as number) : 0;
      const predicted = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type] as number;
      out[y * (stride + 1) + 1 + x] = (v - predicted) & 0xff;
    }
  }
  return out;
}

function film(width: number, height: number, max: number): number[] {
  return Array.from({ length: width * height }, (_, i) => (i * 7919 + ((i * i) % 997)) % (max + 1));
}

describe('the viewer’s PNG samples', () => {
  for (const depth of [8, 16] as const) {
    it(`undoes every filter type at ${depth} bits, the first row included`, () => {
      const [width, height] = [37, 11];
      const values = film(width, height, depth === 8 ? 255 : 4095);
      const bytes = new Uint8Array(values.length * (depth / 8));
      values.forEach((v, i) => {
        if (depth === 8) bytes[i] = v;
        else [bytes[2 * i], bytes[2 * i + 1]] = [v >> 8, v & 0xff];
      });
      for (const types of [[0], [1], [2], [3], [4], [4, 3, 2, 1, 0]]) {
        const rows = filterRows(bytes, height, width * (depth / 8), depth / 8, types);
        const out = samplesFromRows(rows, width, height, depth);
        assert.equal(out.data instanceof (depth === 8 ? Uint8Array : Uint16Array), true);
        assert.deepEqual([...out.data], values, `filter types ${types.join(',')}`);
      }
    });
  }

  it('refuses rows that do not match the size they are said to have', () => {
    assert.throws(() => samplesFromRows(new Uint8Array(10), 4, 4, 8), /do not match/);
  });

  it('decodes 8- and 16-bit grey PNGs written by libvips to the samples libvips reads', async () => {
    const [width, height] = [300, 200];
    for (const depth of [8, 16] as const) {
      const values = film(width, height, depth === 8 ? 255 : 4095);
      const raw = depth === 8 ? Uint8Array.from(values) : Uint16Array.from(values);
      const png = await sharp(raw, { raw: { width, height, channels: 1 } })
        .toColourspace(depth === 8 ? 'b-w' : 'grey16')
        .png({ adaptiveFiltering: true, compressionLevel: 6 })
        .toBuffer();
      const out = await pngSamples(new Uint8Array(png));
      assert.equal(out.width, width);
      assert.equal(out.height, height);
      assert.deepEqual([...out.data], values, `${depth}-bit`);
    }
  });
});
