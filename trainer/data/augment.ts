/**
 * Training augmentation on one R x R image (pure, seeded): random resized crop (area 70-100%, aspect
 * 3/4-4/3), small rotation (+-7 degrees), brightness (+-0.08) and contrast (x0.9-1.1) on [0,1] pixels.
 * One inverse affine map per image, bilinear sampling, 0 (the letterbox pad value) outside the source.
 * No flips: left and right are not interchangeable on a chest film.
 */
import type { Rng } from './random.ts';

export interface AugmentOptions {
  minArea: number;
  maxRotationDeg: number;
  brightness: number;
  contrast: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = { minArea: 0.7, maxRotationDeg: 7, brightness: 0.08, contrast: 0.1 };

export function augmentImage(
  src: Float32Array,
  size: number,
  rng: Rng,
  o: AugmentOptions = DEFAULT_AUGMENT,
): Float32Array {
  const area = o.minArea + (1 - o.minArea) * rng();
  const logRatio = Math.log(3 / 4) + (Math.log(4 / 3) - Math.log(3 / 4)) * rng();
  const ratio = Math.exp(logRatio);
  const cw = Math.min(1, Math.sqrt(area * ratio)) * size;
  const ch = Math.min(1, Math.sqrt(area / ratio)) * size;
  const cx = (size - cw) * rng() + cw / 2;
  const cy = (size - ch) * rng() + ch / 2;
  const angle = ((rng() * 2 - 1) * o.maxRotationDeg * Math.PI) / 180;
  const gain = 1 + (rng() * 2 - 1) * o.contrast;
  const bias = (rng() * 2 - 1) * o.brightness;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const sx = cw / size;
  const sy = ch / size;
  const out = new Float32Array(size * size);
  const half = size / 2;
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
      const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= size || yy >= size ? 0 : src[yy * size + xx]!);
      const value =
        (at(x0, y0) * (1 - ax) + at(x0 + 1, y0) * ax) * (1 - ay) +
        (at(x0, y0 + 1) * (1 - ax) + at(x0 + 1, y0 + 1) * ax) * ay;
      out[y * size + x] = (value - 0.5) * gain + 0.5 + bias;
    }
  }
  return out;
}
