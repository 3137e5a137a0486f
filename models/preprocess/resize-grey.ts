/**
 * Greyscale resampling, separable and pure: each axis shrinks by area averaging (exact box filter with
 * fractional pixel coverage, so no aliasing) and grows by bilinear interpolation (pixel centres aligned,
 * edges clamped). Row-major Float32Array in, row-major Float32Array out.
 */

/** For each destination index, the source indices and weights that make it (weights sum to 1). */
interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  /** Taps per destination index (fixed stride into `weights`). */
  stride: number;
}

function areaTaps(src: number, dst: number): AxisTaps {
  const ratio = src / dst;
  const stride = Math.ceil(ratio) + 1;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float32Array(dst * stride);
  for (let d = 0; d < dst; d++) {
    const lo = d * ratio;
    const hi = lo + ratio;
    const first = Math.floor(lo);
    const last = Math.min(Math.ceil(hi), src) - 1;
    start[d] = first;
    count[d] = last - first + 1;
    for (let s = first; s <= last; s++) {
      const covered = Math.min(hi, s + 1) - Math.max(lo, s);
      weights[d * stride + (s - first)] = covered / ratio;
    }
  }
  return { start, count, weights, stride };
}

function bilinearTaps(src: number, dst: number): AxisTaps {
  const stride = 2;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float32Array(dst * stride);
  const ratio = src / dst;
  for (let d = 0; d < dst; d++) {
    const x = Math.min(Math.max((d + 0.5) * ratio - 0.5, 0), src - 1);
    const first = Math.min(Math.floor(x), src - 1);
    const frac = x - first;
    start[d] = first;
    count[d] = first + 1 < src ? 2 : 1;
    weights[d * stride] = count[d] === 2 ? 1 - frac : 1;
    weights[d * stride + 1] = count[d] === 2 ? frac : 0;
  }
  return { start, count, weights, stride };
}

function taps(src: number, dst: number): AxisTaps {
  return dst < src ? areaTaps(src, dst) : bilinearTaps(src, dst);
}

/** Resizes a w×h grey image to dstW×dstH. Deterministic; a constant image stays exactly constant. */
export function resizeGrey(src: Float32Array, w: number, h: number, dstW: number, dstH: number): Float32Array {
  if (w === dstW && h === dstH) return src.slice();
  const tx = taps(w, dstW);
  const ty = taps(h, dstH);
  // Horizontal pass: h rows × dstW.
  const mid = new Float32Array(h * dstW);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const out = y * dstW;
    for (let d = 0; d < dstW; d++) {
      const first = row + (tx.start[d] ?? 0);
      const n = tx.count[d] ?? 0;
      const base = d * tx.stride;
      let sum = 0;
      let total = 0;
      for (let k = 0; k < n; k++) {
        const weight = tx.weights[base + k] ?? 0;
        sum += (src[first + k] ?? 0) * weight;
        total += weight;
      }
      mid[out + d] = sum / total; // dividing by the weight total keeps constants exact
    }
  }
  // Vertical pass: dstH × dstW.
  const dst = new Float32Array(dstH * dstW);
  for (let d = 0; d < dstH; d++) {
    const first = ty.start[d] ?? 0;
    const n = ty.count[d] ?? 0;
    const base = d * ty.stride;
    const out = d * dstW;
    let total = 0;
    for (let k = 0; k < n; k++) total += ty.weights[base + k] ?? 0;
    for (let k = 0; k < n; k++) {
      const weight = (ty.weights[base + k] ?? 0) / total;
      const row = (first + k) * dstW;
      for (let x = 0; x < dstW; x++) dst[out + x] = (dst[out + x] ?? 0) + (mid[row + x] ?? 0) * weight;
    }
  }
  return dst;
}
