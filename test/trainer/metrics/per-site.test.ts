import assert from 'node:assert/strict';
import { test } from 'node:test';
import { perSiteAuroc } from '../../../trainer/metrics/per-site.ts';

test('the score averages sites, so a perfect large site cannot hide a backwards small one', () => {
  // 2 classes, scores row-major [n, 2]; site A perfect (8 images), site B backwards (4 images)
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1];
  const sites = [...Array(8).fill('A'), ...Array(4).fill('B')];
  const p0 = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1, 0.1, 0.2, 0.8, 0.9];
  const scores = p0.flatMap((p) => [p, 1 - p]);
  const r = perSiteAuroc(scores, labels, sites, 2);
  assert.deepEqual(r.bySite.A, [1, 1]);
  assert.deepEqual(r.bySite.B, [0, 0]);
  assert.equal(r.score, 0.5);
});

test('a site without positives of a class has a null AUROC there and counts only its defined classes', () => {
  const r = perSiteAuroc([0.1, 0.9, 0.2, 0.8], [0, 0], ['A', 'A'], 2);
  assert.deepEqual(r.bySite.A, [null, null]);
  assert.equal(r.score, null);
});
