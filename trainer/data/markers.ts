/**
 * Marker-like occlusions for training augmentation (pure, seeded): the things burned into real films that a
 * model can learn as a shortcut instead of the lungs — lead side markers ("R", "L"), timestamp or exposure
 * text in a corner, and solid label patches. Drawn in place on a size x size [0,1] image, mostly near the edges
 * and corners where they sit on real films, bright (lead) or dark (printed text), at random sizes.
 */
import type { Rng } from './random.ts';

/** 5 x 7 bitmaps, one string per row ('#' = ink). */
const GLYPHS: Record<string, string[]> = {
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
  A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  '0': ['.###.', '#...#', '#..##', '#.#.#', '##..#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  ':': ['.....', '..#..', '..#..', '.....', '..#..', '..#..', '.....'],
};
const TEXT_CHARS = ['0', '1', '2', '7', ':', 'A', 'P'];

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();

function fillRect(img: Float32Array, size: number, x0: number, y0: number, w: number, h: number, v: number): void {
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(size, Math.ceil(y0 + h)); y++)
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(size, Math.ceil(x0 + w)); x++) img[y * size + x] = v;
}

/** Draws one glyph with its top-left at (x0, y0), `cell` pixels per bitmap dot. */
function drawGlyph(img: Float32Array, size: number, glyph: string[], x0: number, y0: number, cell: number, v: number) {
  glyph.forEach((row, gy) => {
    for (let gx = 0; gx < row.length; gx++) {
      if (row[gx] === '#') fillRect(img, size, x0 + gx * cell, y0 + gy * cell, cell, cell, v);
    }
  });
}

/** A position near an edge or a corner for a box of w x h. */
function edgePosition(rng: Rng, size: number, w: number, h: number): [number, number] {
  const band = 0.22 * size;
  const corner = rng() < 0.6;
  const left = rng() < 0.5;
  const top = rng() < 0.5;
  const x =
    corner || rng() < 0.5
      ? left
        ? between(rng, 0, band)
        : between(rng, size - band - w, size - w)
      : between(rng, 0, size - w);
  const y =
    corner || x > band
      ? top
        ? between(rng, 0, band)
        : between(rng, size - band - h, size - h)
      : between(rng, 0, size - h);
  return [x, y];
}

/** Adds 1 to `maxCount` markers in place; returns the image. */
export function addMarkers(img: Float32Array, size: number, rng: Rng, maxCount = 3): Float32Array {
  const count = 1 + Math.floor(rng() * maxCount);
  for (let m = 0; m < count; m++) {
    const kind = rng();
    const bright = rng() < 0.75;
    const ink = bright ? between(rng, 0.85, 1) : between(rng, 0, 0.12);
    if (kind < 0.5) {
      // side marker: one big letter, sometimes on a contrasting square
      const cell = Math.max(1, Math.round(between(rng, 0.006, 0.018) * size));
      const glyph = GLYPHS[rng() < 0.5 ? 'R' : 'L']!;
      const [x, y] = edgePosition(rng, size, 5 * cell, 7 * cell);
      if (rng() < 0.3) fillRect(img, size, x - cell, y - cell, 7 * cell, 9 * cell, bright ? 0.05 : 0.95);
      drawGlyph(img, size, glyph, x, y, cell, ink);
    } else if (kind < 0.85) {
      // a line of small text (time stamp, exposure, operator code)
      const cell = Math.max(1, Math.round(between(rng, 0.004, 0.009) * size));
      const n = 4 + Math.floor(rng() * 9);
      const [x, y] = edgePosition(rng, size, n * 6 * cell, 7 * cell);
      for (let c = 0; c < n; c++) {
        const glyph = GLYPHS[TEXT_CHARS[Math.floor(rng() * TEXT_CHARS.length)]!]!;
        drawGlyph(img, size, glyph, x + c * 6 * cell, y, cell, ink);
      }
    } else {
      // a solid label patch
      const w = between(rng, 0.05, 0.18) * size;
      const h = between(rng, 0.03, 0.1) * size;
      const [x, y] = edgePosition(rng, size, w, h);
      fillRect(img, size, x, y, w, h, ink);
    }
  }
  return img;
}
