import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkItem } from '../../../hub/web/src/api/worklist-api.ts';
import {
  apiQuery,
  compareItems,
  DEFAULT_FILTERS,
  dayStart,
  filtersFromQuery,
  hashOf,
  matches,
} from '../../../hub/web/src/screens/worklist/worklist-filters.ts';

const item = (over: Partial<WorkItem>): WorkItem => ({
  id: 'a'.repeat(64),
  site: 'north',
  agent: 'xr-1',
  tier: 'abnormal',
  tierLabel: 'Abnormal',
  score: 0.5,
  scoreText: '50%',
  findings: [{ name: 'Lung Opacity', percent: '50%', urgent: false }],
  arrivedAt: '2026-11-30T10:00:00.000Z',
  arrivedText: '',
  acquired: true,
  status: 'unread',
  turnaroundS: null,
  claimedBy: null,
  model: 'm 1',
  studyShort: 'x',
  ...over,
});

describe('worklist filters', () => {
  it('round-trips every filter through the hash, leaving defaults out', () => {
    assert.equal(hashOf(DEFAULT_FILTERS), '#/worklist');
    const filters = {
      status: 'all' as const,
      tiers: ['urgent' as const, 'abnormal' as const],
      site: 'north',
      finding: 'Lung Opacity',
      from: '2026-11-01',
      to: '2026-11-30',
      claimed: 'unclaimed' as const,
      sort: 'score' as const,
    };
    const hash = hashOf(filters);
    assert.deepEqual(filtersFromQuery(new URLSearchParams(hash.slice(hash.indexOf('?') + 1))), filters);
  });

  it('ignores values it does not know instead of sending them on', () => {
    const f = filtersFromQuery(new URLSearchParams('status=bogus&tier=urgent,nope&from=yesterday&sort=random'));
    assert.deepEqual(f, { ...DEFAULT_FILTERS, tiers: ['urgent'] });
  });

  it('turns days into instants for the API: from inclusive, to exclusive (the next midnight)', () => {
    const q = apiQuery({ ...DEFAULT_FILTERS, from: '2026-11-01', to: '2026-11-30' }, 100);
    assert.equal(q.from, dayStart('2026-11-01').toISOString());
    assert.equal(q.to, dayStart('2026-12-01').toISOString());
    assert.equal(q.claimed, '');
    assert.equal(q.limit, '100');
  });

  it('orders by tier, then score, then longest waiting, like the API', () => {
    const urgentLow = item({ id: '1', tier: 'urgent', score: 0.6 });
    const abnormalHigh = item({ id: '2', tier: 'abnormal', score: 0.97 });
    const abnormalOlder = item({ id: '3', tier: 'abnormal', score: 0.97, arrivedAt: '2026-11-29T10:00:00.000Z' });
    const normal = item({ id: '4', tier: 'likely-normal', score: 0.02 });
    const sorted = [normal, abnormalHigh, urgentLow, abnormalOlder].sort((a, b) => compareItems('triage', a, b));
    assert.deepEqual(
      sorted.map((i) => i.id),
      ['1', '3', '2', '4'],
    );
    assert.deepEqual(
      [normal, abnormalHigh, abnormalOlder].sort((a, b) => compareItems('newest', a, b)).map((i) => i.id),
      ['4', '2', '3'],
    );
  });

  it('matches a live arrival against the filters, claims included', () => {
    const f = { ...DEFAULT_FILTERS, tiers: ['urgent' as const] };
    assert.equal(matches(f, item({ tier: 'abnormal' }), 'me'), false);
    assert.equal(matches(f, item({ tier: 'urgent' }), 'me'), true);
    assert.equal(matches({ ...DEFAULT_FILTERS, claimed: 'mine' }, item({ claimedBy: 'me' }), 'me'), true);
    assert.equal(matches({ ...DEFAULT_FILTERS, claimed: 'others' }, item({ claimedBy: 'me' }), 'me'), false);
    assert.equal(matches({ ...DEFAULT_FILTERS, finding: 'Effusion' }, item({}), 'me'), false);
    assert.equal(matches({ ...DEFAULT_FILTERS, status: 'reviewed' }, item({}), 'me'), false);
  });
});
