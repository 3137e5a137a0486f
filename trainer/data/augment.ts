/**
 * Training augmentation on one R x R image of [0,1] pixels (pure, seeded), built to take away the shortcuts
 * these data allow (docs/trainer.md, "Augmentation"): site B's classes differ in sharpness and both sites carry
 * burned-in markers, and the two sites differ in resolution, contrast and processing. In order:
 * 1. geometry: one inverse affine map — random crop or zoom-out (area 0.6-1.15; beyond 1 the borders come in as
 *    the letterbox pad value 0, as a non-square film gets them), aspect jitter, rotation, bilinear sampling;
 * 2. resolution jitter: down to 30-90 % and back up (a lower-resolution source);
 * 3. blur OR sharpen (unsharp mask), or neither;
 * 4. tone: gamma, contrast/brightness, sometimes a partial histogram equalisation;
 * 5. marker-like occlusions ("R"/"L", text lines, label patches; trainer/data/markers.ts);
 * 6. Gaussian noise. Values are clipped to [0, 1] at the end.
 * No flips: left and right are not interchangeable on a chest film.
 */
import {
  applyGamma,
  contrastBrightness,
  equalizeHistogram,
  gaussianBlur,
  resample,
  unsharpMask,
} from './image-filters.ts';
import { addMarkers } from './markers.ts';
import type { Rng } from './random.ts';

export interface AugmentOptions {
  /** Crop area range as a fraction of the image (above 1: zoom out, borders padded with 0). */
  minArea: number;
  maxArea: number;
  /** Aspect ratio jitter: log-uniform in [1/maxAspect, maxAspect]. */
  maxAspect: number;
  maxRotationDeg: number;
  brightness: number;
  /** Contrast gain in [1 - contrast, 1 + contrast]. */
  contrast: number;
  /** Gamma log-uniform in [1/maxGamma, maxGamma]. */
  maxGamma: number;
  pEqualize: number;
  pResolution: number;
  pBlur: number;
  pSharpen: number;
  pNoise: number;
  maxNoise: number;
  pMarkers: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = {
  minArea: 0.6,
  maxArea: 1.15,
  maxAspect: 1.35,
  maxRotationDeg: 8,
  brightness: 0.1,
  contrast: 0.25,
  maxGamma: 1.6,
  pEqualize: 0.25,
  pResolution: 0.5,
  pBlur: 0.3,
  pSharpen: 0.3,
  pNoise: 0.35,
  maxNoise: 0.04,
  pMarkers: 0.5,
};

/** Identity settings: geometry only as given, every photometric step off (tests, the geometry alone). */
export const NO_AUGMENT: AugmentOptions = {
  minArea: 1,
  maxArea: 1,
  maxAspect: 1,
  maxRotationDeg: 0,
  brightness: 0,
  contrast: 0,
  maxGamma: 1,
  pEqualize: 0,
  pResolution: 0,
  pBlur: 0,
  pSharpen: 0,
  pNoise: 0,
  maxNoise: 0,
  pMarkers: 0,
};

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
const logBetween = (rng: Rng, hi: number) => Math.exp(between(rng, -Math.log(hi), Math.log(hi)));

/** Standard normal deviate (Box-Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function affine(src: Float32Array, size: number, rng: Rng, o: AugmentOptions): Float32Array {
  const area = between(rng, o.minArea, o.maxArea);
  const ratio = logBetween(rng, o.maxAspect);
  const cw = Math.sqrt(area * ratio) * size;
  const ch = Math.sqrt(area / ratio) * size;
  const cx = size / 2 + (size - cw) * (rng() - 0.5);
  const cy = size / 2 + (size - ch) * (rng() - 0.5);
  const angle = ((rng() * 2 - 1) * o.maxRotationDeg * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const sx = cw / size;
  const sy = ch / size;
  const out = new Float32Array(size * size);
  const half = size / 2;
  const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= size || yy >= size ? 0 : src[yy * size + xx]!);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5 - half) * sx;
      const v = (y + 0.5 - half) * sy;
      const fx = cx + cos * u - sin * v - 0.5;
      const fy = cy + sin * u + cos * v - 0.5;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const ax = fx - x0;
      const ay = fy - y0;
      out[y * size + x] =
        (at(x0, y0) * (1 - ax) + at(x0 + 1, y0) * ax) * (1 - ay) +
        (at(x0, y0 + 1) * (1 - ax) + at(x0 + 1, y0 + 1) * ax) * ay;
    }
  }
  return out;
}

export function augmentImage(
  src: Float32Array,
  size: number,
  rng: Rng,
  o: AugmentOptions = DEFAULT_AUGMENT,
): Float32Array {
  let img = affine(src, size, rng, o);
  if (rng() < o.pResolution) img = resample(img, size, size, between(rng, 0.3, 0.9));
  const filter = rng();
  if (filter < o.pBlur) img = gaussianBlur(img, size, size, between(rng, 0.4, 1.6));
  else if (filter < o.pBlur + o.pSharpen)
    img = unsharpMask(img, size, size, between(rng, 0.7, 2), between(rng, 0.3, 1.5));
  if (o.maxGamma > 1) img = applyGamma(img, logBetween(rng, o.maxGamma));
  img = contrastBrightness(img, 1 + (rng() * 2 - 1) * o.contrast, (rng() * 2 - 1) * o.brightness);
  if (rng() < o.pEqualize) img = equalizeHistogram(img, between(rng, 0.3, 1));
  if (rng() < o.pMarkers) addMarkers(img, size, rng);
  if (rng() < o.pNoise) {
    const sigma = between(rng, 0.2, 1) * o.maxNoise;
    for (let i = 0; i < img.length; i++) img[i] = img[i]! + sigma * gaussian(rng);
  }
  for (let i = 0; i < img.length; i++) img[i] = Math.min(1, Math.max(0, img[i]!));
  return img;
}
