/**
 * Heatmap (pure). In: one class's raw CAM (camSize², over the model input square) and where the image sat in
 * that square (models/preprocess resizeGeometry). Out: RGBA pixels with the preview's aspect, covering it exactly:
 * each preview pixel is mapped back through the resize into the CAM and sampled bilinearly. The CAM is
 * min-max normalised over the image area; colour = jet(v), alpha = v, so the hub can overlay it directly.
 */
import type { ResizeGeometry } from '../../models/preprocess/preprocess.ts';

/** Preview size: long side at most `maxSide`, never enlarged. */
export function previewSize(cols: number, rows: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(cols, rows));
  return { width: Math.max(1, Math.round(cols * scale)), height: Math.max(1, Math.round(rows * scale)) };
}

const STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 143],
  [0, 0, 255],
  [0, 255, 255],
  [255, 255, 0],
  [255, 0, 0],
  [128, 0, 0],
];

/** Jet-like colour for v in [0,1]. */
export function jet(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, v)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const t = x - i;
  const a = STOPS[i] as readonly number[];
  const b = STOPS[i + 1] as readonly number[];
  return [0, 1, 2].map((c) => Math.round((a[c] as number) * (1 - t) + (b[c] as number) * t)) as [
    number,
    number,
    number,
  ];
}

/** 256-entry RGB lookup table of jet(). */
const JET_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(jet(i / 255), i * 3);
  return lut;
})();

interface Axis {
  /** Lower CAM index, upper CAM index and weight of the upper one, per output pixel; inside = within the image. */
  lo: Int32Array;
  hi: Int32Array;
  t: Float32Array;
  inside: Uint8Array;
}

/** Maps each output pixel along one axis back through the resize into CAM coordinates (separable). */
function axis(
  outLen: number,
  srcLen: number,
  crop: number,
  cropLen: number,
  offset: number,
  placed: number,
  camPerInput: number,
  camSize: number,
): Axis {
  const a: Axis = {
    lo: new Int32Array(outLen),
    hi: new Int32Array(outLen),
    t: new Float32Array(outLen),
    inside: new Uint8Array(outLen),
  };
  for (let p = 0; p < outLen; p++) {
    const s = ((p + 0.5) * srcLen) / outLen; // source image coordinate
    a.inside[p] = s >= crop && s <= crop + cropLen ? 1 : 0;
    const m = offset + ((s - crop) * placed) / cropLen; // model input coordinate
    const c = Math.min(camSize - 1, Math.max(0, m * camPerInput - 0.5));
    const lo = Math.floor(c);
    a.lo[p] = lo;
    a.hi[p] = Math.min(camSize - 1, lo + 1);
    a.t[p] = c - lo;
  }
  return a;
}

export interface HeatmapRequest {
  /** One class plane, camSize × camSize, raw. */
  cam: Float32Array;
  camSize: number;
  /** Model input side. */
  inputSize: number;
  geometry: ResizeGeometry;
  cols: number;
  rows: number;
  width: number;
  height: number;
}

/** RGBA, width × height × 4. */
export function heatmapRgba(req: HeatmapRequest): Uint8Array {
  const { geometry: g, camSize, cam, width, height } = req;
  const camPerInput = camSize / req.inputSize;
  const xs = axis(width, req.cols, g.cropX, g.cropW, g.offsetX, g.width, camPerInput, camSize);
  const ys = axis(height, req.rows, g.cropY, g.cropH, g.offsetY, g.height, camPerInput, camSize);
  const values = new Float32Array(width * height);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let py = 0; py < height; py++) {
    if (!ys.inside[py]) continue;
    const r0 = (ys.lo[py] as number) * camSize;
    const r1 = (ys.hi[py] as number) * camSize;
    const ty = ys.t[py] as number;
    for (let px = 0; px < width; px++) {
      if (!xs.inside[px]) continue;
      const x0 = xs.lo[px] as number;
      const x1 = xs.hi[px] as number;
      const tx = xs.t[px] as number;
      const top = (cam[r0 + x0] as number) * (1 - tx) + (cam[r0 + x1] as number) * tx;
      const bottom = (cam[r1 + x0] as number) * (1 - tx) + (cam[r1 + x1] as number) * tx;
      const v = top * (1 - ty) + bottom * ty;
      values[py * width + px] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const scale = max > min ? 255 / (max - min) : 0;
  const out = new Uint8Array(width * height * 4);
  for (let py = 0; py < height; py++) {
    if (!ys.inside[py]) continue;
    for (let px = 0; px < width; px++) {
      if (!xs.inside[px]) continue;
      const i = py * width + px;
      const level = Math.round(((values[i] as number) - min) * scale);
      out[i * 4] = JET_LUT[level * 3] as number;
      out[i * 4 + 1] = JET_LUT[level * 3 + 1] as number;
      out[i * 4 + 2] = JET_LUT[level * 3 + 2] as number;
      out[i * 4 + 3] = level;
    }
  }
  return out;
}
