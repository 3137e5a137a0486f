import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentImage } from '../../../trainer/data/augment.ts';
import { mulberry32 } from '../../../trainer/data/random.ts';

test('augmentation is seeded, keeps size, and stays near the source statistics', () => {
  const size = 32;
  const src = Float32Array.from({ length: size * size }, (_, i) => ((i % size) + Math.floor(i / size)) / (2 * size));
  const a = augmentImage(src, size, mulberry32(1));
  const b = augmentImage(src, size, mulberry32(1));
  const c = augmentImage(src, size, mulberry32(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.length, size * size);
  const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length;
  assert.ok(Math.abs(mean(a) - mean(src)) < 0.2);
  // no augmentation at all: identity
  const id = augmentImage(src, size, () => 0.5, { minArea: 1, maxRotationDeg: 0, brightness: 0, contrast: 0 });
  for (let i = 0; i < id.length; i++) assert.ok(Math.abs(id[i]! - src[i]!) < 1e-6);
});
