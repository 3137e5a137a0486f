/**
 * Calibration metrics and fitting (pure). Expected calibration error: |mean predicted - observed rate| per
 * equal-width probability bin, weighted by the bin's share (15 bins). Temperature: the T > 0 minimising the
 * binary log-loss of sigmoid(logit(p) / T), found by golden-section search on log T in [1/20, 20].
 */
import { logit } from '../../models/package/calibration.ts';

export function expectedCalibrationError(
  probs: ArrayLike<number>,
  labels: ArrayLike<number | boolean>,
  bins = 15,
): number {
  const sum = new Float64Array(bins);
  const pos = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(probs[i]! * bins)));
    sum[b]! += probs[i]!;
    pos[b]! += labels[i] ? 1 : 0;
    count[b]!++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]) ece += Math.abs(sum[b]! - pos[b]!) / probs.length;
  return ece;
}

function logLoss(z: Float64Array, labels: ArrayLike<number | boolean>, t: number): number {
  let loss = 0;
  for (let i = 0; i < z.length; i++) {
    const s = z[i]! / t;
    // log(1 + e^-s) for positives, log(1 + e^s) for negatives, computed stably
    const m = labels[i] ? -s : s;
    loss += m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
  }
  return loss / z.length;
}

export function fitTemperature(probs: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const z = Float64Array.from({ length: probs.length }, (_, i) => logit(probs[i]!));
  let lo = Math.log(1 / 20);
  let hi = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 80; it++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (logLoss(z, labels, Math.exp(a)) < logLoss(z, labels, Math.exp(b))) hi = b;
    else lo = a;
  }
  return Math.exp((lo + hi) / 2);
}
