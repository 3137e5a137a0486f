/**
 * A ResultMessage whose preview is a real sample chest X-ray (models/samples/nih) and whose heatmap is a
 * jet-coloured RGBA blob like the agent's, for dashboard tests and screenshots.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { ResultMessage } from '../../protocol/messages.ts';
import { resultMessage } from './fixtures.ts';

const SAMPLES = fileURLToPath(new URL('../../models/samples/nih/images/', import.meta.url));

export function samplePaths(): string[] {
  return readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => `${SAMPLES}${f}`);
}

async function heatmapPng(width: number, height: number, cx: number, cy: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot((x / width - cx) / 0.18, (y / height - cy) / 0.22);
      const v = Math.max(0, 1 - d);
      const p = (y * width + x) * 4;
      data[p] = Math.round(255 * Math.min(1, v * 2));
      data[p + 1] = Math.round(255 * Math.max(0, 1 - Math.abs(v - 0.5) * 2));
      data[p + 2] = Math.round(255 * Math.max(0, 1 - v * 2));
      data[p + 3] = Math.round(255 * v);
    }
  }
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

export async function realisticResult(index: number, overrides: Partial<ResultMessage> = {}): Promise<ResultMessage> {
  const paths = samplePaths();
  const preview = await sharp(paths[index % paths.length]!)
    .resize(768, 768, { fit: 'inside' })
    .jpeg({ quality: 85 })
    .toBuffer({ resolveWithObject: true });
  const heat = await heatmapPng(preview.info.width, preview.info.height, 0.35 + (index % 3) * 0.15, 0.55);
  const base = await resultMessage(overrides);
  return {
    ...base,
    preview: {
      mime: 'image/jpeg',
      width: preview.info.width,
      height: preview.info.height,
      base64: preview.data.toString('base64'),
    },
    heatmap: {
      mime: 'image/png',
      width: preview.info.width,
      height: preview.info.height,
      base64: heat.toString('base64'),
    },
    ...overrides,
  };
}
