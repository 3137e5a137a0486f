import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decideIntake } from '../../../agent/intake/disk-watermark.ts';

const GB = 1e9;
const mark = { minFreeBytes: 2 * GB, minFreePercent: 5 };

it('pauses below the larger of the byte and percent thresholds', () => {
  assert.equal(decideIntake({ freeBytes: 1.9 * GB, totalBytes: 10 * GB }, mark, false), true);
  assert.equal(decideIntake({ freeBytes: 4 * GB, totalBytes: 100 * GB }, mark, false), true, '5% of 100 GB');
  assert.equal(decideIntake({ freeBytes: 6 * GB, totalBytes: 100 * GB }, mark, false), false);
});

it('resumes only 10% above the threshold, so it does not flap', () => {
  assert.equal(decideIntake({ freeBytes: 2.1 * GB, totalBytes: 10 * GB }, mark, true), true);
  assert.equal(decideIntake({ freeBytes: 2.3 * GB, totalBytes: 10 * GB }, mark, true), false);
});
