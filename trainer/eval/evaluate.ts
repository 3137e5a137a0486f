/**
 * `cxr eval`: a signed model package on a labelled image list, through the production inference path
 * (loadPackageFromPath -> openSession -> readImageFile -> preprocess -> infer). Per-class AUROC (exact, null
 * when undefined), mean over defined classes, seeded bootstrap 95% CIs, ROC points, sensitivity/specificity
 * at the manifest thresholds, n per class. Images that cannot be read are counted and skipped.
 */
import type { Logger } from 'pino';
import { CxrError } from '../../models/errors.ts';
import { readImageFile } from '../../models/image/read-image.ts';
import { loadPackageFromPath } from '../../models/package/open-package-path.ts';
import { readTrustedKeys } from '../../models/package/trusted-keys.ts';
import { preprocess } from '../../models/preprocess/preprocess.ts';
import { openSession } from '../../models/runtime/open-session.ts';
import type { RuntimeChoice } from '../../models/runtime/types.ts';
import { readLabelsCsv } from '../data/read-sources.ts';
import { auroc, type RocPoint, rocCurve, sensSpec } from '../metrics/auroc.ts';
import { bootstrapAurocCi } from '../metrics/bootstrap.ts';
import { column, oneVsRest } from '../metrics/per-class.ts';

export interface EvalReport {
  model: { name: string; version: string; macs: number; params: number };
  runtime: string;
  classes: string[];
  auroc: Record<string, number | null>;
  meanAuroc: number | null;
  ci95: Record<string, [number, number] | null>;
  n: Record<string, { positives: number; negatives: number }>;
  images: { evaluated: number; failed: number };
  atThresholds: Record<string, { threshold: number; sensitivity: number | null; specificity: number | null }>;
  roc: Record<string, RocPoint[]>;
}

export interface EvalOptions {
  model: string;
  labels: string;
  runtime: RuntimeChoice;
  trust?: string[];
  bootstrap?: number;
  logger?: Logger;
}

/** Thins a ROC curve to at most `max` points (keeps the ends), for JSON and SVG. */
function thin(points: RocPoint[], max = 200): RocPoint[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}

export async function evaluatePackage(o: EvalOptions): Promise<EvalReport> {
  const trusted = await readTrustedKeys(o.trust ?? []);
  const { pkg, cleanup } = await loadPackageFromPath(o.model, { trustedPublicKeysPem: trusted });
  try {
    const m = pkg.manifest;
    const set = await readLabelsCsv(o.labels, m.classes);
    const { session, reason } = await openSession(pkg, {
      runtime: o.runtime,
      ...(o.logger ? { logger: o.logger } : {}),
    });
    const K = m.classes.length;
    const scores: number[] = [];
    const labels: number[] = [];
    let failed = 0;
    try {
      for (const item of set.items) {
        try {
          const [out] = await session.infer([preprocess(await readImageFile(item.path), m.input)]);
          scores.push(...out!.probabilities);
          labels.push(item.label);
        } catch {
          failed++;
        }
      }
    } finally {
      await session.close();
    }
    if (labels.length === 0)
      throw new CxrError('CXR_ERR_DATASET_INVALID', 'no image of the labels file could be evaluated');
    const out: EvalReport = {
      model: { name: m.name, version: m.version, macs: m.macs, params: m.params },
      runtime: reason,
      classes: m.classes,
      auroc: {},
      meanAuroc: null,
      ci95: {},
      n: {},
      images: { evaluated: labels.length, failed },
      atThresholds: {},
      roc: {},
    };
    const defined: number[] = [];
    m.classes.forEach((name, c) => {
      const s = column(scores, K, c);
      const y = oneVsRest(labels, c);
      const a = auroc(s, y);
      out.auroc[name] = a;
      if (a !== null) defined.push(a);
      out.ci95[name] = bootstrapAurocCi(s, y, { seed: 1, replicates: o.bootstrap ?? 1000 });
      const positives = y.reduce((n, v) => n + v, 0);
      out.n[name] = { positives, negatives: y.length - positives };
      const threshold = m.thresholds[name]?.threshold ?? 0.5;
      out.atThresholds[name] = { threshold, ...sensSpec(s, y, threshold) };
      out.roc[name] = thin(rocCurve(s, y)).map((p) => ({
        ...p,
        threshold: Number.isFinite(p.threshold) ? p.threshold : 1,
      }));
    });
    out.meanAuroc = defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
    return out;
  } finally {
    await cleanup();
  }
}
