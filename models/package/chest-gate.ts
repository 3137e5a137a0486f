/**
 * The not-a-chest-X-ray gate (pure), applied by the agent, `cxr infer` and `cxr read` before anything is scored.
 * Its parameters are in the signed manifest (`gate`, fitted by the trainer: trainer/gate/), its learned parts
 * are outputs of the signed model (`outputs.extra`, checked by the self-test), so the gate is versioned,
 * signed and self-tested with the model it protects (docs/trainer.md, "Not-a-chest gate"). Three stages:
 * 1. `viewGate`: a DICOM View Position of a lateral projection -> CXR_ERR_LATERAL_VIEW (models/image/chest-check.ts).
 * 2. `inputGate` (before inference, on the decoded image's pixelStd): a near-uniform image -> CXR_ERR_NOT_CHEST_XRAY.
 * 3. `outputGate` (after inference, before the probabilities are used): the gate head's probability that the image
 *    is a chest radiograph below its threshold, or the feature-space distance to chest films above its threshold
 *    -> CXR_ERR_NOT_CHEST_XRAY.
 * A manifest without `gate` (older models) passes everything but laterals.
 */
import { viewOf } from '../image/chest-check.ts';
import type { DecodedImage } from '../image/types.ts';
import type { ModelOutput } from '../runtime/types.ts';
import type { Manifest } from './manifest.ts';

export type GateCode = 'CXR_ERR_NOT_CHEST_XRAY' | 'CXR_ERR_LATERAL_VIEW';

export interface GateScores {
  /** Standard deviation of the image's [0,1] pixels (sampled). */
  pixelStd?: number;
  /** Gate head: probability that this is a chest radiograph. */
  chest?: number;
  /** Mean squared whitened embedding: squared Mahalanobis distance to chest films, per dimension. */
  distance?: number;
}

export type GateVerdict =
  | { ok: true; scores: GateScores }
  | { ok: false; code: GateCode; reason: string; scores: GateScores };

const MAX_SAMPLES = 65_536;

/** Standard deviation of [0,1] pixels, on an even subsample of at most 65,536 values. */
export function pixelStd(pixels: Float32Array): number {
  const step = Math.max(1, Math.floor(pixels.length / MAX_SAMPLES));
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < pixels.length; i += step) {
    const v = pixels[i]!;
    sum += v;
    sq += v * v;
    n++;
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean));
}

export function viewGate(image: Pick<DecodedImage, 'meta'>): GateVerdict {
  if (viewOf(image.meta.viewPosition) === 'lateral') {
    return {
      ok: false,
      code: 'CXR_ERR_LATERAL_VIEW',
      reason: `lateral projection (View Position ${image.meta.viewPosition}): the model reads frontal films only`,
      scores: {},
    };
  }
  return { ok: true, scores: {} };
}

/** `std`: the film's pixelStd (the agent has its pixel worker compute it beside the model input). */
export function inputGate(
  manifest: Pick<Manifest, 'gate'>,
  image: Pick<DecodedImage, 'meta'>,
  std: number,
): GateVerdict {
  const view = viewGate(image);
  if (!view.ok || !manifest.gate) return view;
  const scores = { pixelStd: std };
  if (std < manifest.gate.minInputStd) {
    return {
      ok: false,
      code: 'CXR_ERR_NOT_CHEST_XRAY',
      reason: `near-uniform image (pixel std ${std.toFixed(4)} < ${manifest.gate.minInputStd})`,
      scores,
    };
  }
  return { ok: true, scores };
}

export function outputGate(manifest: Pick<Manifest, 'gate'>, output: Pick<ModelOutput, 'extra'>): GateVerdict {
  const gate = manifest.gate;
  if (!gate) return { ok: true, scores: {} };
  const head = output.extra?.[gate.head.output];
  const embedding = output.extra?.[gate.distance.output];
  const chest = head?.[0] ?? Number.NaN;
  let sq = 0;
  for (const v of embedding ?? []) sq += v * v;
  const distance = embedding?.length ? sq / embedding.length : Number.NaN;
  const scores = { chest, distance };
  if (!(chest >= gate.head.threshold)) {
    return {
      ok: false,
      code: 'CXR_ERR_NOT_CHEST_XRAY',
      reason: `does not look like a chest radiograph (gate ${chest.toFixed(3)} < ${gate.head.threshold.toFixed(3)})`,
      scores,
    };
  }
  if (!(distance <= gate.distance.threshold)) {
    return {
      ok: false,
      code: 'CXR_ERR_NOT_CHEST_XRAY',
      reason: `unlike the chest films the model was made for (distance ${distance.toFixed(2)} > ${gate.distance.threshold.toFixed(2)})`,
      scores,
    };
  }
  return { ok: true, scores };
}
