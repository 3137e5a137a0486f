/** Pixels for a preview only come back reduced on huge films, and the masks are still reported in the film's coordinates. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withinSide } from '../../../../agent/pipeline/stages/decode.ts';
import { inFilmCoordinates } from '../../../../agent/pipeline/stages/render.ts';
import type { DecodedImage } from '../../../../models/image/types.ts';
import { resizeGrey } from '../../../../models/preprocess/resize-grey.ts';

function film(cols: number, rows: number, diagnostic = false): DecodedImage {
  const pixels = Float32Array.from({ length: cols * rows }, (_, i) => (i % 97) / 96);
  return {
    format: 'dicom',
    cols,
    rows,
    pixels,
    meta: { bitsStored: 8 },
    identifiers: {},
    isChest: true,
    ...(diagnostic
      ? {
          diagnostic: {
            samples: new Uint16Array(cols * rows),
            bitsStored: 8,
            slope: 1,
            intercept: 0,
            window: { center: 128, width: 256 },
            invert: false,
          },
        }
      : {}),
  } as DecodedImage;
}

describe('display size', () => {
  it('area-averages a film larger than the side by the smallest whole factor; the film keeps its own size', () => {
    const big = film(700, 500);
    const reduced = withinSide(big, 256);
    assert.deepEqual(reduced.display, { cols: 233, rows: 167 }, 'factor 3');
    assert.equal(reduced.cols, 700);
    assert.equal(reduced.rows, 500);
    assert.deepEqual(reduced.pixels, resizeGrey(big.pixels, 700, 500, 233, 167));
  });

  it('leaves a film that fits, and one with diagnostic samples, as it is', () => {
    const small = film(200, 100);
    assert.equal(withinSide(small, 256), small);
    const withSamples = film(700, 500, true);
    assert.equal(withinSide(withSamples, 256), withSamples);
  });

  it('reports the masks found on reduced pixels in the film’s coordinates', () => {
    const report = {
      pixels: 'sent' as const,
      masked: [{ x: 10, y: 20, w: 30, h: 5 }],
      keptMarkers: [{ x: 200, y: 150, w: 8, h: 10 }],
      detector: 'pp-ocrv4-det@640/openvino',
    };
    const scaled = inFilmCoordinates(report, { cols: 233, rows: 167 }, { cols: 700, rows: 500 });
    const [mask] = scaled.masked;
    assert.ok(mask);
    assert.ok(mask.x <= 10 * (700 / 233) && mask.x + mask.w >= 40 * (700 / 233), 'covers the box, scaled');
    assert.ok(mask.y <= 20 * (500 / 167) && mask.y + mask.h >= 25 * (500 / 167));
    assert.equal(scaled.keptMarkers.length, 1);
    assert.equal(inFilmCoordinates(report, { cols: 700, rows: 500 }, { cols: 700, rows: 500 }), report);
  });
});
