import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COLOURMAP, legendGradient, perceptualColour } from '../../../hub/web/src/ui/colormap.ts';
import { durationText } from '../../../hub/web/src/ui/format.ts';

/** Relative luminance (WCAG) of an sRGB byte triple. */
function luminance([r, g, b]: number[]): number {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r as number) + 0.7152 * lin(g as number) + 0.0722 * lin(b as number);
}

describe('evidence colour map', () => {
  it('gets lighter at every step, so order reads without hue (unlike jet)', () => {
    let previous = -1;
    for (let i = 0; i < 256; i += 5) {
      const y = luminance([...COLOURMAP.subarray(i * 3, i * 3 + 3)]);
      assert.ok(y > previous, `step ${i}: ${y} after ${previous}`);
      previous = y;
    }
    assert.ok(luminance(perceptualColour(1)) / luminance(perceptualColour(0)) > 8, 'a wide lightness range');
  });

  it('stays inside the sRGB gamut and gives the legend its stops', () => {
    assert.ok(COLOURMAP.every((v) => v >= 0 && v <= 255));
    assert.match(legendGradient(4), /^linear-gradient\(to right, rgb\(\d+, \d+, \d+\) 0%, .* 100%\)$/);
  });
});

describe('durations', () => {
  it('formats waiting times precisely enough to triage by', () => {
    assert.equal(durationText(42), '42s');
    assert.equal(durationText(61), '1m');
    assert.equal(durationText(3 * 3600 + 5 * 60), '3h 05m');
    assert.equal(durationText(2 * 86400 + 4 * 3600 + 10), '2d 4h');
    assert.equal(durationText(-5), '0s');
  });
});
