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

/**
 * Texture statistics the not-a-chest gate checks before inference (models/package/chest-gate.ts). In: a
 * film's display pixels ([0, 1], row-major) and size. Out: TextureStats.
 * - `std`: standard deviation of the pixels (a near-uniform image is no film).
 * - `flat`: the share of points, on a grid of at most 256 × 256 over the image (nearest pixel, no smoothing), whose
 *   4-neighbour Laplacian at the grid's spacing is below half an 8-bit grey level: the image is exactly flat
 *   there. A radiograph has quantum noise and anatomy nearly everywhere (training films: at most ~0.4); drawings,
 *   patterns, gradients, solid colours and screenshots are flat over most of their area.
 * Both read at most ~65,536 points, whatever the film's size.
 */
export interface TextureStats {
  std: number;
  flat: number;
}

const MAX_SAMPLES = 65_536;
const GRID = 256;
const FLAT = 0.5 / 255;
/** Black and white ends (shutters, padding, burned-in labels) are left out of `flat`. */
const LOW = 2 / 255;
const HIGH = 253 / 255;
/** Fewer grey points than this share of the grid: a black-and-white image, counted as flat. */
const MIN_GREY = 0.05;

export function textureStats(pixels: Float32Array, cols: number, rows: number): TextureStats {
  return { std: pixelStd(pixels), flat: flatFraction(pixels, cols, rows) };
}

/** The stride of an even subsample of at most MAX_SAMPLES of `n` values. */
const sampleStep = (n: number) => Math.max(1, Math.floor(n / MAX_SAMPLES));

/** Standard deviation of [0,1] pixels, on an even subsample of at most 65,536 values. */
export function pixelStd(pixels: Float32Array): number {
  const step = sampleStep(pixels.length);
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < pixels.length; i += step) {
    const v = pixels[i] as number;
    sum += v;
    sq += v * v;
    n++;
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean));
}

export function flatFraction(pixels: Float32Array, cols: number, rows: number): number {
  const gx = Math.min(GRID, cols);
  const gy = Math.min(GRID, rows);
  if (gx < 3 || gy < 3) return 1;
  const xs = Int32Array.from({ length: gx }, (_, i) => Math.min(cols - 1, Math.floor(((i + 0.5) * cols) / gx)));
  const ys = Int32Array.from({ length: gy }, (_, i) => Math.min(rows - 1, Math.floor(((i + 0.5) * rows) / gy)));
  let flat = 0;
  let counted = 0;
  for (let j = 1; j < gy - 1; j++) {
    const up = (ys[j - 1] as number) * cols;
    const here = (ys[j] as number) * cols;
    const down = (ys[j + 1] as number) * cols;
    for (let i = 1; i < gx - 1; i++) {
      const x = xs[i] as number;
      const v = pixels[here + x] as number;
      if (v <= LOW || v >= HIGH) continue;
      counted++;
      const lap =
        4 * v -
        (pixels[here + (xs[i - 1] as number)] as number) -
        (pixels[here + (xs[i + 1] as number)] as number) -
        (pixels[up + x] as number) -
        (pixels[down + x] as number);
      if (Math.abs(lap) < FLAT) flat++;
    }
  }
  return counted < MIN_GREY * (gx - 2) * (gy - 2) ? 1 : flat / counted;
}

export interface ColourStats {
  /** Mean over pixels of (max - min) of R, G, B, on [0,1]: 0 for grey stored as RGB, ~0.1–0.2 for a tinted film. */
  chroma: number;
  /**
   * The colour left once one tint per grey level is taken out: each pixel's RGB minus the mean RGB of the pixels of
   * its grey level (64 levels), then (max - min) of that, averaged. A grey image under any tint or tone curve (a
   * film photographed on a light box, a sepia scan) gives ~0; colours that differ at one brightness (a photograph,
   * a coloured drawing) do not.
   */
  residual: number;
}

const TINT_LEVELS = 64;

/**
 * Colour of an interleaved RGB(A) raster (`top` is the samples' full scale), on an even subsample of at most
 * 65,536 pixels: one pass reads them (and sums each grey level's colour), a second measures what is left.
 */
export function colourStats(
  samples: Uint8Array | Uint16Array,
  channels: number,
  pixels: number,
  top: number,
): ColourStats {
  const step = sampleStep(pixels);
  const n = Math.ceil(pixels / step);
  if (n === 0) return { chroma: 0, residual: 0 };
  const rgb = new Float64Array(n * 3);
  const levels = new Uint8Array(n);
  const sums = new Float64Array(TINT_LEVELS * 3);
  const counts = new Float64Array(TINT_LEVELS);
  let chroma = 0;
  for (let k = 0; k < n; k++) {
    const at = k * step * channels;
    const r = samples[at] ?? 0;
    const g = samples[at + 1] ?? 0;
    const b = samples[at + 2] ?? 0;
    const level = Math.min(TINT_LEVELS - 1, Math.floor(((r + g + b) / (3 * (top + 1))) * TINT_LEVELS));
    rgb[k * 3] = r;
    rgb[k * 3 + 1] = g;
    rgb[k * 3 + 2] = b;
    levels[k] = level;
    for (let c = 0; c < 3; c++) sums[level * 3 + c]! += rgb[k * 3 + c]!;
    counts[level]!++;
    chroma += Math.max(r, g, b) - Math.min(r, g, b);
  }
  let residual = 0;
  for (let k = 0; k < n; k++) {
    const level = levels[k]!;
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    for (let c = 0; c < 3; c++) {
      const d = rgb[k * 3 + c]! - sums[level * 3 + c]! / counts[level]!;
      if (d > high) high = d;
      if (d < low) low = d;
    }
    residual += high - low;
  }
  return { chroma: chroma / n / top, residual: residual / n / top };
}
