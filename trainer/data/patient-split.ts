/**
 * Stratified, seeded patient-level split (pure). Each patient gets the label of its most frequent class
 * (ties: the lowest class index); patients are shuffled per stratum and dealt to train/val/test by the
 * requested fractions (largest-remainder rounding per stratum), so no patient spans two splits.
 */
import type { LabelledImage, SplitName, SplitSet } from './dataset-types.ts';
import { mulberry32, shuffleInPlace } from './random.ts';

export interface SplitOptions {
  val: number;
  test: number;
  seed: number;
}

export function patientSplit(classes: string[], items: LabelledImage[], options: SplitOptions): SplitSet {
  const byPatient = new Map<string, LabelledImage[]>();
  for (const item of items) {
    const list = byPatient.get(item.patientId) ?? [];
    list.push(item);
    byPatient.set(item.patientId, list);
  }
  const strata = new Map<number, string[]>();
  for (const [pid, list] of [...byPatient].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const counts = new Array<number>(classes.length).fill(0);
    for (const it of list) counts[it.label]!++;
    const label = counts.indexOf(Math.max(...counts));
    strata.set(label, [...(strata.get(label) ?? []), pid]);
  }
  const rng = mulberry32(options.seed);
  const assignment = new Map<string, SplitName>();
  for (const label of [...strata.keys()].sort((a, b) => a - b)) {
    const pids = shuffleInPlace(strata.get(label)!, rng);
    const nTest = Math.round(pids.length * options.test);
    const nVal = Math.round(pids.length * options.val);
    pids.forEach((pid, i) => {
      assignment.set(pid, i < nTest ? 'test' : i < nTest + nVal ? 'val' : 'train');
    });
  }
  const splits: Record<SplitName, LabelledImage[]> = { train: [], val: [], test: [] };
  for (const item of items) splits[assignment.get(item.patientId)!].push(item);
  return { classes, splits };
}
