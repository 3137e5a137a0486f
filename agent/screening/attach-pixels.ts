/**
 * Adds what the hub shows of the film to a result: the de-identified preview (JPEG, long side <= previewMaxSide)
 * and the activation map of each finding class (activation-map.ts; never of the normal class). Called only when
 * the site sends pixels (`sendPixels`).
 */

import type { DecodedImage } from '../../models/image/types.ts';
import type { InputSpec } from '../../models/preprocess/input-spec.ts';
import { resizeGeometry } from '../../models/preprocess/preprocess.ts';
import type { ModelOutput } from '../../models/runtime/types.ts';
import type { ResultMessage } from '../../protocol/messages.ts';
import { activationMaps, logit } from './activation-map.ts';
import { renderPreview } from './render-images.ts';

/** Preview size: long side at most `maxSide`, never enlarged. */
export function previewSize(cols: number, rows: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(cols, rows));
  return { width: Math.max(1, Math.round(cols * scale)), height: Math.max(1, Math.round(rows * scale)) };
}

export async function attachPixels(
  result: ResultMessage,
  image: Pick<DecodedImage, 'pixels' | 'rows' | 'cols'>,
  output: ModelOutput,
  spec: InputSpec,
  sides: { previewMaxSide: number },
  /** Temperature per class (manifest `calibration`): operating points are on calibrated probabilities, the CAM in raw logits. */
  temperatures: Readonly<Record<string, number>> = {},
): Promise<ResultMessage> {
  const findings = (result.triage?.findingClasses ?? []).map((name) => ({
    name,
    index: result.classes.indexOf(name),
    // calibrated p = sigmoid(raw logit / T), so the raw logit at the operating point is T · logit(threshold)
    logitThreshold: (temperatures[name] ?? 1) * logit(result.triage?.operatingPoints[name]?.threshold ?? 0.5),
  }));
  const activation = activationMaps({
    cam: output.cam,
    camSize: output.camSize,
    inputSize: spec.size,
    geometry: resizeGeometry(image.cols, image.rows, spec),
    cols: image.cols,
    rows: image.rows,
    findings: findings.filter((f) => f.index >= 0),
  });
  const preview = await renderPreview(
    image.pixels,
    image.cols,
    image.rows,
    previewSize(image.cols, image.rows, sides.previewMaxSide),
  );
  return { ...result, preview, activation };
}
