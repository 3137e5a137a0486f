/** Summary statistics of a decoded image's [0,1] pixels (pure). */

export interface PixelStats {
  min: number;
  max: number;
  mean: number;
}

export function pixelStats(pixels: Float32Array): PixelStats {
  if (pixels.length === 0) return { min: 0, max: 0, mean: 0 };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] ?? 0;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / pixels.length };
}
