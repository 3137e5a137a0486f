/**
 * A text detector's probability map → text boxes (pure; the DBNet post-processing of PaddleOCR, simplified
 * to axis-aligned boxes). In: the map (row-major, values 0..1), its size and thresholds. Out: boxes in map
 * coordinates, each expanded ("unclipped") by area × ratio / perimeter, as DBNet shrinks text kernels by that
 * distance when it trains. Components are 8-connected pixels above `threshold`; a component is kept when
 * its mean probability reaches `boxThreshold` and it is at least `minSide` cells on its short side.
 */

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TextBoxOptions {
  threshold: number;
  boxThreshold: number;
  unclipRatio: number;
  minSide: number;
}

export const DEFAULT_TEXT_BOX_OPTIONS: TextBoxOptions = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.6,
  minSide: 2,
};

export function textBoxes(
  prob: Float32Array,
  width: number,
  height: number,
  options: TextBoxOptions = DEFAULT_TEXT_BOX_OPTIONS,
): Box[] {
  const seen = new Uint8Array(width * height);
  const stack: number[] = [];
  const boxes: Box[] = [];
  for (let start = 0; start < prob.length; start++) {
    if (seen[start] || (prob[start] ?? 0) <= options.threshold) continue;
    seen[start] = 1;
    stack.push(start);
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    let sum = 0;
    let count = 0;
    while (stack.length > 0) {
      const at = stack.pop() as number;
      const x = at % width;
      const y = (at - x) / width;
      sum += prob[at] ?? 0;
      count++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const next = ny * width + nx;
          if (seen[next] || (prob[next] ?? 0) <= options.threshold) continue;
          seen[next] = 1;
          stack.push(next);
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (Math.min(w, h) < options.minSide || sum / count < options.boxThreshold) continue;
    const d = (w * h * options.unclipRatio) / (2 * (w + h));
    const nx0 = Math.max(0, x0 - d);
    const ny0 = Math.max(0, y0 - d);
    const nx1 = Math.min(width, x1 + 1 + d);
    const ny1 = Math.min(height, y1 + 1 + d);
    boxes.push({ x: nx0, y: ny0, w: nx1 - nx0, h: ny1 - ny0 });
  }
  return boxes;
}

/** Boxes from map coordinates to image pixels (whole pixels, enclosing, clamped to the image). */
export function scaleBoxes(boxes: readonly Box[], sx: number, sy: number, cols: number, rows: number): Box[] {
  return boxes.map((b) => {
    const x = Math.max(0, Math.floor(b.x * sx));
    const y = Math.max(0, Math.floor(b.y * sy));
    const x1 = Math.min(cols, Math.ceil((b.x + b.w) * sx));
    const y1 = Math.min(rows, Math.ceil((b.y + b.h) * sy));
    return { x, y, w: Math.max(1, x1 - x), h: Math.max(1, y1 - y) };
  });
}

/**
 * Joins boxes that lie on one text line (vertical overlap at least half the smaller height) with a gap of at
 * most `gapFactor` × their height: a detector often splits a name at low-contrast letters, and the gap between
 * two pieces of one line is text too. Repeats until no two boxes join.
 */
export function mergeLineBoxes(boxes: readonly Box[], gapFactor = 1.5): Box[] {
  const out = boxes.map((b) => ({ ...b }));
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length && !merged; j++) {
        const a = out[i] as Box;
        const b = out[j] as Box;
        const overlapY = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
        const gapX = Math.max(a.x, b.x) - Math.min(a.x + a.w, b.x + b.w);
        if (overlapY < 0.5 * Math.min(a.h, b.h) || gapX > gapFactor * Math.max(a.h, b.h)) continue;
        const x = Math.min(a.x, b.x);
        const y = Math.min(a.y, b.y);
        out[i] = { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
        out.splice(j, 1);
        merged = true;
      }
    }
  }
  return out;
}
