import assert from 'node:assert/strict';
import { it } from 'node:test';
import { calibrateProbabilities } from '../../../models/package/calibration.ts';
import { histogramOf } from '../../../models/triage/score-histogram.ts';
import { modelMetrics } from '../../../trainer/export/model-metrics.ts';

const classes = ['Opacity', 'Normal', 'Other'];

/** N images, K scores each: the labelled class scores higher, with seeded noise. */
function split(n: number, seed: number) {
  let s = seed;
  const rand = () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  const scores = new Float32Array(n * 3);
  labels.forEach((label, i) => {
    for (let c = 0; c < 3; c++)
      scores[i * 3 + c] = Math.min(0.99, Math.max(0.01, (c === label ? 0.6 : 0.2) + (rand() - 0.5) * 0.3));
  });
  return { scores, labels, sites: labels.map(() => 'a') };
}

it('writes the validation histogram of the triage score (highest calibrated finding probability) as referenceScores', () => {
  const val = split(60, 1);
  const out = modelMetrics(val, split(30, 2), { classes, normalClass: 'Normal' });
  const triageScores = Array.from({ length: 60 }, (_, i) => {
    const p = calibrateProbabilities({ classes, calibration: out.calibration }, val.scores.subarray(i * 3, i * 3 + 3));
    return Math.max(p[0] as number, p[2] as number); // the finding classes; never "Normal"
  });
  assert.equal(out.referenceScores.score, 'max-finding-probability');
  assert.equal(out.referenceScores.edges.length, 11);
  assert.deepEqual(out.referenceScores.counts, histogramOf(triageScores));
  assert.equal(
    out.referenceScores.counts.reduce((a, b) => a + b, 0),
    60,
  );
  assert.match(out.referenceScores.fittedOn, /validation split, 60 images/);
});
