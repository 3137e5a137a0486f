/** The Models screen's live shadow card (pure view model): agreement per site and overall, which model is ahead, actions. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type ShadowBody, toShadowView } from '../../../hub/web/src/api/shadows-api.ts';

const row = (films: number, reads: number, production: number, candidate: number) => ({
  films,
  reads,
  production: { agreed: production, rate: reads ? production / reads : null },
  candidate: { agreed: candidate, rate: reads ? candidate / reads : null },
});

const body = (status: ShadowBody['status']): ShadowBody => ({
  id: 's-1',
  version: '1.1.0',
  sites: ['site-b', 'site-c'],
  status,
  minReads: 50,
  createdBy: 'boss',
  createdAt: '2026-12-02T01:00:00.000Z',
  endedBy: status === 'running' ? null : 'hub',
  endedAt: status === 'running' ? null : '2026-12-02T02:00:00.000Z',
  endReason: status === 'stopped' ? 'the candidate agreed less' : null,
  rolloutId: null,
  reportUrl: '/api/training/reports/1.1.0',
  agreement: {
    overall: row(40, 32, 20, 24),
    sites: [
      { site: 'site-b', ...row(40, 32, 20, 24) },
      { site: 'site-c', ...row(0, 0, 0, 0) },
    ],
    productionVersions: ['1.0.0'],
  },
});

it('shows each site and all sites with agreed/reads, who is ahead, and the actions a running shadow allows', () => {
  const view = toShadowView(body('running'));
  assert.deepEqual(
    view.lines.map((l) => [l.site, l.films, l.reads, l.production, l.candidate, l.ahead]),
    [
      ['site-b', 40, 32, '20/32 (63%)', '24/32 (75%)', 'candidate'],
      ['site-c', 0, 0, '—', '—', 'even'],
      ['all sites', 40, 32, '20/32 (63%)', '24/32 (75%)', 'candidate'],
    ],
  );
  assert.deepEqual(view.can, { stop: true, promote: true });
  assert.equal(view.production, '1.0.0');
  assert.equal(view.reportUrl, '/api/training/reports/1.1.0');
});

it('a stopped shadow says why and offers nothing', () => {
  const view = toShadowView(body('stopped'));
  assert.deepEqual(view.can, { stop: false, promote: false });
  assert.match(view.ended, /^stopped .* · hub — the candidate agreed less$/);
});
