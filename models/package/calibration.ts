/**
 * Calibrated probabilities (pure): the one function the agent, `cxr infer` and `cxr eval` apply to a model's raw
 * probabilities before comparing them with the manifest's thresholds (which were chosen on calibrated values).
 * Temperature scaling per class (fitted on validation by the trainer): p = sigmoid(logit(raw) / T). It keeps
 * each class's ranking (AUROC unchanged). A manifest without `calibration` returns the raw values (a copy).
 */
import type { Manifest } from './manifest.ts';

const EPS = 1e-7;

export function logit(p: number): number {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
}

export function temperatureScale(p: number, temperature: number): number {
  return 1 / (1 + Math.exp(-logit(p) / temperature));
}

export function calibrateProbabilities(
  manifest: Pick<Manifest, 'classes' | 'calibration'>,
  raw: ArrayLike<number>,
): Float32Array {
  const out = Float32Array.from(raw);
  const temperatures = manifest.calibration?.temperature;
  if (!temperatures) return out;
  manifest.classes.forEach((name, k) => {
    const t = temperatures[name];
    if (t !== undefined && k < out.length) out[k] = temperatureScale(out[k]!, t);
  });
  return out;
}
