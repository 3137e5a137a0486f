import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluateWeek,
  refusalsOf,
  siteState,
  transitionOf,
  type WeekFigures,
} from '../../../hub/drift/drift-policy.ts';
import { isoWeekOf, recentWeeks, weekBounds } from '../../../hub/drift/iso-week.ts';

const thresholds = { minReads: 10, minAgreement: 0.8, minResults: 20, maxPsi: 0.25, maxRefusedRate: 0.05 };
const reference = {
  score: 'max-finding-probability' as const,
  edges: [0, 0.5, 1],
  counts: [80, 20],
  fittedOn: 'test',
};
const figures = (over: Partial<WeekFigures> = {}): WeekFigures => ({
  site: 'a',
  week: '2026-W10',
  results: 100,
  reads: { total: 20, agreed: 18 },
  scores: { modelVersion: '1.0.0', counts: [78, 22], reference },
  refused: 2,
  ...over,
});

describe('ISO weeks', () => {
  it('names weeks as ISO 8601 does, across year ends', () => {
    assert.equal(isoWeekOf(Date.parse('2026-03-04T12:00:00Z')), '2026-W10');
    assert.equal(isoWeekOf(Date.parse('2021-01-03T23:59:59Z')), '2020-W53'); // a Sunday in 2020's last week
    assert.equal(isoWeekOf(Date.parse('2024-12-30T00:00:00Z')), '2025-W01'); // Monday of 2025's first week
    const { startMs, endMs } = weekBounds('2026-W10');
    assert.equal(new Date(startMs).toISOString(), '2026-03-02T00:00:00.000Z');
    assert.equal(endMs - startMs, 7 * 86_400_000);
    assert.deepEqual(recentWeeks(Date.parse('2026-01-07T00:00:00Z'), 3), ['2026-W02', '2026-W01', '2025-W52']);
  });
});

describe('drift of a site in a week', () => {
  it('is quiet when agreement, scores and refusals are as expected', () => {
    const week = evaluateWeek(figures(), thresholds);
    assert.equal(week.drifting, false);
    assert.equal(week.agreement.rate, 0.9);
    assert.ok(week.scores?.psi !== null && (week.scores?.psi ?? 1) < 0.01);
    assert.equal(week.refused.rate, 2 / 102);
  });

  it('names each reason: low agreement, a shifted score distribution, many refusals', () => {
    const week = evaluateWeek(
      figures({
        reads: { total: 20, agreed: 10 },
        scores: { modelVersion: '1.0.0', counts: [30, 70], reference },
        refused: 20,
      }),
      thresholds,
    );
    assert.deepEqual(week.reasons, ['agreement', 'score-distribution', 'refused-inputs']);
    assert.equal(week.drifting, true);
  });

  it('judges nothing on too little data, and makes up no PSI without a reference histogram', () => {
    const thin = evaluateWeek(
      figures({
        results: 5,
        reads: { total: 3, agreed: 0 },
        scores: { modelVersion: '1', counts: [0, 5], reference },
        refused: 0,
      }),
      thresholds,
    );
    assert.equal(thin.judged, false);
    assert.equal(thin.agreement.rate, null);
    assert.equal(thin.scores?.psi, null);
    const noReference = evaluateWeek(
      figures({ scores: { modelVersion: '0.9.0', counts: [0, 100], reference: null } }),
      thresholds,
    );
    assert.deepEqual(noReference.scores, { modelVersion: '0.9.0', psi: null, reference: 'none' });
    assert.equal(noReference.drifting, false);
  });

  it("takes a site's state from its newest judged week and sees transitions once", () => {
    const judged = evaluateWeek(figures({ reads: { total: 20, agreed: 5 } }), thresholds);
    const unjudged = evaluateWeek(
      figures({ week: '2026-W11', results: 0, reads: { total: 0, agreed: 0 }, scores: null, refused: 0 }),
      thresholds,
    );
    assert.equal(siteState([unjudged, judged])?.week, '2026-W10');
    assert.equal(siteState([unjudged]), undefined);
    assert.equal(transitionOf(undefined, judged), 'started');
    assert.equal(transitionOf({ drifting: true }, judged), null);
    assert.equal(transitionOf({ drifting: true }, { drifting: false }), 'ended');
    assert.equal(transitionOf(undefined, { drifting: false }), null);
  });

  it("counts a week's refusals as the growth of each agent's quarantined count", () => {
    const rows = [
      { agent: 'x', week: '2026-W09', firstCount: 0, lastCount: 4 },
      { agent: 'x', week: '2026-W10', firstCount: 6, lastCount: 9 },
      { agent: 'y', week: '2026-W10', firstCount: 2, lastCount: 3 },
      { agent: 'z', week: '2026-W10', firstCount: 10, lastCount: 1 }, // a counter that started again
    ];
    assert.equal(refusalsOf(rows, '2026-W10'), 5 + 1 + 0);
    assert.equal(refusalsOf(rows, '2026-W09'), 4);
  });
});
