/**
 * `cxr eval`: a signed model package on a labelled image list, through the production inference path
 * (loadPackageFromPath -> openSession -> readImageFile -> gate -> preprocess -> infer -> calibrate; score-images.ts).
 * Per-class AUROC (exact, null when undefined; on raw probabilities, which calibration does not reorder), mean
 * over defined classes, seeded bootstrap 95% CIs, ROC points, sensitivity/specificity at the manifest thresholds
 * (on calibrated probabilities), expected calibration error, the gate's refusals, n per class. When the labels
 * CSV has a `site` (or `source`) column, the same per site, with the shortcut checks (shortcut-checks.ts):
 * the AUROC of image statistics alone and of the model on re-processed copies. Rows whose class the model does
 * not have count as negatives for every class. Images that cannot be read are counted and skipped.
 */
import type { Logger } from 'pino';
import { CxrError } from '../../models/errors.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import type { RuntimeChoice } from '../../models/runtime/types.ts';
import { readLabelsCsv } from '../data/read-sources.ts';
import { auroc, type RocPoint, rocCurve, sensSpec } from '../metrics/auroc.ts';
import { bootstrapAurocCi } from '../metrics/bootstrap.ts';
import { expectedCalibrationError } from '../metrics/calibration.ts';
import { column, oneVsRest } from '../metrics/per-class.ts';
import { gateOnNegatives, type ScoredImage, scoreImages } from './score-images.ts';
import { REPROCESSING, STATISTICS } from './shortcut-checks.ts';

type ByClass<T> = Record<string, T>;

export interface SiteReport {
  images: number;
  refused: Record<string, number>;
  auroc: ByClass<number | null>;
  ci95: ByClass<[number, number] | null>;
  n: ByClass<{ positives: number; negatives: number }>;
  /** AUROC of each statistic alone, per class (> 0.5: higher statistic, more likely that class). */
  statisticsAuroc?: Record<string, ByClass<number | null>>;
  /** The model's AUROC on re-processed copies, per class; `flipped` lists classes whose AUROC fell below 0.5. */
  reprocessedAuroc?: Record<string, ByClass<number | null>>;
  flipped?: string[];
}

export interface EvalReport {
  model: { name: string; version: string; macs: number; params: number };
  runtime: string;
  classes: string[];
  auroc: ByClass<number | null>;
  meanAuroc: number | null;
  ci95: ByClass<[number, number] | null>;
  n: ByClass<{ positives: number; negatives: number }>;
  images: { evaluated: number; failed: number; refusedByGate: number; otherClass: number };
  atThresholds: ByClass<{ threshold: number; sensitivity: number | null; specificity: number | null }>;
  ece: ByClass<number>;
  roc: ByClass<RocPoint[]>;
  bySite: Record<string, SiteReport>;
  notChest?: Awaited<ReturnType<typeof gateOnNegatives>>;
}

export interface EvalOptions {
  model: string;
  labels: string;
  runtime: RuntimeChoice;
  trust?: string[];
  bootstrap?: number;
  /** Shortcut checks per site (image statistics, re-processed copies); default true. */
  shortcuts?: boolean;
  /** Not-a-chest images (`file,kind` CSV, e.g. negatives.csv): how many the gate refuses per kind. */
  notChest?: { path: string; kind: string }[];
  logger?: Logger;
}

/** Thins a ROC curve to at most `max` points (keeps the ends), for JSON and SVG. */
function thin(points: RocPoint[], max = 200): RocPoint[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}

const rowsOf = (records: ScoredImage[], pick: (r: ScoredImage) => ArrayLike<number> | undefined) =>
  Float64Array.from(records.flatMap((r) => Array.from(pick(r) ?? [])));

