/**
 * Adds the de-identified preview (JPEG) and the heatmap (PNG, CAM of the heatmap class, aligned with the
 * preview) to a result. Called only when the site sends pixels (`sendPixels`).
 */

import type { DecodedImage } from '../../models/image/types.ts';
import type { InputSpec } from '../../models/preprocess/input-spec.ts';
import { resizeGeometry } from '../../models/preprocess/preprocess.ts';
import type { ModelOutput } from '../../models/runtime/types.ts';
import type { ResultMessage } from '../../protocol/messages.ts';
import { heatmapRgba, previewSize } from './heatmap.ts';
import { renderHeatmap, renderPreview } from './render-images.ts';
import { heatmapClassIndex } from './result-builder.ts';

export async function attachPixels(
  result: ResultMessage,
  image: Pick<DecodedImage, 'pixels' | 'rows' | 'cols'>,
  output: ModelOutput,
  spec: InputSpec,
  previewMaxSide: number,
): Promise<ResultMessage> {
  const size = previewSize(image.cols, image.rows, previewMaxSide);
  const probabilities = result.classes.map((name) => result.probabilities[name] ?? 0);
  const classIndex = heatmapClassIndex(result.classes, probabilities, result.flags);
  const plane = output.camSize * output.camSize;
  const rgba = heatmapRgba({
    cam: output.cam.subarray(classIndex * plane, (classIndex + 1) * plane),
    camSize: output.camSize,
    inputSize: spec.size,
    geometry: resizeGeometry(image.cols, image.rows, spec),
    cols: image.cols,
    rows: image.rows,
    ...size,
  });
  const [preview, heatmap] = await Promise.all([
    renderPreview(image.pixels, image.cols, image.rows, size),
    renderHeatmap(rgba, size.width, size.height),
  ]);
  return { ...result, preview, heatmap };
}
