/**
 * Preprocessing stage, shared by the trainer and the agent (pure, deterministic).
 * In: DecodedImage ([0,1] grey, 1 = dense) and the model's InputSpec. Out: ModelInput, NCHW Float32Array:
 * resized per `spec.resize` (area-average down, bilinear up), padded with `padValue`, then (x - mean) / std,
 * replicated to 3 channels when the model wants them.
 */
import type { DecodedImage } from '../image/types.ts';
import type { InputSpec, ModelInput } from './input-spec.ts';
import { resizeGrey } from './resize-grey.ts';

/** Where the source image lands in the model input (to map heatmaps back). */
export interface ResizeGeometry {
  /** Source crop (center-crop only; else the whole image). */
  cropX: number;
  cropY: number;
  cropW: number;
  cropH: number;
  /** Placement of the resized crop inside the size×size input. */
  offsetX: number;
  offsetY: number;
  width: number;
  height: number;
}

export function resizeGeometry(cols: number, rows: number, spec: Pick<InputSpec, 'size' | 'resize'>): ResizeGeometry {
  const { size } = spec;
  const whole = { cropX: 0, cropY: 0, cropW: cols, cropH: rows };
  if (spec.resize === 'stretch') return { ...whole, offsetX: 0, offsetY: 0, width: size, height: size };
  if (spec.resize === 'center-crop') {
    const side = Math.min(cols, rows);
    const cropX = Math.floor((cols - side) / 2);
    const cropY = Math.floor((rows - side) / 2);
    return { cropX, cropY, cropW: side, cropH: side, offsetX: 0, offsetY: 0, width: size, height: size };
  }
  const scale = size / Math.max(cols, rows);
  const width = Math.max(1, Math.min(size, Math.round(cols * scale)));
  const height = Math.max(1, Math.min(size, Math.round(rows * scale)));
  return { ...whole, offsetX: Math.floor((size - width) / 2), offsetY: Math.floor((size - height) / 2), width, height };
}

function crop(pixels: Float32Array, cols: number, g: ResizeGeometry): Float32Array {
  if (g.cropW === cols && g.cropX === 0 && g.cropY === 0 && g.cropH * cols === pixels.length) return pixels;
  const out = new Float32Array(g.cropW * g.cropH);
  for (let y = 0; y < g.cropH; y++) {
    const from = (g.cropY + y) * cols + g.cropX;
    out.set(pixels.subarray(from, from + g.cropW), y * g.cropW);
  }
  return out;
}

export function preprocess(image: Pick<DecodedImage, 'rows' | 'cols' | 'pixels'>, spec: InputSpec): ModelInput {
  const { size, mean, std, channels } = spec;
  const g = resizeGeometry(image.cols, image.rows, spec);
  const resized = resizeGrey(crop(image.pixels, image.cols, g), g.cropW, g.cropH, g.width, g.height);
  const plane = size * size;
  const data = new Float32Array(channels * plane);
  const scale = 1 / std;
  data.fill((spec.padValue - mean) * scale, 0, plane);
  for (let y = 0; y < g.height; y++) {
    const src = y * g.width;
    const dst = (g.offsetY + y) * size + g.offsetX;
    for (let x = 0; x < g.width; x++) data[dst + x] = ((resized[src + x] ?? 0) - mean) * scale;
  }
  for (let c = 1; c < channels; c++) data.copyWithin(c * plane, 0, plane);
  return { data, channels, size };
}

export { resizeGrey } from './resize-grey.ts';
