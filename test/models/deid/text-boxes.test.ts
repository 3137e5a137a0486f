import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ctcGreedy, isLateralityMarker, singleGlyphCandidate } from '../../../models/deid/laterality.ts';
import { maskRegions } from '../../../models/deid/mask-regions.ts';
import { mergeLineBoxes, scaleBoxes, textBoxes } from '../../../models/deid/text-boxes.ts';

function map(width: number, height: number, blobs: { x: number; y: number; w: number; h: number; p: number }[]) {
  const prob = new Float32Array(width * height);
  for (const b of blobs) for (let y = b.y; y < b.y + b.h; y++) prob.fill(b.p, y * width + b.x, y * width + b.x + b.w);
  return prob;
}

it('finds one box per confident text kernel and expands it by area × ratio / perimeter', () => {
  const prob = map(100, 50, [
    { x: 10, y: 10, w: 40, h: 6, p: 0.9 },
    { x: 70, y: 30, w: 10, h: 10, p: 0.35 }, // above the pixel threshold, below the box score
  ]);
  const boxes = textBoxes(prob, 100, 50, { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSide: 2 });
  assert.equal(boxes.length, 1);
  const d = (40 * 6 * 1.5) / (2 * 46);
  const box = boxes[0]!;
  for (const [got, want] of [
    [box.x, 10 - d],
    [box.y, 10 - d],
    [box.w, 40 + 2 * d],
    [box.h, 6 + 2 * d],
  ] as const) {
    assert.ok(Math.abs(got - want) < 1e-9, `${got} ≈ ${want}`);
  }
});

it('scales boxes to image pixels, enclosing and clamped', () => {
  assert.deepEqual(scaleBoxes([{ x: 1.5, y: 0.2, w: 2, h: 1 }], 2, 2, 6, 2), [{ x: 3, y: 0, w: 3, h: 2 }]);
});

it('joins the pieces of one text line and leaves other lines alone', () => {
  const merged = mergeLineBoxes([
    { x: 0, y: 10, w: 50, h: 20 },
    { x: 70, y: 12, w: 40, h: 18 },
    { x: 0, y: 80, w: 30, h: 20 },
  ]);
  assert.deepEqual(merged, [
    { x: 0, y: 10, w: 110, h: 20 },
    { x: 0, y: 80, w: 30, h: 20 },
  ]);
});

it('masks every pixel inside a box and nothing outside', () => {
  const pixels = new Float32Array(5 * 4).fill(1);
  maskRegions(pixels, 5, 4, [{ x: 1, y: 1, w: 2, h: 2 }], 0);
  assert.deepEqual([...pixels], [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
});

it('decodes CTC output greedily and keeps only a lone L or R as a laterality marker', () => {
  // classes: 0 blank, 1 'L', 2 'R'; steps: L L blank R → "LR"
  const scores = Float32Array.from([0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1]);
  assert.equal(ctcGreedy(scores, 4, 3, ['L', 'R']), 'LR');
  assert.equal(isLateralityMarker('L'), true);
  assert.equal(isLateralityMarker(' r '), true);
  assert.equal(isLateralityMarker('LR'), false);
  assert.equal(isLateralityMarker('DOE'), false);
  assert.equal(singleGlyphCandidate({ x: 0, y: 0, w: 20, h: 30 }), true);
  assert.equal(singleGlyphCandidate({ x: 0, y: 0, w: 200, h: 30 }), false);
});
