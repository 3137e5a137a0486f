/**
 * The not-a-chest-X-ray gate (pure), applied by the agent, `cxr infer` and `cxr read` before anything is scored.
 * Its parameters are in the signed manifest (`gate`, fitted by the trainer: trainer/gate/), its learned parts
 * are outputs of the signed model (`outputs.extra`, checked by the self-test), so the gate is versioned,
 * signed and self-tested with the model it protects (docs/trainer.md, "Not-a-chest gate"). Three stages:
 * 1. `viewGate`: a DICOM film whose tags name a lateral projection -> CXR_ERR_LATERAL_VIEW (View Position, View Code
 *    Sequence, Patient Orientation, series description: models/image/view-projection.ts).
 * 2. `inputGate` (before inference, on the decoded image's pixel statistics: models/image/image-stats.ts): a
 *    near-uniform image, a colour image (PNG/JPEG: colour beyond a tint, `meta.colourResidual`, or a tint stronger
 *    than a film may carry, `meta.chroma`), or one exactly flat over most of its grey area (drawings, patterns,
 *    gradients, screenshots) -> CXR_ERR_NOT_CHEST_XRAY. Each rule applies when the manifest has its threshold
 *    (`gate.maxColourResidual` since 3.1.1, `gate.maxChroma` and `gate.maxFlatFraction` since 3.1.0).
 * 3. `outputGate` (after inference, before the probabilities are used): the gate head's probability that the image
 *    is a chest radiograph below its threshold, or the feature-space distance to chest films above its threshold
 *    -> CXR_ERR_NOT_CHEST_XRAY.
 * A manifest without `gate` (older models) passes everything but laterals.
 */
import type { TextureStats } from '../image/image-stats.ts';
import type { DecodedImage } from '../image/types.ts';
import { viewOfMeta } from '../image/view-projection.ts';
import type { ModelOutput } from '../runtime/types.ts';
import type { GateSpec, Manifest } from './manifest.ts';

export type GateCode = 'CXR_ERR_NOT_CHEST_XRAY' | 'CXR_ERR_LATERAL_VIEW' | 'CXR_ERR_FILM_ORIENTATION';

export interface GateScores {
  /** Standard deviation of the image's [0,1] pixels (sampled). */
  pixelStd?: number;
  /** Share of the image's grey area that is exactly flat (models/image/image-stats.ts). */
  flat?: number;
  /** Mean colour saturation of a colour PNG/JPEG (meta.chroma). */
  chroma?: number;
  /** Colour beyond one tint per grey level (meta.colourResidual). */
  colourResidual?: number;
  /** Gate head: probability that this is a chest radiograph. */
  chest?: number;
  /** Mean squared whitened embedding: squared Mahalanobis distance to chest films, per dimension. */
  distance?: number;
}

export type GateVerdict =
  | { ok: true; scores: GateScores }
  | { ok: false; code: GateCode; reason: string; scores: GateScores };

export function viewGate(image: Pick<DecodedImage, 'meta'>): GateVerdict {
  const view = viewOfMeta(image.meta);
  if (view.kind === 'lateral') {
    return {
      ok: false,
      code: 'CXR_ERR_LATERAL_VIEW',
      reason: `lateral projection (${view.source} ${view.said}): the model reads frontal films only`,
      scores: {},
    };
  }
  return { ok: true, scores: {} };
}

/** What the pixel rules read of an image: its texture (image-stats.ts) and, for a colour PNG/JPEG, its colour. */
export interface PixelFacts extends TextureStats {
  chroma?: number;
  colourResidual?: number;
}

export type PixelLimits = Pick<GateSpec, 'minInputStd' | 'maxChroma' | 'maxColourResidual' | 'maxFlatFraction'>;

/**
 * The pixel rules: why the image is refused, or undefined. The one place they are written: the gate applies them
 * and the trainer measures its fit with them (trainer/gate/fit-gate.ts). A limit the manifest lacks is not checked.
 */
export function pixelRefusal(limits: PixelLimits, facts: PixelFacts): string | undefined {
  const { std, flat, chroma, colourResidual } = facts;
  if (std < limits.minInputStd) return `near-uniform image (pixel std ${std.toFixed(4)} < ${limits.minInputStd})`;
  if (
    limits.maxColourResidual !== undefined &&
    colourResidual !== undefined &&
    colourResidual > limits.maxColourResidual
  ) {
    return (
      `a colour image (colour beyond a tint ${colourResidual.toFixed(3)} > ${limits.maxColourResidual.toFixed(3)}): ` +
      'radiographs are grey'
    );
  }
  if (limits.maxChroma !== undefined && chroma !== undefined && chroma > limits.maxChroma) {
    return `a colour image (chroma ${chroma.toFixed(3)} > ${limits.maxChroma.toFixed(3)}): radiographs are grey`;
  }
  if (limits.maxFlatFraction !== undefined && flat > limits.maxFlatFraction) {
    return (
      `exactly flat over ${(100 * flat).toFixed(0)} % of its grey area (> ${(100 * limits.maxFlatFraction).toFixed(0)} %): ` +
      'a drawing, pattern or screenshot, not a radiograph'
    );
  }
  return undefined;
}

/** `stats`: the film's pixel statistics (the agent has its pixel worker compute them beside the model input). */
export function inputGate(
  manifest: Pick<Manifest, 'gate'>,
  image: Pick<DecodedImage, 'meta'>,
  stats: TextureStats,
): GateVerdict {
  const view = viewGate(image);
  const gate = manifest.gate;
  if (!view.ok || !gate) return view;
  const { chroma, colourResidual } = image.meta;
  const scores: GateScores = {
    pixelStd: stats.std,
    flat: stats.flat,
    ...(chroma !== undefined ? { chroma } : {}),
    ...(colourResidual !== undefined ? { colourResidual } : {}),
  };
  const reason = pixelRefusal(gate, { ...stats, chroma, colourResidual });
  return reason ? { ok: false, code: 'CXR_ERR_NOT_CHEST_XRAY', reason, scores } : { ok: true, scores };
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
