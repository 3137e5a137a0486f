/**
 * Heatmap (pure). In: one class's raw CAM (camSize², over the model input square) and where the image sat in
 * that square (models/preprocess resizeGeometry). Out: RGBA pixels at PREVIEW size, aligned with the preview:
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

function sample(cam: Float32Array, camSize: number, x: number, y: number): number {
  const cx = Math.min(camSize - 1, Math.max(0, x));
  const cy = Math.min(camSize - 1, Math.max(0, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(camSize - 1, x0 + 1);
  const y1 = Math.min(camSize - 1, y0 + 1);
  const tx = cx - x0;
  const ty = cy - y0;
  const at = (xx: number, yy: number) => cam[yy * camSize + xx] as number;
  return (at(x0, y0) * (1 - tx) + at(x1, y0) * tx) * (1 - ty) + (at(x0, y1) * (1 - tx) + at(x1, y1) * tx) * ty;
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
  const { geometry: g, camSize, inputSize, width, height } = req;
  const values = new Float32Array(width * height);
  const inside = new Uint8Array(width * height);
  const camPerInput = camSize / inputSize;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let py = 0; py < height; py++) {
    const sy = ((py + 0.5) * req.rows) / height; // source image coordinates
    const my = g.offsetY + ((sy - g.cropY) * g.height) / g.cropH; // model input coordinates
    for (let px = 0; px < width; px++) {
      const sx = ((px + 0.5) * req.cols) / width;
      if (sx < g.cropX || sx > g.cropX + g.cropW || sy < g.cropY || sy > g.cropY + g.cropH) continue;
      const mx = g.offsetX + ((sx - g.cropX) * g.width) / g.cropW;
      const v = sample(req.cam, camSize, mx * camPerInput - 0.5, my * camPerInput - 0.5);
      const i = py * width + px;
      values[i] = v;
      inside[i] = 1;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const span = max > min ? max - min : 0;
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < values.length; i++) {
    if (!inside[i]) continue;
    const v = span > 0 ? ((values[i] as number) - min) / span : 0;
    const [r, gg, b] = jet(v);
    out.set([r, gg, b, Math.round(v * 255)], i * 4);
  }
  return out;
}