function siteReport(records: ScoredImage[], classes: string[], bootstrap: number): SiteReport {
  const K = classes.length;
  const labels = records.map((r) => r.label);
  const raw = rowsOf(records, (r) => r.raw);
  const refused: Record<string, number> = {};
  for (const r of records) if (r.refused) refused[r.refused] = (refused[r.refused] ?? 0) + 1;
  const per = <T>(f: (c: number) => T) => Object.fromEntries(classes.map((n, c) => [n, f(c)]));
  const report: SiteReport = {
    images: records.length,
    refused,
    auroc: per((c) => auroc(column(raw, K, c), oneVsRest(labels, c))),
    ci95: per((c) => bootstrapAurocCi(column(raw, K, c), oneVsRest(labels, c), { seed: 1, replicates: bootstrap })),
    n: per((c) => {
      const positives = labels.filter((l) => l === c).length;
      return { positives, negatives: labels.length - positives };
    }),
  };
  if (records.every((r) => r.stats && r.reprocessed)) {
    report.statisticsAuroc = Object.fromEntries(
      STATISTICS.map((s) => [
        s,
        per((c) =>
          auroc(
            records.map((r) => r.stats![s]),
            oneVsRest(labels, c),
          ),
        ),
      ]),
    );
    report.reprocessedAuroc = Object.fromEntries(
      REPROCESSING.map((how) => {
        const scores = rowsOf(records, (r) => r.reprocessed![how]);
        return [how, per((c) => auroc(column(scores, K, c), oneVsRest(labels, c)))];
      }),
    );
    report.flipped = classes.filter(
      (name) =>
        (report.auroc[name] ?? 0) > 0.5 &&
        REPROCESSING.some((how) => (report.reprocessedAuroc![how]![name] ?? 1) < 0.5),
    );
  }
  return report;
}

export async function evaluatePackage(o: EvalOptions): Promise<EvalReport> {
  const trusted = await readTrustedKeys(o.trust ?? []);
  const { pkg, cleanup } = await loadPackageFromPath(o.model, { trustedPublicKeysPem: trusted });
  try {
    const m = pkg.manifest;
    const set = await readLabelsCsv(o.labels, m.classes, { unknown: 'other' });
    const { session, reason } = await openSession(pkg, {
      runtime: o.runtime,
      ...(o.logger ? { logger: o.logger } : {}),
    });
    let records: ScoredImage[];
    let notChest: EvalReport['notChest'];
    try {
      records = await scoreImages(set.items, m, session, { shortcuts: o.shortcuts ?? true });
      if (o.notChest) notChest = await gateOnNegatives(o.notChest, m, session);
    } finally {
      await session.close();
    }
    const scored = records.filter((r) => r.raw);
    if (scored.length === 0)
      throw new CxrError('CXR_ERR_DATASET_INVALID', 'no image of the labels file could be evaluated');
    const bootstrap = o.bootstrap ?? 1000;
    const pooled = siteReport(scored, m.classes, bootstrap);
    const K = m.classes.length;
    const labels = scored.map((r) => r.label);
    const raw = rowsOf(scored, (r) => r.raw);
    const calibrated = rowsOf(scored, (r) => r.calibrated);
    const defined = Object.values(pooled.auroc).filter((a): a is number => a !== null);
    const sites = [...new Set(scored.map((r) => r.site))].sort();
    return {
      model: { name: m.name, version: m.version, macs: m.macs, params: m.params },
      runtime: reason,
      classes: m.classes,
      auroc: pooled.auroc,
      meanAuroc: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
      ci95: pooled.ci95,
      n: pooled.n,
      images: {
        evaluated: scored.length,
        failed: records.length - scored.length,
        refusedByGate: scored.filter((r) => r.refused).length,
        otherClass: scored.filter((r) => r.label < 0).length,
      },
      atThresholds: Object.fromEntries(
        m.classes.map((name, c) => {
          const threshold = m.thresholds[name]?.threshold ?? 0.5;
          return [name, { threshold, ...sensSpec(column(calibrated, K, c), oneVsRest(labels, c), threshold) }];
        }),
      ),
      ece: Object.fromEntries(
        m.classes.map((name, c) => [name, expectedCalibrationError(column(calibrated, K, c), oneVsRest(labels, c))]),
      ),
      roc: Object.fromEntries(
        m.classes.map((name, c) => [
          name,
          thin(rocCurve(column(raw, K, c), oneVsRest(labels, c))).map((p) => ({
            ...p,
            threshold: Number.isFinite(p.threshold) ? p.threshold : 1,
          })),
        ]),
      ),
      bySite: Object.fromEntries(
        sites.map((site) => [
          site,
          siteReport(
            scored.filter((r) => r.site === site),
            m.classes,
            bootstrap,
          ),
        ]),
      ),
      ...(notChest ? { notChest } : {}),
    };
  } finally {
    await cleanup();
  }
}
