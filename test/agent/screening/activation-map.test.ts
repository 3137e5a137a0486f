import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activationMaps, evidenceFindings, gridSize, logit } from '../../../agent/screening/activation-map.ts';
import { previewSize } from '../../../agent/screening/render-images.ts';
import { resizeGeometry } from '../../../models/preprocess/preprocess.ts';

function levels(base64: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(base64 ?? '', 'base64'));
}

describe('activation maps', () => {
  it('previews keep the aspect and are never enlarged', () => {
    assert.deepEqual(previewSize(2000, 1000, 1024), { width: 1024, height: 512 });
    assert.deepEqual(previewSize(300, 200, 1024), { width: 300, height: 200 });
  });

  it('covers the whole image at the CAM resolution, with the image aspect', () => {
    // 200 x 100 letterboxed into 64: the image spans 64 x 32 input pixels = 8 x 4 cells of an 8x8 CAM.
    const req = {
      camSize: 8,
      inputSize: 64,
      geometry: resizeGeometry(200, 100, { size: 64, resize: 'letterbox' }),
      cols: 200,
      rows: 100,
    };
    assert.deepEqual(gridSize(req), { width: 8, height: 4 });
    const square = {
      camSize: 16,
      inputSize: 128,
      geometry: resizeGeometry(1024, 1024, { size: 128, resize: 'letterbox' }),
      cols: 1024,
      rows: 1024,
    };
    assert.deepEqual(gridSize(square), { width: 16, height: 16 });
  });

  it('puts a hot spot where it falls on the image, through a letterbox, and leaves the rest undrawn', () => {
    const camSize = 8;
    const cam = new Float32Array(camSize * camSize).fill(-4);
    cam[2 * camSize + 7] = 3; // CAM cell (x=7, y=2): right edge, top half of the image (rows 2..5 hold it)
    const out = activationMaps({
      cam,
      camSize,
      inputSize: 64,
      geometry: resizeGeometry(200, 100, { size: 64, resize: 'letterbox' }),
      cols: 200,
      rows: 100,
      findings: [{ name: 'Lung Opacity', index: 0, logitThreshold: logit(0.2) }],
    });
    assert.equal(out.width, 8);
    assert.equal(out.height, 4);
    const grid = levels(out.maps['Lung Opacity']);
    let best = { x: -1, y: -1, v: -1 };
    grid.forEach((v, i) => {
      if (v > best.v) best = { x: i % out.width, y: Math.floor(i / out.width), v };
    });
    assert.equal(best.v, 255, 'the strongest evidence is 255');
    assert.equal(best.x, 7);
    assert.equal(best.y, 0);
    assert.equal(grid[3 * out.width], 0, 'below the operating point: not drawn');
  });

  it('draws nothing where no cell reaches the operating point, and maps only the findings asked for', () => {
    const cam = new Float32Array(2 * 16).fill(-3); // two classes, 4x4, all well below logit(0.3)
    const out = activationMaps({
      cam,
      camSize: 4,
      inputSize: 32,
      geometry: resizeGeometry(32, 32, { size: 32, resize: 'stretch' }),
      cols: 32,
      rows: 32,
      findings: [{ name: 'Lung Opacity', index: 1, logitThreshold: logit(0.3) }],
    });
    assert.deepEqual(Object.keys(out.maps), ['Lung Opacity']);
    assert.ok(levels(out.maps['Lung Opacity']).every((v) => v === 0));
  });

  it('leaves the cropped-away sides undrawn with center-crop', () => {
    const out = activationMaps({
      cam: new Float32Array(16).fill(2),
      camSize: 4,
      inputSize: 32,
      geometry: resizeGeometry(300, 100, { size: 32, resize: 'center-crop' }),
      cols: 300,
      rows: 100,
      findings: [{ name: 'X', index: 0, logitThreshold: 0 }],
    });
    const grid = levels(out.maps.X);
    assert.equal(out.width, 12);
    assert.equal(grid[0], 0, 'left of the crop');
    assert.equal(grid[out.width - 1], 0, 'right of the crop');
    assert.equal(grid[6], 255, 'inside the crop, a flat map above the point is drawn at full strength');
  });
});

describe('activation maps with a calibrated model', () => {
  it('draws from the raw logit at the calibrated operating point: T · logit(threshold)', () => {
    // A flat CAM at raw logit 0.5 (p_raw 0.62). With T = 0.4 the calibrated operating point 0.7 is at raw logit
    // 0.4 · logit(0.7) = 0.339 < 0.5: drawn; uncalibrated, logit(0.7) = 0.847 > 0.5: not drawn.
    const cam = new Float32Array(2 * 16).fill(0.5);
    const manifest = {
      classes: ['Lung Opacity', 'Normal'],
      thresholds: {
        'Lung Opacity': { threshold: 0.7, chosenOn: 'val' },
        Normal: { threshold: 0.4, chosenOn: 'val' },
      },
    };
    const geometry = resizeGeometry(32, 32, { size: 32, resize: 'letterbox' });
    const maps = (findings: ReturnType<typeof evidenceFindings>) =>
      activationMaps({ cam, camSize: 4, inputSize: 32, geometry, cols: 32, rows: 32, findings });
    const calibrated = maps(
      evidenceFindings({
        ...manifest,
        calibration: { method: 'temperature' as const, temperature: { 'Lung Opacity': 0.4 }, fittedOn: 'val' },
      }),
    );
    const raw = maps(evidenceFindings(manifest));
    const drawn = (r: typeof raw) => levels(r.maps['Lung Opacity']).some((v) => v > 0);
    assert.equal(drawn(calibrated), true);
    assert.equal(drawn(raw), false);
    assert.deepEqual(Object.keys(calibrated.maps), ['Lung Opacity'], 'never the normal class');
  });
});
