import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkSchedules, dueRuns, type Schedule } from '../../../hub/training/schedule-policy.ts';

const H = 3_600_000;
const weekly: Schedule = { name: 'recal', kind: 'recalibrate', sites: 'all', everyHours: 168 };
const nightly: Schedule = { name: 'search', kind: 'search', everyHours: 24 };

it('makes one run per schedule, or per site, when it never ran or its interval has passed', () => {
  const keys = (runs: { key: string }[]) => runs.map((r) => r.key);
  assert.deepEqual(keys(dueRuns([weekly, nightly], ['b', 'a'], new Map(), 0)), ['recal/a', 'recal/b', 'search']);
  const last = new Map([
    ['recal/a', { atMs: 0, active: false }],
    ['recal/b', { atMs: 0, active: false }],
    ['search', { atMs: 0, active: false }],
  ]);
  assert.deepEqual(keys(dueRuns([weekly, nightly], ['a', 'b'], last, 23 * H)), []);
  assert.deepEqual(keys(dueRuns([weekly, nightly], ['a', 'b'], last, 24 * H)), ['search']);
  assert.deepEqual(keys(dueRuns([weekly, nightly], ['a', 'b'], last, 168 * H)), ['recal/a', 'recal/b', 'search']);
  const listed: Schedule = { ...weekly, sites: ['c'] };
  assert.deepEqual(keys(dueRuns([listed], ['a', 'b'], new Map(), 0)), ['recal/c']);
});

it('never piles up: a run whose last job is still queued or running waits', () => {
  const last = new Map([['search', { atMs: 0, active: true }]]);
  assert.deepEqual(dueRuns([nightly], [], last, 1000 * H), []);
});

it('refuses a recalibration schedule without sites and a name used twice', () => {
  assert.throws(() => checkSchedules([{ name: 'r', kind: 'recalibrate', everyHours: 1 }]), {
    code: 'CXR_ERR_HUB_CONFIG',
  });
  assert.throws(() => checkSchedules([nightly, nightly]), { code: 'CXR_ERR_HUB_CONFIG' });
  checkSchedules([weekly, nightly]);
});
