/** Per-class metrics of multi-label scores against single-label ground truth (pure). */
import { auroc } from './auroc.ts';

/** Column `c` of row-major [n, classes] scores. */
export function column(scores: ArrayLike<number>, classes: number, c: number): Float64Array {
  const n = scores.length / classes;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = scores[i * classes + c]!;
  return out;
}

export function oneVsRest(labels: readonly number[], c: number): Uint8Array {
  return Uint8Array.from(labels, (l) => (l === c ? 1 : 0));
}

/** AUROC per class (null where undefined) and their mean over defined classes (null if none). */
export function perClassAuroc(
  scores: ArrayLike<number>,
  labels: readonly number[],
  classes: number,
): { perClass: (number | null)[]; mean: number | null } {
  const perClass = Array.from({ length: classes }, (_, c) => auroc(column(scores, classes, c), oneVsRest(labels, c)));
  const defined = perClass.filter((v): v is number => v !== null);
  return { perClass, mean: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null };
}
