/**
 * Drift of one site in one ISO week (pure; docs/hub.md#drift). In: the week's figures — signed reads compared with
 * the AI (the latest version of each read: an addendum wins), the triage scores' histogram of the model that scored
 * most of the week's films with that model's reference histogram (or none), the inputs the site's agents refused —
 * and the thresholds from the hub config. Out: the measures (agreement, PSI, refused rate; null when there is too
 * little data to judge, and `reference: 'none'` when the model package has no reference histogram: no PSI is made
 * up) and whether the week drifts, with the reasons. A site's state is its newest week that could be judged;
 * a change of state is a transition (logged once, by drift-monitor.ts).
 */
import { populationStabilityIndex, type ReferenceScores } from '../../models/triage/score-histogram.ts';
import type { HubConfig } from '../config.ts';

export type DriftThresholds = Pick<
  HubConfig['drift'],
  'minReads' | 'minAgreement' | 'minResults' | 'maxPsi' | 'maxRefusedRate'
>;

export interface WeekFigures {
  site: string;
  week: string;
  /** Films scored that week. */
  results: number;
  /** Signed reads of those films: how many, and in how many the AI's flag (urgent/abnormal) matched the read's. */
  reads: { total: number; agreed: number };
  /** The scores of the model with the most films that week. */
  scores: { modelVersion: string; counts: number[]; reference: ReferenceScores | null } | null;
  /** Inputs the agents refused (quarantined) that week. */
  refused: number;
}

export type DriftReason = 'agreement' | 'score-distribution' | 'refused-inputs';

export interface WeekDrift {
  site: string;
  week: string;
  results: number;
  agreement: { reads: number; rate: number | null };
  scores: { modelVersion: string; psi: number | null; reference: 'model-package' | 'none' } | null;
  refused: { count: number; rate: number | null };
  /** Whether anything could be judged this week. */
  judged: boolean;
  drifting: boolean;
  reasons: DriftReason[];
}

export function evaluateWeek(f: WeekFigures, t: DriftThresholds): WeekDrift {
  const reasons: DriftReason[] = [];
  const agreementRate = f.reads.total >= t.minReads ? f.reads.agreed / f.reads.total : null;
  if (agreementRate !== null && agreementRate < t.minAgreement) reasons.push('agreement');
  let scores: WeekDrift['scores'] = null;
  if (f.scores) {
    const enough = f.scores.counts.reduce((a, b) => a + b, 0) >= t.minResults;
    const psi =
      enough && f.scores.reference ? populationStabilityIndex(f.scores.reference.counts, f.scores.counts) : null;
    const value = psi !== null && Number.isFinite(psi) ? Math.round(psi * 1e4) / 1e4 : null;
    if (value !== null && value > t.maxPsi) reasons.push('score-distribution');
    scores = {
      modelVersion: f.scores.modelVersion,
      psi: value,
      reference: f.scores.reference ? 'model-package' : 'none',
    };
  }
  const inputs = f.results + f.refused;
  const refusedRate = inputs >= t.minResults ? f.refused / inputs : null;
  if (refusedRate !== null && refusedRate > t.maxRefusedRate) reasons.push('refused-inputs');
  return {
    site: f.site,
    week: f.week,
    results: f.results,
    agreement: { reads: f.reads.total, rate: agreementRate },
    scores,
    refused: { count: f.refused, rate: refusedRate },
    judged: agreementRate !== null || scores?.psi != null || refusedRate !== null,
    drifting: reasons.length > 0,
    reasons,
  };
}

/** The site's state: its newest judged week among `weeks` (newest first), or undefined when none could be judged. */
export function siteState(weeks: readonly WeekDrift[]): WeekDrift | undefined {
  return weeks.find((w) => w.judged);
}

export type Transition = 'started' | 'ended' | null;

/** Whether the site started or stopped drifting between the stored state and the new one. */
export function transitionOf(before: { drifting: boolean } | undefined, after: { drifting: boolean }): Transition {
  const was = before?.drifting ?? false;
  if (after.drifting && !was) return 'started';
  if (!after.drifting && was) return 'ended';
  return null;
}

/**
 * A week's refusals from the quarantined counts its agents reported: per agent, the growth of the count from the
 * last one seen in an earlier week (or the first one seen this week), never below 0 (a counter that restarted).
 */
export function refusalsOf(
  rows: readonly { agent: string; week: string; firstCount: number; lastCount: number }[],
  week: string,
): number {
  let total = 0;
  for (const row of rows.filter((r) => r.week === week)) {
    const earlier = rows
      .filter((r) => r.agent === row.agent && r.week < week)
      .sort((a, b) => (a.week < b.week ? 1 : -1))[0];
    const base = earlier ? earlier.lastCount : row.firstCount;
    total += Math.max(0, row.lastCount - base);
  }
  return total;
}
