import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyGamma,
  contrastBrightness,
  equalizeHistogram,
  gaussianBlur,
  resample,
  unsharpMask,
} from '../../../trainer/data/image-filters.ts';

const w = 24;
const h = 16;
const edge = Float32Array.from({ length: w * h }, (_, i) => (i % w < w / 2 ? 0.2 : 0.8));
const sharpness = (x: Float32Array) => {
  let s = 0;
  for (let y = 0; y < h; y++) for (let i = 1; i < w; i++) s += Math.abs(x[y * w + i]! - x[y * w + i - 1]!);
  return s;
};

test('blur keeps a constant image constant and softens an edge; sharpening steepens it', () => {
  const flat = new Float32Array(w * h).fill(0.3);
  for (const v of gaussianBlur(flat, w, h, 1.5)) assert.ok(Math.abs(v - 0.3) < 1e-6);
  const blurred = gaussianBlur(edge, w, h, 1.5);
  assert.ok(blurred[5 + w * 3]! < 0.21 && blurred[11 + w * 3]! > 0.3 && blurred[11 + w * 3]! < 0.5);
  const sharp = unsharpMask(edge, w, h, 1, 1);
  assert.ok(sharp[11 + w * 3]! < 0.2 && sharp[12 + w * 3]! > 0.8);
  assert.ok(sharpness(sharp) > sharpness(edge));
});

test('resampling loses detail but keeps the mean; gamma, contrast and equalisation stay in [0,1]', () => {
  const checker = Float32Array.from({ length: w * h }, (_, i) => ((i % w) + Math.floor(i / w)) % 2);
  const low = resample(checker, w, h, 0.5);
  const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length;
  assert.ok(Math.abs(mean(low) - mean(checker)) < 0.05);
  assert.ok(sharpness(low) < sharpness(checker) / 4);
  assert.deepEqual(resample(checker, w, h, 1), checker);
  assert.ok(Math.abs(applyGamma(edge, 2)[0]! - 0.04) < 1e-6);
  assert.ok(contrastBrightness(edge, 3, 0.2).every((v) => v >= 0 && v <= 1));
  const eq = equalizeHistogram(edge);
  assert.ok(eq.every((v) => v >= 0 && v <= 1) && Math.abs(eq[0]! - 0.5) < 1e-6 && eq[w - 1] === 1);
});
