import assert from 'node:assert/strict';
import { it } from 'node:test';
import { backoffMs } from '../../../agent/sync/backoff.ts';

const policy = { initialMs: 1000, maxMs: 60_000 };

it('doubles per attempt up to the cap (upper jitter bound)', () => {
  const top = () => 1;
  assert.deepEqual(
    [0, 1, 2, 3, 6, 7, 50].map((a) => backoffMs(a, policy, top)),
    [1000, 2000, 4000, 8000, 60_000, 60_000, 60_000],
  );
});

it('jitters down to half the ceiling, never below', () => {
  assert.equal(
    backoffMs(2, policy, () => 0),
    2000,
  );
  for (let i = 0; i < 100; i++) {
    const ms = backoffMs(3, policy);
    assert.ok(ms >= 4000 && ms <= 8000, String(ms));
  }
});

it('treats a negative attempt as the first', () => {
  assert.equal(
    backoffMs(-3, policy, () => 1),
    1000,
  );
});
