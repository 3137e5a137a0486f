/**
 * Masks boxes in a film's pixels, in place (pure on the buffers it is given). In: row-major buffers, the
 * width, the boxes in image pixels and the fill value. Every pixel inside a box takes the fill, so nothing of
 * what was there survives in any bit; boxes are clamped to the image.
 */
import type { Box } from './text-boxes.ts';

export function maskRegions(
  pixels: Float32Array | Uint16Array,
  cols: number,
  rows: number,
  boxes: readonly Box[],
  fill: number,
): void {
  for (const box of boxes) {
    const x0 = Math.max(0, Math.floor(box.x));
    const y0 = Math.max(0, Math.floor(box.y));
    const x1 = Math.min(cols, Math.ceil(box.x + box.w));
    const y1 = Math.min(rows, Math.ceil(box.y + box.h));
    for (let y = y0; y < y1; y++) pixels.fill(fill, y * cols + x0, y * cols + x1);
  }
}
