/**
 * Stratified, seeded patient-level split (pure). Each patient gets the label of its most frequent class
 * (ties: the lowest class index); patients are grouped by (site, label), shuffled per stratum and dealt to
 * train/val/test by the requested fractions (largest-remainder rounding per stratum), so no patient spans two
 * splits and every site has its own validation and test patients in its own class proportions.
 * Strata are visited in (site, label) order, so a one-site dataset splits exactly as before sites existed.
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
    const key = `${item.site}\u0000${item.patientId}`;
    const list = byPatient.get(key) ?? [];
    list.push(item);
    byPatient.set(key, list);
  }
  const strata = new Map<string, { site: string; label: number; keys: string[] }>();
  for (const [key, list] of [...byPatient].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const counts = new Array<number>(classes.length).fill(0);
    for (const it of list) counts[it.label]!++;
    const label = counts.indexOf(Math.max(...counts));
    const site = list[0]!.site;
    const id = `${site}\u0000${label}`;
    const stratum = strata.get(id) ?? { site, label, keys: [] };
    stratum.keys.push(key);
    strata.set(id, stratum);
  }
  const ordered = [...strata.values()].sort((a, b) =>
    a.site === b.site ? a.label - b.label : a.site < b.site ? -1 : 1,
  );
  const rng = mulberry32(options.seed);
  const assignment = new Map<string, SplitName>();
  for (const stratum of ordered) {
    const keys = shuffleInPlace(stratum.keys, rng);
    const nTest = Math.round(keys.length * options.test);
    const nVal = Math.round(keys.length * options.val);
    keys.forEach((key, i) => {
      assignment.set(key, i < nTest ? 'test' : i < nTest + nVal ? 'val' : 'train');
    });
  }
  const splits: Record<SplitName, LabelledImage[]> = { train: [], val: [], test: [] };
  for (const item of items) splits[assignment.get(`${item.site}\u0000${item.patientId}`)!].push(item);
  return { classes, splits };
}
