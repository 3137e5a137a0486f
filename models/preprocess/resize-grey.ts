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

/** Taps for one axis, weights normalised to sum to exactly 1 per destination (constants stay constant). */
function taps(src: number, dst: number): AxisTaps {
  const t = dst < src ? areaTaps(src, dst) : bilinearTaps(src, dst);
  for (let d = 0; d < dst; d++) {
    const base = d * t.stride;
    const n = t.count[d] as number;
    let total = 0;
    for (let k = 0; k < n; k++) total += t.weights[base + k] as number;
    for (let k = 0; k < n; k++) t.weights[base + k] = (t.weights[base + k] as number) / total;
  }
  return t;
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
      const first = row + (tx.start[d] as number);
      const n = tx.count[d] as number;
      const base = d * tx.stride;
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (src[first + k] as number) * (tx.weights[base + k] as number);
      mid[out + d] = sum;
    }
  }
  // Vertical pass: dstH × dstW, one weighted source row at a time (cache friendly).
  const dst = new Float32Array(dstH * dstW);
  for (let d = 0; d < dstH; d++) {
    const first = ty.start[d] as number;
    const n = ty.count[d] as number;
    const base = d * ty.stride;
    const out = d * dstW;
    for (let k = 0; k < n; k++) {
      const weight = ty.weights[base + k] as number;
      const row = (first + k) * dstW;
      for (let x = 0; x < dstW; x++) dst[out + x] = (dst[out + x] as number) + (mid[row + x] as number) * weight;
    }
  }
  return dst;
}
