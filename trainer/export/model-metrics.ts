/**
 * What an exported model says about itself (pure): temperature calibration per class fitted on the validation
 * split, screening thresholds (target sensitivity) and urgent operating points (target specificity) chosen on the
 * calibrated validation probabilities, and test-split figures computed ONCE with those choices: AUROC with
 * bootstrap CIs pooled and per site, sensitivity/specificity at both operating points, expected calibration error
 * before and after calibration, and the calibrated validation histogram of the triage score (the drift reference,
 * `referenceScores`). In: raw validation/test scores, labels, sites. Out: manifest sections.
 */
import { calibrateProbabilities } from '../../models/package/calibration.ts';
import type { Calibration, ClassThreshold, TriageSpec } from '../../models/package/manifest.ts';
import { histogramOf, type ReferenceScores, SCORE_EDGES } from '../../models/triage/score-histogram.ts';
import { sensSpec, thresholdAtSpecificity } from '../metrics/auroc.ts';
import { bootstrapAurocCi } from '../metrics/bootstrap.ts';
import { expectedCalibrationError, fitTemperature } from '../metrics/calibration.ts';
import { column, oneVsRest, perClassAuroc } from '../metrics/per-class.ts';
import { perSiteAuroc } from '../metrics/per-site.ts';
import { chooseThresholds } from './thresholds.ts';

export interface SplitScores {
  scores: Float32Array;
  labels: number[];
  sites: string[];
}

export interface ModelMetricsOptions {
  classes: string[];
  normalClass?: string;
  targetSensitivity?: Record<string, number>;
  urgentSpecificity?: number;
}

function calibrateAll(calibration: Calibration, classes: string[], scores: Float32Array): Float32Array {
  const K = classes.length;
  const out = new Float32Array(scores.length);
  for (let i = 0; i < scores.length / K; i++) {
    out.set(calibrateProbabilities({ classes, calibration }, scores.subarray(i * K, (i + 1) * K)), i * K);
  }
  return out;
}

export function modelMetrics(val: SplitScores, test: SplitScores, o: ModelMetricsOptions) {
  const { classes } = o;
  const K = classes.length;
  const byClass = <T>(f: (c: number, name: string) => T) => Object.fromEntries(classes.map((n, c) => [n, f(c, n)]));
  const calibration: Calibration = {
    method: 'temperature',
    temperature: byClass((c) => fitTemperature(column(val.scores, K, c), oneVsRest(val.labels, c))),
    fittedOn: 'validation split (both sites pooled), binary log-loss per class',
  };
  const valCal = calibrateAll(calibration, classes, val.scores);
  const testCal = calibrateAll(calibration, classes, test.scores);
  const thresholds: Record<string, ClassThreshold> = chooseThresholds(classes, valCal, val.labels, o.targetSensitivity);
  const findings = classes.filter((c) => c !== o.normalClass);
  const specificity = o.urgentSpecificity ?? 0.95;
  const urgent: Record<string, ClassThreshold> = {};
  for (const name of findings) {
    const c = classes.indexOf(name);
    const t = thresholdAtSpecificity(column(valCal, K, c), oneVsRest(val.labels, c), specificity);
    if (t && val.labels.some((l) => l === c)) {
      urgent[name] = {
        threshold: t.threshold,
        chosenOn: `validation, specificity >= ${specificity}`,
        sensitivity: t.sensitivity,
        specificity: t.specificity,
      };
    }
  }
  const triage: TriageSpec = {
    ...(o.normalClass ? { normalClass: o.normalClass } : {}),
    findingClasses: findings,
    urgent,
  };
  const ece = (scores: Float32Array, labels: number[]) =>
    byClass((c) => expectedCalibrationError(column(scores, K, c), oneVsRest(labels, c)));
  const pooled = perClassAuroc(test.scores, test.labels, K);
  const sites = [...new Set(test.sites)].sort();
  const siteRows = (site: string) => test.sites.flatMap((s, i) => (s === site ? [i] : []));
  const metrics = {
    split: 'test',
    auroc: byClass((c) => pooled.perClass[c] ?? null),
    meanAuroc: pooled.mean,
    ci95: byClass((c) => bootstrapAurocCi(column(test.scores, K, c), oneVsRest(test.labels, c), { seed: 1 })),
    n: byClass((c) => ({ positives: test.labels.filter((l) => l === c).length, total: test.labels.length })),
    atThresholds: byClass((c, n) =>
      sensSpec(column(testCal, K, c), oneVsRest(test.labels, c), thresholds[n]!.threshold),
    ),
    atUrgent: Object.fromEntries(
      Object.entries(urgent).map(([n, t]) => {
        const c = classes.indexOf(n);
        return [n, sensSpec(column(testCal, K, c), oneVsRest(test.labels, c), t.threshold)];
      }),
    ),
    bySite: Object.fromEntries(
      sites.map((site) => {
        const idx = siteRows(site);
        const s = Float32Array.from(idx.flatMap((i) => [...test.scores.subarray(i * K, (i + 1) * K)]));
        const l = idx.map((i) => test.labels[i]!);
        return [
          site,
          {
            images: idx.length,
            auroc: byClass((c) => perClassAuroc(s, l, K).perClass[c] ?? null),
            ci95: byClass((c) => bootstrapAurocCi(column(s, K, c), oneVsRest(l, c), { seed: 1 })),
          },
        ];
      }),
    ),
    ece: {
      bins: 15,
      validationRaw: ece(val.scores, val.labels),
      validationCalibrated: ece(valCal, val.labels),
      testRaw: ece(test.scores, test.labels),
      testCalibrated: ece(testCal, test.labels),
    },
    validation: {
      auroc: byClass((c) => perClassAuroc(val.scores, val.labels, K).perClass[c] ?? null),
      bySite: perSiteAuroc(val.scores, val.labels, val.sites, K).bySite,
    },
    aurocUndefinedWhen: 'fewer than 2 positives or 2 negatives in the split: null',
  };
  // The training distribution of the triage score, for drift on the hub (docs/model-package.md#reference-scores).
  const findingIdx = findings.map((n) => classes.indexOf(n));
  const valScores = Array.from({ length: val.labels.length }, (_, i) =>
    findingIdx.reduce((max, c) => Math.max(max, valCal[i * K + c] as number), 0),
  );
  const referenceScores: ReferenceScores = {
    score: 'max-finding-probability',
    edges: [...SCORE_EDGES],
    counts: histogramOf(valScores),
    fittedOn: `validation split, ${valScores.length} images, calibrated`,
  };
  return { calibration, thresholds, triage, metrics, referenceScores };
}
