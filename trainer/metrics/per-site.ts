/**
 * Per-site AUROC (pure): the validation score that checkpoints, early stopping and `cxr search` rank by is the
 * mean over sites of each site's mean AUROC over its defined classes, so a model cannot buy a better figure at
 * the large site with a worse one at the small site. With one site it is the plain mean over classes.
 */
import { perClassAuroc } from './per-class.ts';

export interface SiteAuroc {
  /** Per site, per class (null where undefined at that site). */
  bySite: Record<string, (number | null)[]>;
  /** Mean over sites of their defined-class means; null when no site has a defined AUROC. */
  score: number | null;
}

export function perSiteAuroc(
  scores: ArrayLike<number>,
  labels: readonly number[],
  sites: readonly string[],
  classes: number,
): SiteAuroc {
  const bySite: Record<string, (number | null)[]> = {};
  const means: number[] = [];
  for (const site of [...new Set(sites)].sort()) {
    const idx = sites.flatMap((s, i) => (s === site ? [i] : []));
    const siteScores = new Float64Array(idx.length * classes);
    idx.forEach((i, j) => {
      for (let c = 0; c < classes; c++) siteScores[j * classes + c] = scores[i * classes + c]!;
    });
    const { perClass, mean } = perClassAuroc(
      siteScores,
      idx.map((i) => labels[i]!),
      classes,
    );
    bySite[site] = perClass;
    if (mean !== null) means.push(mean);
  }
  return { bySite, score: means.length ? means.reduce((a, b) => a + b, 0) / means.length : null };
}
