/**
 * Shortcut checks of `cxr eval` (pure): simple image statistics that could stand in for the label at a site, and
 * re-processed copies of an image that change only acquisition and processing, not anatomy. In: a decoded
 * image. Out: its statistics, or a copy (same geometry, [0,1] pixels) blurred, sharpened or contrast-changed.
 * Statistics and copies are computed on the image shrunk to 256 px on its long side (area average), so a
 * 224 px and a 1024 px source are compared on the same footing.
 * - sharpness: mean |Laplacian| (3 x 3, 8-neighbour: PIL's FIND_EDGES kernel), the statistic that separates the
 *   classes of site B on its own (its README);
 * - brightness: mean pixel; size: the source's pixel count.
 */
import type { DecodedImage } from '../../models/image/types.ts';
import { resizeGrey } from '../../models/preprocess/resize-grey.ts';
import { applyGamma, contrastBrightness, gaussianBlur, unsharpMask } from '../data/image-filters.ts';

export const STATISTICS = ['sharpness', 'brightness', 'size'] as const;
export type Statistic = (typeof STATISTICS)[number];
export const REPROCESSING = ['blurred', 'sharpened', 'contrast'] as const;
export type Reprocessing = (typeof REPROCESSING)[number];

const SIDE = 256;

function shrink(image: Pick<DecodedImage, 'pixels' | 'rows' | 'cols'>): { pixels: Float32Array; w: number; h: number } {
  const scale = Math.min(1, SIDE / Math.max(image.rows, image.cols));
  const w = Math.max(1, Math.round(image.cols * scale));
  const h = Math.max(1, Math.round(image.rows * scale));
  return { pixels: resizeGrey(image.pixels, image.cols, image.rows, w, h), w, h };
}

export function imageStatistics(image: Pick<DecodedImage, 'pixels' | 'rows' | 'cols'>): Record<Statistic, number> {
  const { pixels, w, h } = shrink(image);
  let edges = 0;
  let sum = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = pixels[y * w + x]!;
      sum += v;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) continue;
      let around = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) around += pixels[(y + dy) * w + x + dx]!;
      edges += Math.abs(9 * v - around);
    }
  }
  return {
    sharpness: edges / Math.max(1, (w - 2) * (h - 2)),
    brightness: sum / (w * h),
    size: image.rows * image.cols,
  };
}

/** A re-processed copy of the image (at 256 px on the long side): what another hospital's chain might do. */
export function reprocess<T extends DecodedImage>(image: T, how: Reprocessing): T {
  const { pixels, w, h } = shrink(image);
  const out =
    how === 'blurred'
      ? gaussianBlur(pixels, w, h, 1.5)
      : how === 'sharpened'
        ? unsharpMask(pixels, w, h, 1, 1.5)
        : contrastBrightness(applyGamma(pixels, 0.6), 1.3, -0.05);
  return { ...image, pixels: out, rows: h, cols: w };
}
