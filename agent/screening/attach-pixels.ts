/**
 * Adds the de-identified preview (JPEG, long side <= previewMaxSide) and the heatmap (PNG, CAM of the heatmap
 * class, same aspect as the preview and covering it exactly, long side <= heatmapMaxSide) to a result. Called only when the site sends pixels (`sendPixels`).
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
  sides: { previewMaxSide: number; heatmapMaxSide: number },
): Promise<ResultMessage> {
  const size = previewSize(image.cols, image.rows, sides.previewMaxSide);
  const heatSize = previewSize(image.cols, image.rows, Math.min(sides.heatmapMaxSide, sides.previewMaxSide));
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
    ...heatSize,
  });
  const [preview, heatmap] = await Promise.all([
    renderPreview(image.pixels, image.cols, image.rows, size),
    renderHeatmap(rgba, heatSize.width, heatSize.height),
  ]);
  return { ...result, preview, heatmap };
}
