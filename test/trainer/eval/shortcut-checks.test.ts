import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecodedImage } from '../../../models/image/types.ts';
import { imageStatistics, reprocess } from '../../../trainer/eval/shortcut-checks.ts';

const image = (rows: number, cols: number, f: (x: number, y: number) => number): DecodedImage => ({
  format: 'png',
  rows,
  cols,
  pixels: Float32Array.from({ length: rows * cols }, (_, i) => f(i % cols, Math.floor(i / cols))),
  meta: { bitsStored: 8 },
  identifiers: {},
  isChest: true,
});

test('sharpness ranks a fine texture above its blurred copy; size and brightness are what they say', () => {
  const img = image(300, 400, (x, y) => ((x + y) % 4 < 2 ? 0.2 : 0.8));
  const s = imageStatistics(img);
  assert.equal(s.size, 120_000);
  assert.ok(Math.abs(s.brightness - 0.5) < 0.02);
  const blurred = reprocess(img, 'blurred');
  assert.ok(imageStatistics(blurred).sharpness < s.sharpness / 2);
  assert.ok(imageStatistics(reprocess(img, 'sharpened')).sharpness > imageStatistics(blurred).sharpness);
  assert.equal(blurred.cols, 256);
  assert.equal(blurred.rows, 192);
  const contrast = reprocess(img, 'contrast');
  assert.ok(contrast.pixels.every((v) => v >= 0 && v <= 1));
});
