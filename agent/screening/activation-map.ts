/**
 * Activation maps (pure). In: the model's raw class activation maps (classes × camSize², over the model input
 * square, in logit units: with the classifier bias added, a map's spatial mean is the class logit), where the
 * image sat in that square (models/preprocess resizeGeometry), and the finding classes with the logit of their
 * screening operating point. Out: the protocol's `activation` — per finding class a grid over the WHOLE image
 * (its aspect, the CAM's resolution) of one byte per cell:
 *   0       the cell's local logit is below the class's operating point (no meaningful evidence: not drawn);
 *   1..255  from the operating point (1) up to the strongest evidence for that class on this film (255).
 * A finding the model calls has drawn cells (the map's mean over the input square is its logit, so its maximum
 * there is at least the operating point, unless that maximum lies in letterbox padding); one it does not call
 * may still show where local evidence is strong. Cells outside the
 * part of the image the model saw (center-crop) are 0. The viewer colours the grid (perceptually uniform map,
 * legend) and scales it over the film; the "Normal" class never gets a map.
 */
import type { Manifest } from '../../models/package/manifest.ts';
import type { ResizeGeometry } from '../../models/preprocess/preprocess.ts';
import { triageRoles } from '../../models/triage/class-roles.ts';
import type { ActivationMessage } from '../../protocol/messages.ts';

export interface ActivationRequest {
  /** classes × camSize × camSize, row-major, raw. */
  cam: Float32Array;
  camSize: number;
  /** Model input side. */
  inputSize: number;
  geometry: ResizeGeometry;
  cols: number;
  rows: number;
  /** Finding classes to map: their plane index in `cam` and the logit of their screening operating point. */
  findings: ReadonlyArray<{ name: string; index: number; logitThreshold: number }>;
}

/** logit(p), finite for p in [0, 1]. */
export function logit(p: number): number {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return Math.log(q / (1 - q));
}

/**
 * The finding classes to map, with the raw logit of each one's screening operating point. The operating points
 * apply to calibrated probabilities (manifest `calibration`, p = sigmoid(raw logit / T)), the CAM is in raw
 * logits, so the cut is at T · logit(threshold). Never the normal class.
 */
export function evidenceFindings(
  manifest: Pick<Manifest, 'classes' | 'thresholds' | 'triage' | 'calibration'>,
): ActivationRequest['findings'] {
  const temperatures = manifest.calibration?.temperature ?? {};
  return triageRoles(manifest)
    .findings.map((f) => ({
      name: f.name,
      index: manifest.classes.indexOf(f.name),
      logitThreshold: (temperatures[f.name] ?? 1) * logit(f.threshold),
    }))
    .filter((f) => f.index >= 0);
}

/** Grid size over the image: as many cells as CAM cells cover the image, at least 1, at most 256 a side. */
export function gridSize(req: Pick<ActivationRequest, 'camSize' | 'inputSize' | 'geometry' | 'cols' | 'rows'>): {
  width: number;
  height: number;
} {
  const g = req.geometry;
  const cells = (placed: number, cropLen: number, srcLen: number) =>
    Math.min(256, Math.max(1, Math.round(((req.camSize * placed) / req.inputSize) * (srcLen / cropLen))));
  return { width: cells(g.width, g.cropW, req.cols), height: cells(g.height, g.cropH, req.rows) };
}

/** For each grid cell along one axis: the CAM coordinate of its centre, or -1 outside the part the model saw. */
function axis(
  cells: number,
  srcLen: number,
  crop: number,
  cropLen: number,
  offset: number,
  placed: number,
  camPerInput: number,
) {
  const at = new Float64Array(cells);
  for (let i = 0; i < cells; i++) {
    const s = ((i + 0.5) * srcLen) / cells; // source image coordinate
    if (s < crop || s > crop + cropLen) {
      at[i] = -1;
      continue;
    }
    const m = offset + ((s - crop) * placed) / cropLen; // model input coordinate
    at[i] = Math.max(0, m * camPerInput - 0.5);
  }
  return at;
}

function bilinear(plane: Float32Array, size: number, x: number, y: number): number {
  const x0 = Math.min(size - 1, Math.floor(x));
  const y0 = Math.min(size - 1, Math.floor(y));
  const x1 = Math.min(size - 1, x0 + 1);
  const y1 = Math.min(size - 1, y0 + 1);
  const tx = Math.min(1, x - x0);
  const ty = Math.min(1, y - y0);
  const top = (plane[y0 * size + x0] as number) * (1 - tx) + (plane[y0 * size + x1] as number) * tx;
  const bottom = (plane[y1 * size + x0] as number) * (1 - tx) + (plane[y1 * size + x1] as number) * tx;
  return top * (1 - ty) + bottom * ty;
}

export function activationMaps(req: ActivationRequest): ActivationMessage {
  const { width, height } = gridSize(req);
  const g = req.geometry;
  const camPerInput = req.camSize / req.inputSize;
  const xs = axis(width, req.cols, g.cropX, g.cropW, g.offsetX, g.width, camPerInput);
  const ys = axis(height, req.rows, g.cropY, g.cropH, g.offsetY, g.height, camPerInput);
  const planeSize = req.camSize * req.camSize;
  const maps: Record<string, string> = {};
  for (const finding of req.findings) {
    const plane = req.cam.subarray(finding.index * planeSize, (finding.index + 1) * planeSize);
    const values = new Float64Array(width * height).fill(Number.NEGATIVE_INFINITY);
    let max = Number.NEGATIVE_INFINITY;
    for (let y = 0; y < height; y++) {
      const cy = ys[y] as number;
      if (cy < 0) continue;
      for (let x = 0; x < width; x++) {
        const cx = xs[x] as number;
        if (cx < 0) continue;
        const v = bilinear(plane, req.camSize, cx, cy);
        values[y * width + x] = v;
        if (v > max) max = v;
      }
    }
    const levels = new Uint8Array(width * height);
    const span = max - finding.logitThreshold;
    for (let i = 0; i < levels.length; i++) {
      const v = values[i] as number;
      if (!(v >= finding.logitThreshold)) continue;
      levels[i] = span > 0 ? 1 + Math.round(((v - finding.logitThreshold) / span) * 254) : 255;
    }
    maps[finding.name] = Buffer.from(levels).toString('base64');
  }
  return { width, height, maps };
}
