/**
 * Synthetic not-a-chest images for the gate (pure, seeded): solid colours, gradients, noise, checkerboards,
 * stripes and random shapes, as 8-bit RGB rasters. In: a kind, a size and an Rng. Out: `{ width, height, rgb }`.
 * These are the trivial negatives (a red square, noise, a checkerboard) that the 2.0.0 baseline scored as chest films.
 */
import type { Rng } from '../data/random.ts';

export type SyntheticKind = 'solid' | 'gradient' | 'noise' | 'checkerboard' | 'stripes' | 'shapes';
export const SYNTHETIC_KINDS: SyntheticKind[] = ['solid', 'gradient', 'noise', 'checkerboard', 'stripes', 'shapes'];

export interface Raster {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, row-major. */
  rgb: Uint8Array;
}

const colour = (rng: Rng): [number, number, number] =>
  rng() < 0.4
    ? ((g) => [g, g, g])(Math.floor(rng() * 256))
    : ([rng(), rng(), rng()].map((v) => Math.floor(v * 256)) as [number, number, number]);

export function syntheticImage(kind: SyntheticKind, rng: Rng): Raster {
  const width = [128, 224, 320, 512, 640][Math.floor(rng() * 5)]!;
  const height = rng() < 0.5 ? width : Math.round(width * (0.6 + 0.8 * rng()));
  const rgb = new Uint8Array(width * height * 3);
  const a = colour(rng);
  const b = colour(rng);
  const period = 2 + Math.floor(rng() * 40);
  const angle = rng() * Math.PI;
  const noiseAmp = 20 + rng() * 235;
  const shapes = Array.from({ length: 3 + Math.floor(rng() * 12) }, () => ({
    x: rng() * width,
    y: rng() * height,
    r: (0.03 + 0.25 * rng()) * width,
    c: colour(rng),
    square: rng() < 0.5,
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c: [number, number, number] = a;
      if (kind === 'gradient') {
        const t = (x * Math.cos(angle) + y * Math.sin(angle)) / Math.hypot(width, height) + 0.5;
        c = [0, 1, 2].map((i) => a[i]! + (b[i]! - a[i]!) * Math.min(1, Math.max(0, t))) as typeof c;
      } else if (kind === 'noise') {
        const g = Math.floor(rng() * noiseAmp);
        c = rng() < 0.5 ? [g, g, g] : [g, Math.floor(rng() * noiseAmp), Math.floor(rng() * noiseAmp)];
      } else if (kind === 'checkerboard') {
        c = (Math.floor(x / period) + Math.floor(y / period)) % 2 ? a : b;
      } else if (kind === 'stripes') {
        c = Math.floor((x * Math.cos(angle) + y * Math.sin(angle)) / period) % 2 ? a : b;
      } else if (kind === 'shapes') {
        for (const s of shapes) {
          const inside = s.square
            ? Math.abs(x - s.x) < s.r && Math.abs(y - s.y) < s.r
            : (x - s.x) ** 2 + (y - s.y) ** 2 < s.r ** 2;
          if (inside) c = s.c;
        }
      }
      rgb.set(c, (y * width + x) * 3);
    }
  }
  return { width, height, rgb };
}
