/** The Training screen's curves (pure): loss scaled to its maximum, AUROC to [0, 1], gaps where undefined. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { curvePaths } from '../../../hub/web/src/screens/training/curves.ts';

it("draws loss and each class's validation AUROC across the box, with a gap for an undefined AUROC", () => {
  const curves = curvePaths(
    [
      { epoch: 3, loss: 2, valAuroc: { A: 0.5, B: null } },
      { epoch: 4, loss: 1, valAuroc: { A: 1, B: 0.5 } },
      { epoch: 5, loss: 0.5, valAuroc: { A: 0.75, B: 1 } },
    ],
    100,
    50,
  );
  assert.equal(curves.loss, 'M0.0,0.0L50.0,25.0L100.0,37.5');
  assert.deepEqual(curves.auroc, [
    { name: 'A', path: 'M0.0,25.0L50.0,0.0L100.0,12.5' },
    { name: 'B', path: 'M50.0,25.0L100.0,0.0' },
  ]);
  assert.deepEqual(curvePaths([], 100, 50), { loss: '', auroc: [] });
});
