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
/** Rows: out[d] = Σ weight · in[row], whole rows at a time (contiguous, cache friendly). */
function resizeRows(src: Float32Array, width: number, t: AxisTaps, dstRows: number): Float32Array {
  const dst = new Float32Array(dstRows * width);
  for (let d = 0; d < dstRows; d++) {
    const first = t.start[d] as number;
    const n = t.count[d] as number;
    const base = d * t.stride;
    const out = d * width;
    for (let k = 0; k < n; k++) {
      const weight = t.weights[base + k] as number;
      const row = (first + k) * width;
      for (let x = 0; x < width; x++) dst[out + x] = (dst[out + x] as number) + (src[row + x] as number) * weight;
    }
  }
  return dst;
}

/** Columns within each row: out[y][d] = Σ weight · in[y][start + k]. */
function resizeColumns(src: Float32Array, width: number, rows: number, t: AxisTaps, dstWidth: number): Float32Array {
  const dst = new Float32Array(rows * dstWidth);
  for (let y = 0; y < rows; y++) {
    const row = y * width;
    const out = y * dstWidth;
    for (let d = 0; d < dstWidth; d++) {
      const first = row + (t.start[d] as number);
      const n = t.count[d] as number;
      const base = d * t.stride;
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (src[first + k] as number) * (t.weights[base + k] as number);
      dst[out + d] = sum;
    }
  }
  return dst;
}

/** Resizes a w×h grey image to dstW×dstH. Deterministic; a constant image stays constant. */
export function resizeGrey(src: Float32Array, w: number, h: number, dstW: number, dstH: number): Float32Array {
  if (w === dstW && h === dstH) return src.slice();
  const tx = taps(w, dstW);
  const ty = taps(h, dstH);
  // Do the row pass first when it shrinks: the column pass, with its short inner loops, then runs on fewer rows.
  if (dstH <= h) return resizeColumns(resizeRows(src, w, ty, dstH), w, dstH, tx, dstW);
  return resizeRows(resizeColumns(src, w, h, tx, dstW), dstW, ty, dstH);
}
