/**
 * The abnormality score's distribution (pure; docs/model-package.md#reference-scores, docs/hub.md#drift). In: scores
 * in [0, 1] (the triage score: the highest calibrated finding probability) or two histograms on the same bins. Out:
 * counts per bin, a manifest's `referenceScores` section, and the population stability index (PSI) of an observed
 * histogram against a reference. A score outside [0, 1] or not a number is clamped / skipped, never an error.
 */
import { type Static, Type } from '@sinclair/typebox';

/** Ten equal bins over [0, 1]; the last bin holds 1.0. */
export const SCORE_EDGES: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10);

export const ReferenceScoresSchema = Type.Object({
  /** What was counted: the triage abnormality score (highest calibrated finding probability) per image. */
  score: Type.Literal('max-finding-probability'),
  /** Bin edges, ascending, first 0 and last 1; bin i is [edges[i], edges[i+1]) and the last one includes 1. */
  edges: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { minItems: 2 }),
  counts: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }),
  /** Where the scores came from, e.g. "validation split, 1,204 images". */
  fittedOn: Type.String(),
});
export type ReferenceScores = Static<typeof ReferenceScoresSchema>;

export function histogramOf(scores: Iterable<number>, edges: readonly number[] = SCORE_EDGES): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const raw of scores) {
    if (!Number.isFinite(raw)) continue;
    const s = Math.min(1, Math.max(0, raw));
    let bin = counts.length - 1;
    for (let i = 0; i < counts.length; i++) {
      if (s < (edges[i + 1] as number)) {
        bin = i;
        break;
      }
    }
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts;
}

/** Bins with no count get this share, so an empty bin does not make the PSI infinite. */
const FLOOR = 1e-4;

/**
 * PSI = Σ (observed share − reference share) · ln(observed share / reference share) over the bins. Rule of thumb:
 * under 0.1 stable, 0.1–0.25 a moderate shift, over 0.25 a significant one. Undefined (NaN) when either is empty or
 * the bins differ in number.
 */
export function populationStabilityIndex(reference: readonly number[], observed: readonly number[]): number {
  if (reference.length !== observed.length) return Number.NaN;
  const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const [r, o] = [total(reference), total(observed)];
  if (r === 0 || o === 0) return Number.NaN;
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const e = Math.max(FLOOR, (reference[i] as number) / r);
    const a = Math.max(FLOOR, (observed[i] as number) / o);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}
