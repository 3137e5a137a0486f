import assert from 'node:assert/strict';
import { it } from 'node:test';
import { histogramOf, populationStabilityIndex, SCORE_EDGES } from '../../../models/triage/score-histogram.ts';

it('counts scores into ten bins over [0, 1], 1.0 in the last, clamping and skipping bad values', () => {
  assert.equal(SCORE_EDGES.length, 11);
  assert.deepEqual(histogramOf([0, 0.05, 0.1, 0.99, 1, 1.5, -1, Number.NaN]), [3, 1, 0, 0, 0, 0, 0, 0, 0, 3]);
});

it('gives PSI 0 for the same distribution, a known value for a shift, NaN when it cannot say', () => {
  const reference = [10, 20, 30, 20, 10, 5, 3, 1, 1, 0];
  assert.equal(
    populationStabilityIndex(
      reference,
      reference.map((c) => c * 3),
    ),
    0,
  );
  // Two bins, 50/50 against 25/75: (0.25-0.5)ln(0.5) + (0.75-0.5)ln(1.5) = 0.2747
  assert.ok(Math.abs(populationStabilityIndex([50, 50], [25, 75]) - 0.27465) < 1e-4);
  const shifted = populationStabilityIndex(reference, [0, 0, 0, 1, 2, 5, 10, 20, 30, 40]);
  assert.ok(shifted > 1, `a distribution moved to high scores: ${shifted}`);
  assert.ok(Number.isNaN(populationStabilityIndex([1, 2], [1, 2, 3])));
  assert.ok(Number.isNaN(populationStabilityIndex([0, 0], [1, 2])));
});
