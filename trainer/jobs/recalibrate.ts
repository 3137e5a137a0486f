/**
 * Recalibration for one site without retraining (pure; docs/trainer.md#trainer-service): from that site's signed
 * reads of results the model itself produced (its calibrated probabilities, as the agent sent them) and the
 * radiologists' explicit decisions, each finding class's screening operating point becomes the highest threshold
 * reaching the target sensitivity on the site's positives. A class with fewer than `minPositives` site positives
 * keeps the manifest's point and says so in `chosenOn`; classes that are not findings (the normal class) keep the
 * manifest's. In: the reads, the manifest's classes, thresholds and triage, the target. Out: a `SiteCalibration`
 * (unsigned). Reads of other model versions or sites are left out (counted in `skipped`).
 */
import type { Manifest } from '../../models/package/manifest.ts';
import { triageRoles } from '../../models/triage/class-roles.ts';
import type { SiteCalibration } from '../../models/triage/site-calibration.ts';
import { thresholdAtSensitivity } from '../metrics/auroc.ts';

export interface CalibrationRead {
  site: string;
  modelVersion: string;
  probabilities: Record<string, number>;
  decisions: Record<string, 'present' | 'absent'>;
}

export interface RecalibrateInput {
  site: string;
  manifest: Pick<Manifest, 'name' | 'version' | 'classes' | 'thresholds' | 'triage'>;
  reads: readonly CalibrationRead[];
  targetSensitivity: number;
  minPositives?: number;
  now: Date;
}

export function recalibrateSite(input: RecalibrateInput): {
  calibration: SiteCalibration;
  used: number;
  skipped: number;
} {
  const { manifest, site, targetSensitivity } = input;
  const minPositives = input.minPositives ?? 5;
  const used = input.reads.filter((r) => r.site === site && r.modelVersion === manifest.version);
  const roles = triageRoles(manifest);
  const thresholds: SiteCalibration['thresholds'] = Object.fromEntries(
    Object.entries(manifest.thresholds).map(([name, t]) => [
      name,
      { threshold: t.threshold, chosenOn: `manifest: ${t.chosenOn}` },
    ]),
  );
  for (const finding of roles.findings) {
    const rows = used.filter((r) => r.decisions[finding.name] !== undefined);
    const scores = rows.map((r) => r.probabilities[finding.name] ?? 0);
    const labels = rows.map((r) => r.decisions[finding.name] === 'present');
    const positives = labels.filter(Boolean).length;
    const point = positives >= minPositives ? thresholdAtSensitivity(scores, labels, targetSensitivity) : null;
    if (point) {
      thresholds[finding.name] = {
        threshold: point.threshold,
        chosenOn: `sensitivity ${targetSensitivity} on ${rows.length} signed reads at ${site} (${positives} present)`,
        targetSensitivity,
        sensitivity: point.sensitivity,
        specificity: point.specificity,
      };
    } else {
      thresholds[finding.name] = {
        threshold: finding.threshold,
        chosenOn: `manifest (only ${positives} present at ${site}, fewer than ${minPositives})`,
      };
    }
  }
  return {
    calibration: {
      site,
      modelName: manifest.name,
      modelVersion: manifest.version,
      thresholds,
      reads: used.length,
      createdAt: input.now.toISOString(),
    },
    used: used.length,
    skipped: input.reads.length - used.length,
  };
}
