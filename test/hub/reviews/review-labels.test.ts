import assert from 'node:assert/strict';
import { it } from 'node:test';
import { labelsFor } from '../../../hub/reviews/review-labels.ts';

it('keeps the AI call on confirm, flips it on override, and counts an unmentioned class as confirmed', () => {
  const labels = labelsFor(['A', 'B', 'C'], ['A', 'C'], { A: 'override', B: 'override' });
  assert.deepEqual(
    labels.map((l) => [l.class, l.aiFlag, l.decision, l.label]),
    [
      ['A', true, 'override', false],
      ['B', false, 'override', true],
      ['C', true, 'confirm', true],
    ],
  );
});
