/**
 * The math of the not-a-chest gate (pure, Float64 on plain arrays): an L2-regularised logistic regression fitted
 * by full-batch gradient descent on standardised features, composition of two dense maps into one (the gate's
 * head is fitted on whitened features and stored on the raw ones), and a whitening map from chest-film features
 * (shrunk covariance, Cholesky factor L, W = L^-1) so that mean(z^2) with z = W (f - mean) is the squared
 * Mahalanobis distance per dimension. Both end up as dense layers in the ONNX graph (trainer/gate/gate-head.ts).
 */

export interface Linear {
  /** Row-major [inFeatures, units] (the IR's dense layout). */
  weight: Float32Array;
  bias: Float32Array;
  inFeatures: number;
  units: number;
}

function meanStd(rows: Float32Array[], d: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += r[j]! / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) std[j]! += (r[j]! - mean[j]!) ** 2 / rows.length;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) + 1e-6;
  return { mean, std };
}

/**
 * Logistic regression, positives label 1. Classes are weighted to equal total weight. Returns the map on raw
 * features (the standardisation folded in) giving the logit, and the fitted probabilities are sigmoid(logit).
 */
export function fitLogistic(
  positives: Float32Array[],
  negatives: Float32Array[],
  options: { l2?: number; iterations?: number; lr?: number } = {},
): Linear {
  const d = positives[0]!.length;
  const rows = [...positives, ...negatives];
  const { mean, std } = meanStd(rows, d);
  const x = rows.map((r) => Float64Array.from(r, (v, j) => (v - mean[j]!) / std[j]!));
  const y = rows.map((_, i) => (i < positives.length ? 1 : 0));
  const weightOf = (i: number) => (i < positives.length ? 0.5 / positives.length : 0.5 / negatives.length);
  const w = new Float64Array(d);
  let b = 0;
  const l2 = options.l2 ?? 1e-3;
  const lr = options.lr ?? 0.5;
  for (let it = 0; it < (options.iterations ?? 400); it++) {
    const gw = new Float64Array(d);
    let gb = 0;
    x.forEach((xi, i) => {
      let z = b;
      for (let j = 0; j < d; j++) z += w[j]! * xi[j]!;
      const g = (1 / (1 + Math.exp(-z)) - y[i]!) * weightOf(i);
      for (let j = 0; j < d; j++) gw[j]! += g * xi[j]!;
      gb += g;
    });
    for (let j = 0; j < d; j++) w[j]! -= lr * (gw[j]! + l2 * w[j]!);
    b -= lr * gb;
  }
  const weight = Float32Array.from(w, (wj, j) => wj / std[j]!);
  let bias = b;
  for (let j = 0; j < d; j++) bias -= (w[j]! * mean[j]!) / std[j]!;
  return { weight, bias: Float32Array.of(bias), inFeatures: d, units: 1 };
}

export function applyLinear(lin: Linear, f: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(lin.bias);
  for (let i = 0; i < lin.inFeatures; i++) {
    const v = f[i]!;
    if (v === 0) continue;
    for (let u = 0; u < lin.units; u++) out[u]! += v * lin.weight[i * lin.units + u]!;
  }
  return out;
}

/**
 * Whitening of chest-film features: covariance shrunk towards its mean variance (weight `shrink`), Cholesky
 * factor L, W = L^-1; returned as a dense map f -> W (f - mean). mean(z^2) is about 1 on the fitting films.
 */
export function fitWhitening(rows: Float32Array[], shrink = 0.1): Linear {
  const d = rows[0]!.length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += r[j]! / rows.length;
  const cov = new Float64Array(d * d);
  for (const r of rows) {
    for (let i = 0; i < d; i++) {
      const ci = r[i]! - mean[i]!;
      if (ci === 0) continue;
      for (let j = 0; j <= i; j++) cov[i * d + j]! += (ci * (r[j]! - mean[j]!)) / rows.length;
    }
  }
  let trace = 0;
  for (let i = 0; i < d; i++) trace += cov[i * d + i]!;
  const avg = trace / d + 1e-9;
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) cov[i * d + j] = (1 - shrink) * cov[i * d + j]! + (i === j ? shrink * avg : 0);
  // Cholesky (lower), in place on the lower triangle
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = cov[i * d + j]!;
      for (let k = 0; k < j; k++) s -= L[i * d + k]! * L[j * d + k]!;
      L[i * d + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / L[j * d + j]!;
    }
  }
  // W = L^-1 (lower triangular), by forward substitution column by column
  const W = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    for (let i = c; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i * d + k]! * W[k * d + c]!;
      W[i * d + c] = s / L[i * d + i]!;
    }
  }
  // dense layout [in, out]: weight[in j][out i] = W[i][j]; bias = -W mean
  const weight = new Float32Array(d * d);
  const bias = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j <= i; j++) {
      weight[j * d + i] = W[i * d + j]!;
      s += W[i * d + j]! * mean[j]!;
    }
    bias[i] = -s;
  }
  return { weight, bias, inFeatures: d, units: d };
}

/** The map x -> second(first(x)) as one dense map (Float64 sums): what the graph computes with either. */
export function composeLinear(first: Linear, second: Linear): Linear {
  if (first.units !== second.inFeatures) throw new Error('composeLinear: the maps do not chain');
  const [d, m, k] = [first.inFeatures, first.units, second.units];
  const weight = new Float32Array(d * k);
  for (let i = 0; i < d; i++) {
    for (let u = 0; u < k; u++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += first.weight[i * m + j]! * second.weight[j * k + u]!;
      weight[i * k + u] = s;
    }
  }
  return { weight, bias: Float32Array.from(applyLinear(second, first.bias)), inFeatures: d, units: k };
}

/** mean(z^2) of a whitened vector. */
export function meanSquare(z: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += z[i]! * z[i]!;
  return s / z.length;
}

/** The q-quantile (0..1) of values, linear between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = Math.min(s.length - 1, Math.max(0, q * (s.length - 1)));
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(s.length - 1, lo + 1)]! - s[lo]!) * (pos - lo);
}
