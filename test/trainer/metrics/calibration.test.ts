import assert from 'node:assert/strict';
import { test } from 'node:test';
import { temperatureScale } from '../../../models/package/calibration.ts';
import { mulberry32 } from '../../../trainer/data/random.ts';
import { thresholdAtSpecificity } from '../../../trainer/metrics/auroc.ts';
import { expectedCalibrationError, fitTemperature } from '../../../trainer/metrics/calibration.ts';

test('an over-confident model gets T > 1 and a lower calibration error after scaling', () => {
  const rng = mulberry32(5);
  const probs: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const trueP = rng();
    labels.push(rng() < trueP ? 1 : 0);
    // over-confident: logit times 3
    const z = 3 * Math.log(trueP / (1 - trueP));
    probs.push(1 / (1 + Math.exp(-z)));
  }
  const t = fitTemperature(probs, labels);
  assert.ok(t > 2.4 && t < 3.6, `T = ${t}`);
  const before = expectedCalibrationError(probs, labels);
  const after = expectedCalibrationError(
    probs.map((p) => temperatureScale(p, t)),
    labels,
  );
  assert.ok(after < before / 2, `${before} -> ${after}`);
});

test('the urgent operating point reaches the target specificity on the given scores', () => {
  const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
  const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
  const t = thresholdAtSpecificity(scores, labels, 0.95)!;
  assert.ok(t.specificity >= 0.95);
  assert.equal(t.sensitivity, 1);
  assert.ok(t.threshold > 0.8 && t.threshold <= 0.9);
  assert.equal(thresholdAtSpecificity([0.5], [1], 0.9), null);
});
