/**
 * Per-class thresholds chosen on the VALIDATION split (pure): the highest threshold reaching the target
 * sensitivity (default 0.90 for every class, so Lung Opacity gets its 0.90). A class without validation
 * positives keeps 0.5, marked as such in `chosenOn`.
 */
import type { ClassThreshold } from '../../models/package/manifest.ts';
import { thresholdAtSensitivity } from '../metrics/auroc.ts';
import { column, oneVsRest } from '../metrics/per-class.ts';

export function chooseThresholds(
  classes: string[],
  valScores: Float32Array,
  valLabels: number[],
  targets: Record<string, number> = {},
  defaultTarget = 0.9,
): Record<string, ClassThreshold> {
  const out: Record<string, ClassThreshold> = {};
  classes.forEach((name, c) => {
    const target = targets[name] ?? defaultTarget;
    const t = thresholdAtSensitivity(column(valScores, classes.length, c), oneVsRest(valLabels, c), target);
    out[name] = t
      ? {
          threshold: t.threshold,
          chosenOn: 'validation',
          targetSensitivity: target,
          sensitivity: t.sensitivity,
          specificity: t.specificity,
        }
      : { threshold: 0.5, chosenOn: 'default (no validation positives)' };
  });
  return out;
}
