/**
 * The other windows a cross-sectional image is shown in (pure), for the gate's negatives (build-negatives.ts):
 * a CT slice is read, printed and screenshotted in lung, mediastinum and bone windows, not only in its file's
 * default one, and a CT slice in a lung window — dark lungs, thin bright vessels, a bright spine — is the kind of
 * image that looks most like a chest film to the features. In: the lossless diagnostic samples (modality value =
 * sample × slope + intercept) and the modality. Out: named renders, [0,1] grey, 1 = bright as displayed.
 * - CT (Hounsfield units; only when the values reach air, below −500): lung −600/1500, mediastinum 40/400,
 *   bone 500/2000 (centre/width), and the full range;
 * - MR, NM, PT (no standard units): the full range of the values.
 * The full range (minimum to maximum, padding included) is what a converter without a window makes: a CT slice
 * so shown is washed out, grey on grey — a chest CT slice in that form passed 3.1.1's gate (docs/trainer.md).
 * - anything else: none (radiographs, ultrasound and photographs are shown as they are).
 */
import type { DiagnosticPixels } from '../../models/image/types.ts';

export interface WindowRender {
  name: string;
  pixels: Float32Array;
}

const CT_WINDOWS = [
  { name: 'lung', center: -600, width: 1500 },
  { name: 'mediastinum', center: 40, width: 400 },
  { name: 'bone', center: 500, width: 2000 },
];
const FULL_RANGE_MODALITIES = new Set(['MR', 'NM', 'PT']);

export function displayWindows(d: DiagnosticPixels, modality: string): WindowRender[] {
  const values = Float32Array.from(d.samples, (s) => s * d.slope + d.intercept);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const full = max > min ? [{ name: 'full', pixels: windowed(values, (min + max) / 2, max - min, d.invert) }] : [];
  if (modality === 'CT') {
    if (min > -500) return [];
    return [
      ...CT_WINDOWS.map((w) => ({ name: w.name, pixels: windowed(values, w.center, w.width, d.invert) })),
      ...full,
    ];
  }
  return FULL_RANGE_MODALITIES.has(modality) ? full : [];
}

/** Linear window (DICOM's LINEAR_EXACT): centre ± width/2 → [0,1], clipped; inverted for MONOCHROME1. */
function windowed(values: Float32Array, center: number, width: number, invert: boolean): Float32Array {
  const low = center - width / 2;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(1, Math.max(0, ((values[i] as number) - low) / width));
    out[i] = invert ? 1 - v : v;
  }
  return out;
}
