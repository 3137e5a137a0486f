/**
 * Pixel filters on a w x h grey image of [0,1] floats (pure, allocate their output): Gaussian blur, unsharp
 * mask, gamma, down-then-up resampling (loses detail like a low-resolution source), histogram equalisation.
 * Used by training augmentation (trainer/data/augment.ts) and by the re-processed copies of `cxr eval`'s
 * shortcut checks (trainer/eval/shortcut-checks.ts). Edges clamp; nothing is clipped except where said.
 */
import { resizeGrey } from '../../models/preprocess/resize-grey.ts';

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / sum;
  return k;
}

/** Separable Gaussian blur with standard deviation `sigma` pixels (sigma <= 0: a copy). */
export function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return src.slice();
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * src[row + Math.min(w - 1, Math.max(0, x + i))]!;
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[Math.min(h - 1, Math.max(0, y + i)) * w + x]!;
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Unsharp mask: x + amount * (x - blur(x, sigma)), clipped to [0, 1]. */
export function unsharpMask(src: Float32Array, w: number, h: number, sigma: number, amount: number): Float32Array {
  const blurred = gaussianBlur(src, w, h, sigma);
  return Float32Array.from(src, (v, i) => Math.min(1, Math.max(0, v + amount * (v - blurred[i]!))));
}

/** x ** gamma on [0,1] (values below 0 are taken as 0). */
export function applyGamma(src: Float32Array, gamma: number): Float32Array {
  return Float32Array.from(src, (v) => Math.max(0, v) ** gamma);
}

/** Linear contrast around mid-grey and a brightness shift: (x - 0.5) * gain + 0.5 + bias, clipped to [0,1]. */
export function contrastBrightness(src: Float32Array, gain: number, bias: number): Float32Array {
  return Float32Array.from(src, (v) => Math.min(1, Math.max(0, (v - 0.5) * gain + 0.5 + bias)));
}

/** Down-samples to `factor` of the size (area average) and back up (bilinear): a lower-resolution source. */
export function resample(src: Float32Array, w: number, h: number, factor: number): Float32Array {
  const sw = Math.max(4, Math.round(w * factor));
  const sh = Math.max(4, Math.round(h * factor));
  if (sw >= w && sh >= h) return src.slice();
  return resizeGrey(resizeGrey(src, w, h, sw, sh), sw, sh, w, h);
}

/** Histogram equalisation (256 bins), blended with the source: (1 - mix) * x + mix * equalised(x). */
export function equalizeHistogram(src: Float32Array, mix = 1): Float32Array {
  const bins = 256;
  const hist = new Float64Array(bins);
  const bin = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor(v * bins)));
  for (let i = 0; i < src.length; i++) hist[bin(src[i]!)]!++;
  const cdf = new Float64Array(bins);
  let run = 0;
  for (let b = 0; b < bins; b++) {
    run += hist[b]!;
    cdf[b] = run / src.length;
  }
  return Float32Array.from(src, (v) => (1 - mix) * v + mix * cdf[bin(v)]!);
}
