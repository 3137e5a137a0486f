/**
 * Seeded percentile bootstrap of AUROC (pure): resample cases with replacement, stratified by label so
 * every replicate keeps the class balance; 95% interval = 2.5th and 97.5th percentiles. null when the
 * AUROC itself is undefined.
 */
import { mulberry32 } from '../data/random.ts';
import { auroc } from './auroc.ts';

export function bootstrapAurocCi(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean | number>,
  options: { replicates?: number; seed?: number } = {},
): [number, number] | null {
  if (auroc(scores, labels) === null) return null;
  const rng = mulberry32(options.seed ?? 1);
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (labels[i] ? pos : neg).push(scores[i]!);
  const reps = options.replicates ?? 1000;
  const values: number[] = [];
  const s = new Float64Array(pos.length + neg.length);
  const l = new Uint8Array(pos.length + neg.length);
  l.fill(1, 0, pos.length);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < pos.length; i++) s[i] = pos[Math.floor(rng() * pos.length)]!;
    for (let i = 0; i < neg.length; i++) s[pos.length + i] = neg[Math.floor(rng() * neg.length)]!;
    values.push(auroc(s, l)!);
  }
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))]!;
  return [at(0.025), at(0.975)];
}
