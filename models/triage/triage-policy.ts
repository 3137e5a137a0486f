/**
 * The triage policy (pure; docs/hub.md#triage). In: the resolved class roles (class-roles.ts) and one image's
 * calibrated probabilities by class. Out: a `Triage` — the abnormality score, the tier, and the findings called.
 *
 * - score = the highest probability among the finding classes ("Normal" is never a finding);
 * - `urgent`: a finding at or above its urgent (high-specificity) operating point;
 * - `abnormal`: else a finding at or above its screening (target-sensitivity) operating point;
 * - `likely-normal`: else, when the model has a normal class, its probability is at or above the normal
 *   class's operating point (a model without a normal class: no finding called is enough);
 * - `indeterminate`: no finding called, but the model is not confident the film is normal either.
 * "Flagged" means urgent or abnormal. The worklist orders by tier (TIER_ORDER), then score, then time waiting.
 * A probability that is missing or not a number counts as 0 for a finding and fails the normal test, so a
 * broken output can never make a study look calmer than `indeterminate`.
 */
import type { TriageRoles } from './class-roles.ts';

export const TIERS = ['urgent', 'abnormal', 'indeterminate', 'likely-normal'] as const;
export type Tier = (typeof TIERS)[number];

/** Worklist position of a tier: 0 comes first. */
export const TIER_ORDER: Readonly<Record<Tier, number>> = {
  urgent: 0,
  abnormal: 1,
  indeterminate: 2,
  'likely-normal': 3,
};

export interface Triage {
  tier: Tier;
  /** Abnormality score in [0, 1]: the highest finding probability. */
  score: number;
  /** Finding classes at or above their screening operating point, most probable first. */
  findings: string[];
  /** Finding classes at or above their urgent operating point, most probable first. */
  urgentFindings: string[];
}

export function isFlagged(tier: Tier): boolean {
  return tier === 'urgent' || tier === 'abnormal';
}

function probabilityOf(probabilities: Readonly<Record<string, number>>, name: string): number {
  const p = probabilities[name];
  return typeof p === 'number' && Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : Number.NaN;
}

export function triage(roles: TriageRoles, probabilities: Readonly<Record<string, number>>): Triage {
  const scored = roles.findings
    .map((f) => ({ ...f, p: probabilityOf(probabilities, f.name) }))
    .map((f) => ({ ...f, p: Number.isNaN(f.p) ? 0 : f.p }))
    .sort((a, b) => b.p - a.p);
  const findings = scored.filter((f) => f.p >= f.threshold).map((f) => f.name);
  const urgentFindings = scored
    .filter((f) => f.urgentThreshold !== undefined && f.p >= f.urgentThreshold)
    .map((f) => f.name);
  const score = scored.length > 0 ? (scored[0] as { p: number }).p : 0;
  const normalConfident =
    roles.normal === undefined || probabilityOf(probabilities, roles.normal.name) >= roles.normal.threshold;
  const tier: Tier =
    urgentFindings.length > 0
      ? 'urgent'
      : findings.length > 0
        ? 'abnormal'
        : normalConfident
          ? 'likely-normal'
          : 'indeterminate';
  return { tier, score, findings, urgentFindings };
}
