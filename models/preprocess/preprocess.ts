/**
 * Preprocessing stage, shared by the trainer and the agent (pure, deterministic).
 * In: DecodedImage ([0,1] grey, 1 = dense) and the model's InputSpec. Out: ModelInput, NCHW Float32Array: uniform
 * white or wide black margins cut off (content-box.ts; most films have none, and then nothing is cut), resized per
 * `spec.resize` (area-average down, bilinear up), padded with `padValue`, then (x - mean) / std, replicated to
 * 3 channels when the model wants them. The cut box is in the result (`content`) so the activation map can be laid
 * back over the whole image (resizeGeometry).
 */
import type { DecodedImage } from '../image/types.ts';
import { type ContentBox, contentBox } from './content-box.ts';
import type { InputSpec, ModelInput } from './input-spec.ts';
import { resizeGrey } from './resize-grey.ts';

/** Where the source image lands in the model input (to map heatmaps back). */
export interface ResizeGeometry {
  /** Source crop: the content box (margins cut), center-cropped for `center-crop`; else the whole image. */
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

/** `content`: the part of the image fed to the model (ModelInput.content), as fractions; default the whole. */
export function resizeGeometry(
  cols: number,
  rows: number,
  spec: Pick<InputSpec, 'size' | 'resize'>,
  content?: ContentBox,
): ResizeGeometry {
  const { size } = spec;
  const x0 = content ? Math.round(content.x0 * cols) : 0;
  const y0 = content ? Math.round(content.y0 * rows) : 0;
  const w = content ? Math.max(1, Math.round(content.x1 * cols) - x0) : cols;
  const h = content ? Math.max(1, Math.round(content.y1 * rows) - y0) : rows;
  const whole = { cropX: x0, cropY: y0, cropW: w, cropH: h };
  if (spec.resize === 'stretch') return { ...whole, offsetX: 0, offsetY: 0, width: size, height: size };
  if (spec.resize === 'center-crop') {
    const side = Math.min(w, h);
    const cropX = x0 + Math.floor((w - side) / 2);
    const cropY = y0 + Math.floor((h - side) / 2);
    return { cropX, cropY, cropW: side, cropH: side, offsetX: 0, offsetY: 0, width: size, height: size };
  }
  const scale = size / Math.max(w, h);
  const width = Math.max(1, Math.min(size, Math.round(w * scale)));
  const height = Math.max(1, Math.min(size, Math.round(h * scale)));
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
  const content = contentBox(image.pixels, image.cols, image.rows, spec.blackMarginCut);
  const g = resizeGeometry(image.cols, image.rows, spec, content);
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
  return { data, channels, size, ...(content ? { content } : {}) };
}

export { resizeGrey } from './resize-grey.ts';
