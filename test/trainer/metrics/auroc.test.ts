import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auroc, rocCurve, sensSpec, thresholdAtSensitivity } from '../../../trainer/metrics/auroc.ts';
import { bootstrapAurocCi } from '../../../trainer/metrics/bootstrap.ts';
import { perClassAuroc } from '../../../trainer/metrics/per-class.ts';

/** Brute force: P(score_pos > score_neg) + 0.5 P(equal). */
function pairwise(scores: number[], labels: number[]): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < scores.length; i++)
    for (let j = 0; j < scores.length; j++)
      if (labels[i] && !labels[j]) {
        n++;
        s += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
  return s / n;
}

test('AUROC is exact with ties (Mann-Whitney midranks)', () => {
  assert.equal(auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  assert.equal(auroc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5);
  assert.equal(auroc([1, 2, 3, 4], [1, 1, 0, 0]), 0);
  const scores = [0.2, 0.2, 0.3, 0.3, 0.3, 0.9, 0.1, 0.5, 0.5, 0.7];
  const labels = [1, 0, 1, 0, 0, 1, 0, 1, 0, 1];
  assert.ok(Math.abs(auroc(scores, labels)! - pairwise(scores, labels)) < 1e-12);
});

test('a class with fewer than 2 positives or negatives has null AUROC, never 0 or 0.5', () => {
  assert.equal(auroc([0.1, 0.2, 0.3], [0, 0, 1]), null);
  assert.equal(auroc([0.1, 0.2, 0.3], [1, 1, 1]), null);
  const r = perClassAuroc([0.9, 0.1, 0, 0.2, 0.8, 0, 0.7, 0.3, 0, 0.4, 0.6, 0], [0, 1, 0, 1], 3);
  assert.equal(r.perClass[2], null);
  assert.equal(r.perClass[0], 1);
  assert.equal(r.mean, 1);
});

test('ROC points and area agree; sens/spec at a threshold', () => {
  const scores = [0.1, 0.4, 0.35, 0.8];
  const labels = [0, 0, 1, 1];
  const roc = rocCurve(scores, labels);
  assert.deepEqual(roc.at(-1), { threshold: 0.1, tpr: 1, fpr: 1 });
  let area = 0;
  for (let i = 1; i < roc.length; i++) area += ((roc[i]!.fpr - roc[i - 1]!.fpr) * (roc[i]!.tpr + roc[i - 1]!.tpr)) / 2;
  assert.equal(area, 0.75);
  assert.deepEqual(sensSpec(scores, labels, 0.35), { sensitivity: 1, specificity: 0.5 });
});

test('threshold at target sensitivity is the highest that reaches it', () => {
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
  const labels = [1, 1, 0, 1, 0, 1, 0, 0, 1, 0];
  const t = thresholdAtSensitivity(scores, labels, 0.8)!;
  assert.equal(t.threshold, 0.4); // 4 of 5 positives at >= 0.4
  assert.equal(t.sensitivity, 0.8);
  assert.equal(t.specificity, 3 / 5);
  assert.equal(thresholdAtSensitivity([0.1], [0], 0.9), null);
});

test('bootstrap CI is seeded, brackets the estimate, null when undefined', () => {
  const scores = Array.from({ length: 60 }, (_, i) => Math.sin(i) * 0.5 + (i % 2) * 0.4);
  const labels = scores.map((_, i) => i % 2);
  const a = bootstrapAurocCi(scores, labels, { seed: 3, replicates: 300 })!;
  const b = bootstrapAurocCi(scores, labels, { seed: 3, replicates: 300 })!;
  assert.deepEqual(a, b);
  const point = auroc(scores, labels)!;
  assert.ok(a[0] <= point && point <= a[1] && a[0] < a[1]);
  assert.equal(bootstrapAurocCi([0.1, 0.2], [0, 1]), null);
});
