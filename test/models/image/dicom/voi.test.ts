import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyLut,
  isInverted,
  percentileWindow,
  renderGrey,
  type VoiHeader,
  windowLinear,
  windowLinearExact,
  windowSigmoid,
} from '../../../../models/image/dicom/voi.ts';

const close = (actual: number, expected: number, tolerance = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≉ ${expected}`);

const base: VoiHeader = {
  rescaleSlope: 1,
  rescaleIntercept: 0,
  voiLutFunction: 'LINEAR',
  photometric: 'MONOCHROME2',
  bitsStored: 12,
  pixelRepresentation: 0,
};

describe('VOI LUT functions (PS3.3 C.11.2.1.2)', () => {
  it('LINEAR follows the standard formula, including the -0.5 and width-1 terms', () => {
    const w = { center: 2048, width: 4096 };
    // x <= c - 0.5 - (w-1)/2 = 0 → ymin; x > c - 0.5 + (w-1)/2 = 4095 → ymax.
    assert.equal(windowLinear(0, w), 0);
    assert.equal(windowLinear(4096, w), 1);
    close(windowLinear(2047.5, w), 0.5);
    close(windowLinear(1000, w), (1000 - 2047.5) / 4095 + 0.5);
  });

  it('LINEAR with width 1 is a threshold at the center', () => {
    const w = { center: 100, width: 1 };
    assert.equal(windowLinear(99, w), 0);
    assert.equal(windowLinear(100, w), 1);
  });

  it('LINEAR_EXACT maps center ± width/2 exactly to the ends', () => {
    const w = { center: 40, width: 400 };
    assert.equal(windowLinearExact(-160, w), 0);
    assert.equal(windowLinearExact(240, w), 1);
    close(windowLinearExact(40, w), 0.5);
    close(windowLinearExact(140, w), 0.75);
  });

  it('SIGMOID is 0.5 at the center and symmetric', () => {
    const w = { center: 500, width: 200 };
    close(windowSigmoid(500, w), 0.5);
    close(windowSigmoid(600, w) + windowSigmoid(400, w), 1);
    close(windowSigmoid(600, w), 1 / (1 + Math.exp(-2)));
  });
});

describe('LUTs, percentile window and polarity', () => {
  it('a LUT clamps below its first mapped value and above its last entry', () => {
    const lut = { firstMapped: -2, bitsPerEntry: 16, data: Uint16Array.from([10, 20, 30]) };
    assert.equal(applyLut(-5, lut), 10);
    assert.equal(applyLut(-1, lut), 20);
    assert.equal(applyLut(9, lut), 30);
  });

  it('the percentile window ignores a few extreme outliers', () => {
    const values = new Float32Array(10_000).map((_, i) => i % 1000);
    values[0] = -50_000;
    values[1] = 50_000;
    const { center, width } = percentileWindow(values);
    assert.ok(center > 400 && center < 600, `center ${center}`);
    assert.ok(width > 900 && width < 1200, `width ${width}`);
  });

  it('the percentile window leaves the Pixel Padding Value out', () => {
    // 40 % padding at 0 would otherwise drag the low end down to 0.
    const values = new Float32Array(10_000).map((_, i) => (i < 4000 ? 0 : 1000 + (i % 1000)));
    const padded = percentileWindow(values, 0.005, 0.995, 0);
    assert.ok(padded.center - padded.width / 2 >= 1000, `low end ${padded.center - padded.width / 2}`);
    const plain = percentileWindow(values);
    assert.equal(plain.center - plain.width / 2, 0);
  });

  it('MONOCHROME1 and Presentation LUT Shape INVERSE both invert', () => {
    assert.equal(isInverted({ photometric: 'MONOCHROME1' }), true);
    assert.equal(isInverted({ photometric: 'MONOCHROME2', presentationLutShape: 'INVERSE' }), true);
    assert.equal(isInverted({ photometric: 'MONOCHROME2', presentationLutShape: 'IDENTITY' }), false);
  });
});

describe('renderGrey', () => {
  it('applies rescale slope/intercept before the window', () => {
    // stored 0..4 → HU -1000..-600 with slope 100; window [-1000, -600] exact.
    const out = renderGrey(Float32Array.from([0, 2, 4]), {
      ...base,
      rescaleSlope: 100,
      rescaleIntercept: -1000,
      windowCenter: -800,
      windowWidth: 400,
      voiLutFunction: 'LINEAR_EXACT',
    });
    assert.deepEqual([...out], [0, 0.5, 1]);
  });

  it('prefers the VOI LUT Sequence over Window Center/Width', () => {
    const voiLut = { firstMapped: 0, bitsPerEntry: 8, data: Uint16Array.from([255, 0]) };
    const out = renderGrey(Float32Array.from([0, 1]), { ...base, voiLut, windowCenter: 0, windowWidth: 1 });
    assert.deepEqual([...out], [1, 0]);
  });

  it('reads 8-bit data without a window over its full range (as the same PNG would read)', () => {
    const out = renderGrey(Float32Array.from([0, 51, 255]), { ...base, bitsStored: 8 });
    assert.deepEqual([...out], [0, Math.fround(51 / 255), 1]);
  });

  it('windows deeper data without a window tag by percentiles, then inverts MONOCHROME1', () => {
    const stored = new Float32Array(1000).map((_, i) => i);
    const out = renderGrey(stored, { ...base, photometric: 'MONOCHROME1' });
    assert.ok((out[0] ?? 0) > 0.99 && (out[999] ?? 1) < 0.01);
  });

  it('gives, pixel for pixel, what the standard functions give, for every VOI function, window and polarity', () => {
    const stored = Float32Array.from({ length: 4100 }, (_, i) => i - 2);
    for (const voiLutFunction of ['LINEAR', 'LINEAR_EXACT', 'SIGMOID'] as const) {
      for (const [windowCenter, windowWidth] of [
        [2048, 4096],
        [1000.5, 301],
        [7, 1],
        [500, 0.5],
      ] as const) {
        for (const photometric of ['MONOCHROME2', 'MONOCHROME1'] as const) {
          const header = { ...base, voiLutFunction, windowCenter, windowWidth, photometric };
          const out = renderGrey(Float32Array.from(stored), header);
          const window = { center: windowCenter, width: windowWidth };
          const fn =
            voiLutFunction === 'SIGMOID'
              ? windowSigmoid
              : voiLutFunction === 'LINEAR_EXACT' || windowWidth < 1
                ? windowLinearExact
                : windowLinear;
          for (let i = 0; i < stored.length; i++) {
            const y = fn(stored[i] as number, window);
            const want = Math.fround(photometric === 'MONOCHROME1' ? 1 - y : y);
            if (out[i] !== want) assert.fail(`${voiLutFunction} ${windowCenter}/${windowWidth} ${photometric} at ${i}`);
          }
        }
      }
    }
  });
});
