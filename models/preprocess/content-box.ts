/**
 * The part of an image that is the film, when it comes with margins that are not (pure; shared by the trainer and
 * the agent through preprocess.ts). A scan or a figure on white paper, a portrait film in a landscape screen
 * capture: the margins are uniform white, or wide uniform black, and a model that learnt that chest films fill
 * their frame reads them as something else (the not-a-chest gate refused 33 of 39 validation films given 10 %
 * white margins, 16 of 39 given black bars of 20 % on both sides; models/baseline/README.md).
 * In: [0,1] grey pixels, row-major. Out: the box inside the uniform margins, as fractions of the width and
 * height, or undefined when the image has no such margins — then nothing changes.
 * A margin line is a row or column with at least 98 % of its pixels at or below 0.04 (black) or at or above 0.96
 * (white); each side's margin is the run of such lines from that edge, at most a quarter of the image. The box is
 * cut only when a side's margin has a white line, or is black and at least `wideBlack` of the image across (the
 * model's InputSpec.blackMarginCut): a model is trained with the cut it is used with, so this is the package's,
 * not a constant — 0.15 for packages up to 3.1.x (trained with black margins under 15 % left on: 8 of 1,313
 * training films have one of 10 % or more), 0.05 for those trained since (a portrait film in a wide capture,
 * black bars of 20 % of its width on both sides, is then cut too).
 */

export interface ContentBox {
  /** Left, top, right and bottom edges as fractions of the image's width and height. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const BLACK = 0.04;
const WHITE = 0.96;
const LINE_SHARE = 0.98;
const MAX_SIDE = 0.25;
/** The black-margin cut of packages whose InputSpec has none (up to 3.1.x). */
export const LEGACY_BLACK_MARGIN_CUT = 0.15;

type Line = 'black' | 'white' | undefined;

function lineKind(pixels: Float32Array, start: number, stride: number, count: number): Line {
  let black = 0;
  let white = 0;
  for (let i = 0, at = start; i < count; i++, at += stride) {
    const v = pixels[at] as number;
    if (v <= BLACK) black++;
    else if (v >= WHITE) white++;
  }
  if (black >= LINE_SHARE * count) return 'black';
  return white >= LINE_SHARE * count ? 'white' : undefined;
}

interface Margin {
  lines: number;
  white: boolean;
}

function margin(length: number, kindAt: (k: number) => Line): Margin {
  let lines = 0;
  let white = false;
  while (lines < MAX_SIDE * length) {
    const kind = kindAt(lines);
    if (!kind) break;
    if (kind === 'white') white = true;
    lines++;
  }
  return { lines, white };
}

export function contentBox(
  pixels: Float32Array,
  cols: number,
  rows: number,
  wideBlack = LEGACY_BLACK_MARGIN_CUT,
): ContentBox | undefined {
  if (cols < 8 || rows < 8) return undefined;
  const top = margin(rows, (k) => lineKind(pixels, k * cols, 1, cols));
  const bottom = margin(rows, (k) => lineKind(pixels, (rows - 1 - k) * cols, 1, cols));
  const left = margin(cols, (k) => lineKind(pixels, k, cols, rows));
  const right = margin(cols, (k) => lineKind(pixels, cols - 1 - k, cols, rows));
  const cut =
    [top, bottom, left, right].some((m) => m.white) ||
    Math.max(top.lines, bottom.lines) >= wideBlack * rows ||
    Math.max(left.lines, right.lines) >= wideBlack * cols;
  if (!cut) return undefined;
  return { x0: left.lines / cols, y0: top.lines / rows, x1: 1 - right.lines / cols, y1: 1 - bottom.lines / rows };
}
