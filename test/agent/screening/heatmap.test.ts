import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heatmapRgba, jet, previewSize } from '../../../agent/screening/heatmap.ts';
import { resizeGeometry } from '../../../models/preprocess/preprocess.ts';

function alphaAt(rgba: Uint8Array, width: number, x: number, y: number): number {
  return rgba[(y * width + x) * 4 + 3] as number;
}

describe('heatmap', () => {
  it('previews keep the aspect and are never enlarged', () => {
    assert.deepEqual(previewSize(2000, 1000, 1024), { width: 1024, height: 512 });
    assert.deepEqual(previewSize(300, 200, 1024), { width: 300, height: 200 });
  });

  it('maps jet from dark blue through to dark red', () => {
    assert.deepEqual(jet(0), [0, 0, 143]);
    assert.deepEqual(jet(1), [128, 0, 0]);
    assert.deepEqual(jet(0.5), [128, 255, 128]);
  });

  it('puts a CAM hot spot where it falls on the image, through a letterbox', () => {
    // Image 200 wide x 100 high, letterboxed into a 64 input: rows 16..47 hold the image.
    const spec = { size: 64, resize: 'letterbox' as const };
    const camSize = 8;
    const cam = new Float32Array(camSize * camSize);
    cam[2 * camSize + 7] = 1; // CAM cell (x=7, y=2): input x≈60, y≈20 → right edge, top quarter of the image
    const size = { width: 100, height: 50 };
    const rgba = heatmapRgba({
      cam,
      camSize,
      inputSize: 64,
      geometry: resizeGeometry(200, 100, spec),
      cols: 200,
      rows: 100,
      ...size,
    });
    let best = { x: 0, y: 0, a: -1 };
    for (let y = 0; y < size.height; y++) {
      for (let x = 0; x < size.width; x++) {
        const a = alphaAt(rgba, size.width, x, y);
        if (a > best.a) best = { x, y, a };
      }
    }
    assert.equal(best.a, 255, 'normalised to full strength at the peak');
    assert.ok(best.x > 85, `peak x ${best.x} near the right edge`);
    assert.ok(best.y < 15, `peak y ${best.y} in the top part`);
    assert.equal(alphaAt(rgba, size.width, 10, 45), 0, 'cold areas are transparent');
  });

  it('leaves the cropped-away sides transparent with center-crop', () => {
    const spec = { size: 32, resize: 'center-crop' as const };
    const cam = new Float32Array(16).fill(1);
    cam[0] = 0;
    const rgba = heatmapRgba({
      cam,
      camSize: 4,
      inputSize: 32,
      geometry: resizeGeometry(300, 100, spec),
      cols: 300,
      rows: 100,
      width: 300,
      height: 100,
    });
    assert.equal(alphaAt(rgba, 300, 10, 50), 0, 'left of the crop');
    assert.equal(alphaAt(rgba, 300, 290, 50), 0, 'right of the crop');
    assert.ok(alphaAt(rgba, 300, 190, 50) > 200, 'inside the crop');
  });

  it('a flat CAM gives a fully transparent overlay rather than NaN colours', () => {
    const rgba = heatmapRgba({
      cam: new Float32Array(4).fill(3),
      camSize: 2,
      inputSize: 16,
      geometry: resizeGeometry(16, 16, { size: 16, resize: 'stretch' }),
      cols: 16,
      rows: 16,
      width: 16,
      height: 16,
    });
    assert.ok(rgba.every((v, i) => i % 4 !== 3 || v === 0));
  });
});
