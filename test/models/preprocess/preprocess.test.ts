import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readImageFile } from '../../../models/image/read-image.ts';
import type { InputSpec } from '../../../models/preprocess/input-spec.ts';
import { preprocess, resizeGeometry, resizeGrey } from '../../../models/preprocess/preprocess.ts';
import { PNG_1024, sample } from '../image/samples.ts';

const spec: InputSpec = {
  size: 8,
  channels: 1,
  mean: 0.5,
  std: 0.25,
  resize: 'letterbox',
  padValue: 0,
  layout: 'NCHW',
};

function constant(w: number, h: number, value: number): Float32Array {
  return new Float32Array(w * h).fill(value);
}

describe('resizeGrey', () => {
  it('keeps a constant image exactly constant, down and up, in any ratio', () => {
    for (const [w, h, dw, dh] of [
      [1024, 1024, 224, 224],
      [37, 53, 224, 224],
      [300, 200, 7, 13],
    ] as const) {
      const out = resizeGrey(constant(w, h, 0.3), w, h, dw, dh);
      assert.equal(out.length, dw * dh);
      for (const v of out) assert.ok(Math.abs(v - 0.3) < 1e-6, `${w}x${h}→${dw}x${dh}: ${v}`);
    }
  });

  it('area-averages when shrinking: a 1-pixel checkerboard halves to flat grey (no aliasing)', () => {
    const w = 64;
    const board = new Float32Array(w * w).map((_, i) => ((i % w) + Math.floor(i / w)) % 2);
    const out = resizeGrey(board, w, w, 21, 21); // non-integer ratio
    for (const v of out) assert.ok(Math.abs(v - 0.5) < 0.06, `${v}`);
  });

  it('averages exact blocks at integer ratios and interpolates bilinearly when growing', () => {
    assert.deepEqual([...resizeGrey(Float32Array.from([0, 1, 2, 3]), 4, 1, 2, 1)], [0.5, 2.5]);
    const up = resizeGrey(Float32Array.from([0, 1]), 2, 1, 4, 1);
    assert.deepEqual([...up], [0, 0.25, 0.75, 1]);
  });
});

describe('preprocess', () => {
  it('letterboxes a wide image: centred rows, padValue above and below, normalised', () => {
    const image = { rows: 2, cols: 4, pixels: constant(4, 2, 1) };
    const g = resizeGeometry(4, 2, spec);
    assert.deepEqual({ x: g.offsetX, y: g.offsetY, w: g.width, h: g.height }, { x: 0, y: 2, w: 8, h: 4 });
    const { data, channels, size } = preprocess(image, spec);
    assert.equal(channels, 1);
    assert.equal(size, 8);
    const pad = (0 - 0.5) / 0.25;
    const fill = (1 - 0.5) / 0.25;
    for (let y = 0; y < 8; y++) {
      const expected = y >= 2 && y < 6 ? fill : pad;
      for (let x = 0; x < 8; x++) assert.equal(data[y * 8 + x], expected, `(${x},${y})`);
    }
  });

  it('stretch ignores aspect; center-crop takes the middle square of the long side', () => {
    const ramp = { rows: 1, cols: 3, pixels: Float32Array.from([0, 0.5, 1]) };
    const crop = preprocess(ramp, { ...spec, size: 16, resize: 'center-crop', mean: 0, std: 1 });
    for (const v of crop.data) assert.equal(v, 0.5);
    const stretch = preprocess(
      { rows: 2, cols: 4, pixels: constant(4, 2, 0.2) },
      { ...spec, resize: 'stretch', mean: 0, std: 1 },
    );
    for (const v of stretch.data) assert.ok(Math.abs(v - 0.2) < 1e-6);
  });

  it('replicates grey into 3 identical NCHW channels', () => {
    const image = { rows: 4, cols: 4, pixels: new Float32Array(16).map((_, i) => i / 16) };
    const out = preprocess(image, { ...spec, size: 4, channels: 3 });
    assert.equal(out.data.length, 3 * 16);
    assert.deepEqual(out.data.subarray(0, 16), out.data.subarray(16, 32));
    assert.deepEqual(out.data.subarray(0, 16), out.data.subarray(32, 48));
  });

  it('is deterministic on a real 1024² radiograph and keeps its mean', async () => {
    const image = await readImageFile(sample(PNG_1024));
    const real: InputSpec = { ...spec, size: 224, channels: 3, mean: 0, std: 1 };
    const a = preprocess(image, real);
    const b = preprocess(image, real);
    assert.deepEqual(a.data, b.data);
    const mean = (xs: Float32Array): number => xs.reduce((s, v) => s + v, 0) / xs.length;
    assert.ok(Math.abs(mean(a.data.subarray(0, 224 * 224)) - mean(image.pixels)) < 1e-3);
  });
});
