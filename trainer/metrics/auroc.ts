/**
 * Ranking metrics (pure). AUROC is exact (Mann-Whitney U with midranks for ties), so it equals the area
 * under the ROC curve with ties drawn as diagonal segments. A class with fewer than MIN_PER_GROUP positives
 * or negatives has an undefined AUROC: `null`, never 0 or 0.5 (one or two examples say nothing about ranking).
 */
export const MIN_PER_GROUP = 2;

export function auroc(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): number | null {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (labels[i]) nPos++;
  const nNeg = n - nPos;
  if (nPos < MIN_PER_GROUP || nNeg < MIN_PER_GROUP) return null;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const midrank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]!]) rankSumPos += midrank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface RocPoint {
  threshold: number;
  tpr: number;
  fpr: number;
}

/** ROC points at every distinct score (descending), starting at (0,0) with threshold +Infinity. */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): RocPoint[] {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (labels[i]) nPos++;
  const nNeg = n - nPos;
  const points: RocPoint[] = [{ threshold: Number.POSITIVE_INFINITY, tpr: 0, fpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    const s = scores[idx[i]!]!;
    while (i < n && scores[idx[i]!] === s) {
      if (labels[idx[i]!]) tp++;
      else fp++;
      i++;
    }
    points.push({ threshold: s, tpr: nPos ? tp / nPos : 0, fpr: nNeg ? fp / nNeg : 0 });
  }
  return points;
}

/** Sensitivity and specificity when flagging score >= threshold. */
export function sensSpec(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean | number>,
  threshold: number,
): { sensitivity: number | null; specificity: number | null } {
  let tp = 0;
  let fn = 0;
  let tn = 0;
  let fp = 0;
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i]! >= threshold;
    if (labels[i]) flagged ? tp++ : fn++;
    else flagged ? fp++ : tn++;
  }
  return { sensitivity: tp + fn ? tp / (tp + fn) : null, specificity: tn + fp ? tn / (tn + fp) : null };
}

/**
 * The highest threshold whose sensitivity reaches `target` (so specificity is as high as it can be there).
 * Returns null when the class has no positives.
 */
export function thresholdAtSensitivity(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean | number>,
  target: number,
): { threshold: number; sensitivity: number; specificity: number } | null {
  const pos: number[] = [];
  for (let i = 0; i < scores.length; i++) if (labels[i]) pos.push(scores[i]!);
  if (pos.length === 0) return null;
  pos.sort((a, b) => b - a);
  const k = Math.min(pos.length, Math.max(1, Math.ceil(target * pos.length - 1e-9)));
  const threshold = pos[k - 1]!;
  const { sensitivity, specificity } = sensSpec(scores, labels, threshold);
  return { threshold, sensitivity: sensitivity ?? 0, specificity: specificity ?? 0 };
}

/**
 * The lowest threshold whose specificity reaches `target` (a high-specificity, "urgent" operating point).
 * Returns null when the class has no negatives.
 */
export function thresholdAtSpecificity(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean | number>,
  target: number,
): { threshold: number; sensitivity: number; specificity: number } | null {
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!labels[i]) neg.push(scores[i]!);
  if (neg.length === 0) return null;
  neg.sort((a, b) => a - b);
  // flag p >= t: the specificity is the share of negatives below t; t just above the k-th smallest negative
  const k = Math.min(neg.length, Math.max(1, Math.ceil(target * neg.length - 1e-9)));
  const below = neg[k - 1]!;
  const above = neg.find((v) => v > below);
  const threshold = above === undefined ? Math.min(1, below + 1e-6) : (below + above) / 2;
  const { sensitivity, specificity } = sensSpec(scores, labels, threshold);
  return { threshold, sensitivity: sensitivity ?? 0, specificity: specificity ?? 0 };
}
