import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentImage, DEFAULT_AUGMENT, NO_AUGMENT } from '../../../trainer/data/augment.ts';
import { mulberry32 } from '../../../trainer/data/random.ts';

const size = 32;
const ramp = Float32Array.from({ length: size * size }, (_, i) => ((i % size) + Math.floor(i / size)) / (2 * size));
const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length;

test('augmentation is seeded, keeps size and range, and stays near the source statistics', () => {
  const a = augmentImage(ramp, size, mulberry32(1));
  const b = augmentImage(ramp, size, mulberry32(1));
  const c = augmentImage(ramp, size, mulberry32(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.length, size * size);
  assert.ok(a.every((v) => v >= 0 && v <= 1));
  assert.ok(Math.abs(mean(a) - mean(ramp)) < 0.25);
});

test('with every step off, augmentation is the identity', () => {
  const id = augmentImage(ramp, size, () => 0.5, NO_AUGMENT);
  for (let i = 0; i < id.length; i++) assert.ok(Math.abs(id[i]! - ramp[i]!) < 1e-6);
});

test('over many draws the shortcut-removing steps all happen: blur, sharpen, noise, markers, borders', () => {
  const rng = mulberry32(7);
  const flat = new Float32Array(64 * 64).fill(0.5);
  let withBorder = 0;
  let withMarker = 0;
  let noisy = 0;
  for (let n = 0; n < 200; n++) {
    const out = augmentImage(flat, 64, rng, { ...DEFAULT_AUGMENT, maxGamma: 1, contrast: 0, brightness: 0 });
    if (out[0] === 0 || out[63] === 0 || out[64 * 63] === 0) withBorder++;
    if (out.some((v) => v > 0.84 || v < 0.13)) withMarker++;
    const inner = out.subarray(64 * 20 + 20, 64 * 20 + 44);
    if (inner.some((v) => Math.abs(v - 0.5) > 0.005)) noisy++;
  }
  assert.ok(withBorder > 10, `zoom-out borders: ${withBorder}`);
  assert.ok(withMarker > 60, `markers: ${withMarker}`);
  assert.ok(noisy > 30, `noise: ${noisy}`);
});
