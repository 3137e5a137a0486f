/**
 * A ResultMessage whose preview is a real sample chest X-ray (models/samples/nih) and whose evidence maps are a
 * blob per finding like the agent's activation grids, for dashboard tests and screenshots.
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

/** A 16×16 evidence grid per finding: a blob around (cx, cy), 0 outside it (as the agent sends). */
function activationFor(findings: readonly string[], cx: number, cy: number): ResultMessage['activation'] {
  const size = 16;
  const levels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = Math.max(0, 1 - Math.hypot(((x + 0.5) / size - cx) / 0.18, ((y + 0.5) / size - cy) / 0.22));
      levels[y * size + x] = v > 0 ? 1 + Math.round(v * 254) : 0;
    }
  }
  const map = Buffer.from(levels).toString('base64');
  return { width: size, height: size, maps: Object.fromEntries(findings.map((f) => [f, map])) };
}

export async function realisticResult(index: number, overrides: Partial<ResultMessage> = {}): Promise<ResultMessage> {
  const paths = samplePaths();
  const preview = await sharp(paths[index % paths.length]!)
    .resize(768, 768, { fit: 'inside' })
    .jpeg({ quality: 85 })
    .toBuffer({ resolveWithObject: true });
  const base = await resultMessage(overrides);
  return {
    ...base,
    preview: {
      mime: 'image/jpeg',
      width: preview.info.width,
      height: preview.info.height,
      base64: preview.data.toString('base64'),
    },
    activation: activationFor(base.triage?.findingClasses ?? base.classes, 0.35 + (index % 3) * 0.15, 0.55),
    ...overrides,
  };
}
